"""Find a group in a real browser, on a phone: search by postcode, open the nearest group, ask
to join, and the contact replies through the platform. Every page is checked with axe-core
(no serious or critical violation) and photographed into test-artifacts/screenshots/.

The browser comes from tests/browser/conftest.py (its `new_context` fixture).
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from freeassoc.groups import services
from freeassoc.groups.models import JoinRequest, Network
from freeassoc.orgs.models import Membership, Organisation
from tests.auth import sign_in

from .conftest import PHONE, SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORKER = "worried.worker@mail.example"
CONTACT = "convenor@group.example"


@pytest.fixture
def phone(new_context):
    """A phone-sized page. CSP is bypassed only so that axe-core can be injected: the site's
    own pages never need it (they carry no inline script)."""
    return new_context(PHONE, bypass_csp=True).new_page()


@pytest.fixture
def places(db):
    organisation = Organisation.objects.create(
        name="North West Therapists Network", slug="nwtn", kind="workers_group", approved=True
    )
    services.directory_load()  # the essay's networks, as in production
    network = Network.objects.get(slug="counsellors-together-uk")
    common = {"organisation": organisation, "network": network, "frequency": "monthly"}
    return {
        "organisation": organisation,
        "liverpool": services.local_group_create(
            name="Liverpool counsellors",
            meets="in_person",
            region="north_west",
            town="Liverpool",
            areas=["L", "WA"],
            who_for="Counsellors in Merseyside, NHS or not.",
            contact_email="liverpool@group.example",
            **common,
        ),
        "stockport": services.local_group_create(
            name="Stockport workers",
            meets="in_person",
            region="north_west",
            town="Stockport",
            areas=["SK"],
            who_for="Anyone working in NHS Talking Therapies in Stockport and Tameside.",
            contact_email=CONTACT,
            **common,
        ),
        "online": services.local_group_create(
            name="Self-employed therapists online",
            meets="online",
            region="",
            town="",
            areas=[],
            who_for="Therapists on self-employed contracts anywhere in the UK.",
            contact_email="online@group.example",
            **common,
        ),
    }


def check(page, name: str) -> None:
    """No serious or critical axe-core violation, nothing wider than the phone, and a
    full-page screenshot for people to look at."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in {"serious", "critical"}]
    assert not bad, f"{name}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in bad
    )
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= PHONE["viewport"]["width"], f"{name} is {overflow}px wide on a phone"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"groups-{name}.png"), full_page=True)


def press(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).tap()


def no_address_on(page) -> None:
    html = page.content()
    assert WORKER not in html and CONTACT not in html, page.url


def test_a_worker_finds_the_nearest_group_by_postcode_and_asks_to_join(phone, places):
    from playwright.sync_api import expect

    page = phone
    page.goto("/groups/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a group")
    check(page, "index")

    page.get_by_role("textbox", name="Your postcode").fill("m1 1ae")
    press(page, "Find groups near me")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Groups near the M (Manchester) postcode area"
    )
    cards = page.locator("article h3")
    expect(cards).to_have_text(
        ["Stockport workers", "Liverpool counsellors", "Self-employed therapists online"]
    )
    expect(page.locator("article").first).to_contain_text(re.compile(r"\d+ miles? away"))
    check(page, "search")

    page.get_by_role("link", name="Stockport workers").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stockport workers")
    check(page, "group")

    # Send it empty first: the error summary names the problem and links to the box.
    press(page, "Send my message")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    summary.get_by_role("link").first.tap()
    expect(page.get_by_role("textbox", name="Your message to the group")).to_be_focused()
    check(page, "group-errors")

    page.get_by_role("textbox", name="Your message to the group").fill(
        "I am a PWP in Stockport and I'd like to meet others. When do you meet?"
    )
    page.get_by_role("textbox", name="Your email address").fill(WORKER)
    press(page, "Send my message")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your message is on its way")
    no_address_on(page)
    check(page, "join-sent")

    # The contact gets the message, without the worker's address, and replies by the link.
    [email] = mail.outbox
    assert email.to == [CONTACT] and WORKER not in email.body
    link = re.search(r"https?://\S+/groups/reply/\?t=\S+", email.body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Stockport workers")
    expect(page.get_by_text("When do you meet?")).to_be_visible()
    no_address_on(page)
    check(page, "reply")

    page.get_by_role("textbox", name="Your reply").fill("Second Tuesday, 6pm. Come along!")
    press(page, "Send my reply")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your reply has been sent")
    no_address_on(page)
    check(page, "reply-sent")
    assert [m.to for m in mail.outbox[1:]] == [[WORKER], [CONTACT]]
    assert mail.outbox[1].reply_to == [CONTACT]
    assert not JoinRequest.objects.exists()

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link no longer works")
    check(page, "reply-gone")


def test_every_other_groups_page_is_accessible_on_a_phone(phone, places, live_server):
    from django.test import Client
    from playwright.sync_api import expect

    page = phone
    group = places["stockport"]
    visits = [
        ("/groups/search?q=TR1+1AA", "search-empty", "Groups near the TR (Truro) postcode area"),
        ("/groups/search?region=north_west", "search-region", "Groups in North West"),
        ("/groups/search?q=QQ1", "search-error", "Find a group"),
        ("/groups/start/?area=TR", "start", "Start a group in the TR (Truro) area"),
        ("/groups/networks/counsellors-together-uk/", "network", "Counsellors Together UK"),
        ("/groups/ask-to-be-listed/", "ask", "Ask to be listed"),
        ("/groups/no-such-group/", "not-found", "We can't find that group"),
    ]
    for path, name, heading in visits:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        check(page, name)

    # An employer is refused, with the reason, beside the question.
    page.goto("/groups/ask-to-be-listed/")
    page.get_by_role("radio", name=re.compile("An employer")).tap()
    press(page, "Send the request")
    expect(page.get_by_role("alert")).to_contain_text("We cannot list employers")
    check(page, "ask-refused")

    # An organiser's pages: sign in by handing the browser a session made here.
    organiser = get_user_model().objects.create_user("olive", password="x" * 16)
    Membership.objects.create(
        organisation=places["organisation"], user=organiser, role=Membership.Role.ORGANISER
    )
    client = Client()
    sign_in(client, organiser)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto("/groups/new/?area=TR")
    expect(page.get_by_role("heading", level=1)).to_have_text("List a local group")
    check(page, "new")
    page.get_by_role("group", name="How does it meet?").get_by_role("radio", name="In person").tap()
    press(page, "List the group")
    expect(page.get_by_role("alert")).to_contain_text("Give the town or city")
    check(page, "new-errors")
    page.goto("/groups/mine/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your local groups")
    check(page, "mine")
    page.goto(f"/groups/{group.slug}/edit/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Change {group.name}")
    check(page, "edit")
