"""An organiser watches responses arrive while respondents answer."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from freeassoc.orgs.models import Membership
from freeassoc.surveys.models import Survey
from tests.auth import phone_for, second_step_in_browser

from .conftest import DESKTOP, PHONE
from .respondent import PRIVATE_PSYCHOTHERAPIST, complete, press
from .test_every_page import OVERFLOW

pytestmark = pytest.mark.browser

PASSWORD = "a long and known password"


@pytest.fixture
def rowan(org):
    user = get_user_model().objects.create_user("rowan", password=PASSWORD)
    Membership.objects.create(organisation=org, user=user, role=Membership.Role.ORGANISER)
    return user


def sign_in(page, username, password=PASSWORD):
    phone_for(username)
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_label("Password").fill(password)
    press(page, "Sign in")
    second_step_in_browser(page, username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your surveys")


def dashboard_count(page, survey):
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=survey.title))
    expect(row).to_have_count(1)
    return row.get_by_role("cell").last


def test_the_organiser_sees_the_response_count_go_up_when_a_group_has_answered(
    new_context, rowan, survey, open_link
):
    """Answers are added in groups of at least k (here 2): the count stays at 0 after the
    first person sends, and goes to 2 with the second."""
    Survey.objects.filter(pk=survey.pk).update(disclosure_k=2)
    organiser = new_context(DESKTOP).new_page()
    sign_in(organiser, "rowan")
    expect(dashboard_count(organiser, survey)).to_have_text("0")
    organiser.get_by_role("link", name=survey.title).click()
    expect(organiser.get_by_role("heading", level=1)).to_have_text(survey.title)
    total = organiser.locator("#response-total")
    expect(total).to_have_text("0")
    expect(organiser.get_by_text(re.compile(r"^0 responses so far\.$"))).to_be_visible()
    link = organiser.get_by_role("link", name=f"/s/{open_link.slug}/")
    expect(link).to_be_visible()  # the open link to share

    expect(organiser.get_by_text("added in groups of at least 2")).to_be_visible()

    respondent = new_context(PHONE).new_page()  # someone else, on their phone
    complete(respondent, open_link.slug, PRIVATE_PSYCHOTHERAPIST)
    organiser.reload()
    expect(total).to_have_text("0")  # held until a second person sends

    complete(new_context(PHONE).new_page(), open_link.slug, PRIVATE_PSYCHOTHERAPIST)
    organiser.reload()
    expect(total).to_have_text("2")
    expect(organiser.get_by_text(re.compile(r"^2 responses so far\.$"))).to_be_visible()
    organiser.get_by_role("link", name="Your surveys").first.click()
    expect(dashboard_count(organiser, survey)).to_have_text("2")


def test_no_organiser_page_is_wider_than_a_phone(new_context, rowan, survey, open_link):
    # Slugs are random; about five in six have no "-", which is where a browser may break the
    # long share link. Fix one without, so the test does not depend on luck.
    open_link.slug = "qqBzmN4EYCNx"
    open_link.save()
    page = new_context(PHONE).new_page()
    width, too_wide = PHONE["viewport"]["width"], []
    sign_in(page, "rowan")
    for name, url in (
        ("dashboard", "/org/"),
        ("survey", survey.get_absolute_url()),
        ("create", "/org/surveys/new/"),
    ):
        page.goto(url)
        found = page.evaluate(OVERFLOW, width)
        if found["scrollWidth"] > width:
            too_wide.append(f"{name}: {found['scrollWidth']}px wide; {found['wide']}")
    assert not too_wide, "organiser pages wider than the screen:\n" + "\n".join(too_wide)
