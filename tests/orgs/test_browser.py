"""In a real browser, on a phone: register an organisation (an employer is refused first), set
up two-factor sign-in from the page's own key, get approved, invite an analyst and read the
audit log. Every page is checked with axe-core and photographed.

The browser fixtures come from tests/browser/conftest.py, through tests/orgs/conftest.py.
"""

import re
from base64 import b32decode

import pytest
from django.core import mail
from django_otp.oath import TOTP
from playwright.sync_api import expect

from freeassoc.orgs.models import Organisation
from tests.browser.conftest import PHONE
from tests.browser.test_every_page import axe_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def press(page, name):
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def no_wider_than_a_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"], f"{page.url} is {width}px wide"


def test_an_organisation_registers_turns_on_two_factor_and_invites_an_analyst(
    new_context, screenshots
):
    problems = []
    page = new_context(PHONE).new_page()
    page.goto("/org/register/")
    axe_check(page, "orgs-register", problems, screenshots)
    page.get_by_label("Name of the organisation").fill("Mindful Care Ltd")
    page.get_by_role("radio", name="Self-organised workers' group").check()
    question = page.get_by_role("group", name=re.compile("Is your organisation an employer"))
    question.get_by_role("radio", name="Yes").check()
    page.get_by_label("Contact person").fill("Pat")
    page.get_by_label("Contact email address").fill("pat@example.org")
    page.get_by_label("Username").fill("pat")
    page.get_by_label("Your email address").fill("pat@example.org")
    page.get_by_label("Password", exact=True).fill("a long and known password")
    page.get_by_label("Password again").fill("a long and known password")
    press(page, "Ask to join")
    expect(page.get_by_role("alert")).to_contain_text("We cannot register an employer")
    axe_check(page, "orgs-register-refused", problems, screenshots)
    no_wider_than_a_phone(page)

    page.get_by_label("Name of the organisation").fill("Psychotherapists for Change")
    question.get_by_role("radio", name="No").check()
    page.get_by_label("Password", exact=True).fill("a long and known password")
    page.get_by_label("Password again").fill("a long and known password")
    press(page, "Ask to join")

    # An owner sees answers, so the next page sets up the authenticator app.
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(page.locator("figure svg")).to_be_visible()
    axe_check(page, "orgs-two-factor-setup", problems, screenshots)
    no_wider_than_a_phone(page)
    key = b32decode(page.locator("#secret").inner_text().replace(" ", ""))
    totp = TOTP(key)
    page.get_by_label("Code from the app").fill(f"{totp.token():06d}")
    press(page, "Turn on two-factor sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your backup codes")
    expect(page.get_by_role("list", name="Backup codes").get_by_role("listitem")).to_have_count(10)
    axe_check(page, "orgs-backup-codes", problems, screenshots)
    page.get_by_role("link", name=re.compile("continue")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your organisations")
    expect(page.get_by_role("cell", name="Waiting for approval")).to_be_visible()
    axe_check(page, "orgs-mine", problems, screenshots)

    Organisation.objects.filter(name="Psychotherapists for Change").update(approved=True)
    page.reload()
    page.get_by_role("link", name=re.compile("^Members")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Members of Psychotherapists for Change"
    )
    page.get_by_label("Their email address").fill("ana@example.org")
    page.get_by_role("radio", name="Analyst").check()
    press(page, "Send the invitation")
    expect(page.get_by_role("status")).to_contain_text("Invitation sent to ana@example.org")
    axe_check(page, "orgs-members", problems, screenshots)
    no_wider_than_a_phone(page)
    (link,) = re.findall(r"https?://\S+/org/invitation/\S+/", mail.outbox[-1].body)

    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("cell", name="Invited ana@example.org as analyst")).to_be_visible()
    axe_check(page, "orgs-audit", problems, screenshots)

    # The analyst, on their own phone, accepts and is asked to set up the app too.
    theirs = new_context(PHONE).new_page()
    theirs.goto(link)
    expect(theirs.get_by_role("heading", level=1)).to_have_text("Join Psychotherapists for Change")
    axe_check(theirs, "orgs-invitation", problems, screenshots)
    theirs.get_by_label("Username").fill("ana")
    theirs.get_by_label("Password", exact=True).fill("ana's own long phrase")
    theirs.get_by_label("Password again").fill("ana's own long phrase")
    press(theirs, "Make my account and join")
    expect(theirs.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    # Until then every other page asks for it; and the link, spent, works for no one else.
    theirs.goto(link)
    expect(theirs.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    someone_else = new_context(PHONE).new_page()
    someone_else.goto(link)
    expect(someone_else.get_by_role("heading", level=1)).to_have_text(
        "This invitation cannot be used"
    )

    page.goto("/accounts/password_reset/")
    axe_check(page, "orgs-password-reset", problems, screenshots)
    assert not problems, "axe-core found serious or critical problems:\n" + "\n".join(problems)


def test_a_steward_invites_an_owner_contributes_resets_a_member_and_reads_a_groups_history(
    new_context, screenshots, org, other_org, owner, analyst, survey
):
    from django.contrib.auth import get_user_model

    from freeassoc.groups import services as group_services
    from freeassoc.groups.models import Network
    from freeassoc.pools.models import Pool, PoolContribution
    from tests.auth import member, phone_for, second_step_in_browser

    from .conftest import PASSWORD

    steward = member(other_org, "stew", "owner")
    get_user_model().objects.filter(pk=steward.pk).update(email="stew@example.org")
    Pool.objects.create(
        name="National pool", slug="national", instrument_slug="surviving-work",
        instrument_version=1, steward=steward,
    )  # fmt: skip
    network = Network.objects.create(
        name="Counsellors Together UK", slug="ctuk", kind="workers_group",
        description="Counsellors organising.", approved=True,
    )  # fmt: skip
    group = group_services.local_group_create(
        organisation=org, network=network, name="Leeds counsellors", meets="online", region="",
        town="", frequency="monthly", who_for="Counsellors.", areas=[],
        contact_email="contact@group.example", created_by=owner,
    )  # fmt: skip
    problems = []

    def signed_in(username):
        page = new_context(PHONE).new_page()
        phone_for(username)
        page.goto("/accounts/login/")
        page.get_by_role("textbox", name="Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        press(page, "Sign in")
        second_step_in_browser(page, username)
        return page

    theirs = signed_in("stew")
    theirs.goto("/pools/national/invitations/")
    expect(theirs.get_by_role("heading", level=1)).to_have_text(
        "Invitations to contribute to National pool"
    )
    axe_check(theirs, "pools-invitations", problems, screenshots)
    no_wider_than_a_phone(theirs)
    theirs.get_by_label("Organisation to invite").select_option(label=org.name)
    press(theirs, "Send the invitation")
    expect(theirs.get_by_role("status")).to_contain_text(f"{org.name} is invited")
    expect(theirs.get_by_role("rowheader", name=org.name)).to_be_visible()

    page = signed_in("owen")
    page.goto(f"/pools/survey/{survey.pk}/")
    expect(page.get_by_text("was invited by stew, the pool's steward")).to_be_visible()
    axe_check(page, "pools-survey-invited", problems, screenshots)
    no_wider_than_a_phone(page)
    page.get_by_role("checkbox").check()
    press(page, "Contribute to National pool")
    expect(page.get_by_role("status")).to_contain_text("now contributes to")
    assert PoolContribution.objects.get().survey == survey

    page.goto(f"/org/organisations/{org.slug}/members/")
    axe_check(page, "orgs-members-reset", problems, screenshots)
    no_wider_than_a_phone(page)
    press(page, "Reset the two-factor sign-in of ana")
    expect(page.get_by_role("status")).to_contain_text("ana's two-factor sign-in is reset")

    page.goto(group.get_absolute_url())
    page.get_by_role("link", name="History of this listing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("History of Leeds counsellors")
    expect(page.get_by_role("cell", name="Listed a local group")).to_be_visible()
    axe_check(page, "groups-history", problems, screenshots)
    no_wider_than_a_phone(page)
    assert not problems, "axe-core found serious or critical problems:\n" + "\n".join(problems)
