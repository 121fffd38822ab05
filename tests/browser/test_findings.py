"""The findings page in a real browser, on a 360-pixel phone and on a desktop: axe-core finds
no serious or critical problem, nothing is wider than the screen, the browser asks no other
host for anything, and the charts are drawn (SVG bars, no script). Screenshots go to
test-artifacts/screenshots/findings-*.png."""

from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model

from freeassoc.findings.synthetic import generate_answers
from freeassoc.orgs.models import Membership
from freeassoc.surveys.models import Response, Survey
from tests.auth import phone_for, second_step_in_browser
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_every_page import OVERFLOW, axe_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long and known password"


@pytest.fixture
def demo(org):
    survey = Survey.objects.create(
        organisation=org, title="Surviving Work (synthetic demo)", instrument_slug="surviving-work",
        instrument_version=1, status=Survey.Status.CLOSED, is_synthetic=True, published=True,
    )  # fmt: skip
    Response.objects.bulk_create(
        Response(survey=survey, instrument_version=1, submitted_on="2017-03-01", answers=a)
        for a in generate_answers(1500, 2017)
    )
    return survey


def _visit(page, url, requests):
    page.on("request", lambda request: requests.append(request.url))
    response = page.goto(url)
    assert response.status == 200
    page.wait_for_load_state("load")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_findings_pages_read_on_a_phone_and_a_desktop(
    new_context, server, demo, screenshots, device
):
    size = PHONE if device == "phone" else DESKTOP
    width = size["viewport"]["width"]
    problems, requests, too_wide = [], [], []
    pages = {
        "survey": f"/findings/{demo.pk}/",
        "indicator": f"/findings/{demo.pk}/iapt_honorary/",
        "median": f"/findings/{demo.pk}/pay_median_band/",
        "rules": "/findings/rules/",
        "index": "/findings/",
    }
    for name, url in pages.items():
        page = new_context(size).new_page()
        _visit(page, url, requests)
        axe_check(page, f"findings-{name}-{device}", problems, screenshots)
        found = page.evaluate(OVERFLOW, width)
        if found["scrollWidth"] > width:
            too_wide.append(f"{name}: {found['scrollWidth']}px wide; {found['wide']}")
        if name in {"survey", "indicator"}:
            charts = page.locator("svg.chart[role=img]")
            assert charts.count() >= 3
            box = charts.first.bounding_box()
            assert 0 < box["width"] <= width
            # The bars are drawn: at least one bar per chart on the survey page.
            assert page.locator("svg.chart rect.chart-bar").count() >= charts.count()
        page.close()
    assert not problems, "axe-core found serious or critical problems:\n" + "\n".join(problems)
    assert not too_wide, "pages wider than the screen:\n" + "\n".join(too_wide)
    elsewhere = [u for u in requests if urlsplit(u).netloc != urlsplit(server).netloc]
    assert not elsewhere, f"requests to other hosts: {elsewhere}"
    assert any(urlsplit(u).path.endswith("findings.css") for u in requests)


def test_an_organiser_publishes_the_findings_from_the_page(new_context, server, org):
    survey = Survey.objects.create(
        organisation=org, title="Working conditions 2026", instrument_slug="surviving-work",
        instrument_version=1, status=Survey.Status.CLOSED,
    )  # fmt: skip
    Response.objects.bulk_create(
        Response(survey=survey, instrument_version=1, submitted_on="2026-03-01", answers=a)
        for a in generate_answers(300, 5)
    )
    user = get_user_model().objects.create_user("rowan", password=PASSWORD)
    Membership.objects.create(organisation=org, user=user, role=Membership.Role.ORGANISER)
    phone_for("rowan")
    public = new_context(PHONE).new_page()
    assert public.goto(f"/findings/{survey.pk}/").status == 404

    page = new_context(PHONE).new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("rowan")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    second_step_in_browser(page, "rowan")
    page.goto(f"/findings/{survey.pk}/")
    assert page.get_by_text("Not published — only your organisation sees this").is_visible()
    page.get_by_role("button", name="Publish the findings").click()
    assert page.get_by_text("The findings are published").is_visible()
    assert page.get_by_role("button", name="Unpublish the findings").is_visible()
    assert public.goto(f"/findings/{survey.pk}/").status == 200
