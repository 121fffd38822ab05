"""A Survival Surgery in a browser: a facilitator and three participants, each in a separate
browser context sized like a phone, through all three stages. Participants see each other's
contributions arrive without reloading (htmx polling); the stage moves under them; the outcome
is an action plan and a PDF. axe-core checks the join, rules, board and plan pages.

The browser contexts come from tests/browser/conftest.py (its `new_context` fixture).
"""

import datetime
import json
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from freeassoc.orgs.models import Membership, Organisation
from freeassoc.surgeries.models import Action, Note, Problem, Seat, Surgery
from tests.auth import phone_for, second_step_in_browser

from .conftest import ARTIFACTS, PHONE, TIMEOUT_MS

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}
PASSWORD = "a long and known password"


@pytest.fixture
def contexts(new_context):
    """Phone-sized contexts that accept downloads (the action plan's PDF)."""

    def make(**kwargs):
        return new_context(PHONE, accept_downloads=True, **kwargs)

    return make


def shoot(page, name):
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"surgeries-{name}.png"), full_page=True)


class Auditor:
    """axe-core in its own context with bypass_csp=True, so that the participants' contexts
    keep the real Content-Security-Policy (a violation there is caught as a console error)."""

    def __init__(self, page):
        from axe_playwright_python.sync_playwright import Axe

        self.page, self.axe, self.problems = page, Axe(), []

    def check(self, path: str, name: str):
        self.page.goto(path)
        self.page.wait_for_load_state("load")
        violations = self.axe.run(self.page).response["violations"]
        folder = ARTIFACTS / "axe"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"surgeries-{name}.json").write_text(json.dumps(violations, indent=2))
        for v in violations:
            if v["impact"] in BLOCKING:
                targets = "; ".join(
                    f"{', '.join(map(str, n['target']))}: {n['html'][:120]}" for n in v["nodes"]
                )
                self.problems.append(f"{name}: {v['id']} ({v['impact']}) {v['help']}: {targets}")


def csp_errors(page) -> list[str]:
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text
            else None
        ),
    )
    return errors


def join(page, code: str, pseudonym: str):
    from playwright.sync_api import expect

    page.goto("/surgeries/join/")
    page.get_by_label("Meeting code").fill(code.lower())
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("heading", name="Before you join: the ground rules")).to_be_visible()
    page.get_by_label("A name for today (optional)").fill(pseudonym)
    page.get_by_label("I agree to these ground rules").check()
    page.get_by_role("button", name="Agree and join").click()
    expect(page.get_by_text(f"You are {pseudonym}.")).to_be_visible()


def name_problem(page, text: str, themes: list[str]):
    from playwright.sync_api import expect

    page.get_by_label("What is the problem?").fill(text)
    for theme in themes:
        page.get_by_label(theme, exact=True).check()
    page.get_by_role("button", name="Put it on the board").click()
    expect(on_board(page, text)).to_be_visible()
    expect(page.get_by_label("What is the problem?")).to_have_value("")  # a fresh form


def on_board(page, text: str):
    """A problem, note or step on the board (not the hidden words inside a button's name)."""
    items = page.locator("#board .card-text, #board .note, #board .step-what, #board h3")
    return items.filter(has_text=text)


def mark_unreloaded(page):
    page.evaluate("window.__stillHere = true")


def assert_not_reloaded(page):
    assert page.evaluate("window.__stillHere === true"), "the page was reloaded"


@pytest.mark.django_db(transaction=True)
def test_three_participants_through_a_survival_surgery(contexts, live_server, settings):
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)  # a poll comes every 4 s: allow a few
    cache.clear()  # rate-limit counters live in the cache table, which flushes do not empty
    org = Organisation.objects.create(
        name="Counsellors Together (browser test)", slug="ctb", kind="workers_group", approved=True
    )
    user = get_user_model().objects.create_user("facilitator", password=PASSWORD)
    Membership.objects.create(organisation=org, user=user, role=Membership.Role.ORGANISER)

    # --- The facilitator creates the surgery ------------------------------------------------
    fac = contexts().new_page()
    phone_for("facilitator")
    fac.goto("/accounts/login/")
    fac.get_by_label("Username").fill("facilitator")
    fac.get_by_label("Password").fill(PASSWORD)
    fac.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    second_step_in_browser(fac, "facilitator")
    fac.goto("/surgeries/new/")
    fac.get_by_label("Organisation").select_option(label=org.name)
    fac.get_by_label("Title").fill("Talking therapies team, north of the city")
    fac.get_by_label("A team").check()
    fac.get_by_label("Region").select_option("north_west")
    fac.get_by_label("Main sector").select_option("third_sector")
    shoot(fac, "create")
    fac.get_by_role("button", name="Create the surgery").click()
    code = fac.locator("#join-code").inner_text().strip()
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{6}", code)
    surgery = Surgery.objects.get()
    shoot(fac, "run-stage1-empty")

    # --- Three participants join, each on their own phone ------------------------------------
    auditor = Auditor(contexts(bypass_csp=True).new_page())
    auditor.check("/surgeries/join/", "join")
    names = ["Heron", "Maple", "Otter"]
    pages, errors = [], []
    for name in names:
        page = contexts().new_page()
        errors.append(csp_errors(page))
        if name == "Heron":
            page.goto("/surgeries/join/")
            shoot(page, "join")
        join(page, code, name)
        pages.append(page)
    heron, maple, otter = pages
    auditor.check(f"/surgeries/s/{surgery.slug}/rules/", "rules")
    rules_page = contexts().new_page()
    rules_page.goto(f"/surgeries/s/{surgery.slug}/rules/")
    shoot(rules_page, "rules")
    auditor.page.goto(f"/surgeries/s/{surgery.slug}/rules/")
    auditor.page.get_by_label("I agree to these ground rules").check()
    auditor.page.get_by_role("button", name="Agree and join").click()
    assert Seat.objects.count() == 4  # three participants and the auditor; no accounts
    assert get_user_model().objects.count() == 1

    # --- Stage 1: name the problems; everyone sees them arrive -------------------------------
    for page in pages:
        mark_unreloaded(page)
    name_problem(
        heron, "Eight clients a day and no time to write notes", ["Caseload and intensification"]
    )
    expect(on_board(maple, "Eight clients a day")).to_be_visible()  # by polling
    expect(on_board(otter, "Eight clients a day")).to_be_visible()
    name_problem(
        maple,
        "Two of us have been unpaid honoraries for years",
        ["Unwaged and honorary work", "Pay"],
    )
    name_problem(otter, "The recovery target decides who we see", ["Targets and performance data"])
    name_problem(otter, "Our manager Mr Smith shouts at people", ["Bullying and silencing"])
    for page in pages:
        expect(on_board(page, "The recovery target decides")).to_be_visible()
        expect(on_board(page, "Two of us have been unpaid")).to_be_visible()
        assert_not_reloaded(page)
    expect(on_board(fac, "Two of us have been unpaid")).to_be_visible()

    # The facilitator hides the one that names someone; it disappears from every phone.
    expect(on_board(fac, "Our manager")).to_be_visible()
    fac.get_by_role("button", name=re.compile("^Hide: Our manager")).click()
    for page in pages:
        expect(page.get_by_text("Mr Smith")).to_have_count(0)
    expect(fac.locator("#board .badge--hidden")).to_have_text("Hidden from participants")

    # Dots: three each; a fourth is not offered.
    def dot(page, start):
        # As a person would: tap, then see the dot taken before tapping again.
        page.get_by_role("button", name=re.compile(f"^Give a dot to: {start}")).click()
        expect(
            page.get_by_role("button", name=re.compile(f"^Take my dot back from: {start}"))
        ).to_be_visible()

    for page in pages:
        dot(page, "Eight clients")
        dot(page, "Two of us")
    dot(heron, "The recovery")
    expect(heron.get_by_text("You have 0 of 3 dots left")).to_be_visible()
    expect(heron.get_by_role("button", name=re.compile("^Give a dot"))).to_have_count(0)
    expect(otter.locator("#board .dots").filter(has_text=re.compile(r"^3 dots$"))).to_have_count(2)
    shoot(heron, "board-stage1")
    shoot(fac, "run-stage1")
    auditor.check(f"/surgeries/s/{surgery.slug}/", "board-stage1")

    # --- Stage 2: the facilitator moves on; the phones follow by themselves -----------------
    fac.get_by_role("button", name="Move to stage 2: what we know").click()
    for page in pages:
        expect(page.get_by_role("heading", name="The problems we took forward")).to_be_visible()
    assert set(Problem.objects.filter(chosen=True).values_list("text", flat=True)) == {
        "Eight clients a day and no time to write notes",
        "Two of us have been unpaid honoraries for years",
        "The recovery target decides who we see",
    }
    for page in pages:
        mark_unreloaded(page)
    maple.get_by_label("About which problem?").select_option(
        label="Two of us have been unpaid honoraries for years"
    )
    maple.get_by_label("What do we know, or what could help?").fill(
        "Unpaid posts outside a course may breach the minimum wage"
    )
    maple.get_by_label("Point to a resource (optional)").select_option(
        label="Rights: The minimum wage and unpaid work"
    )
    maple.get_by_role("button", name="Add it").click()
    heron.get_by_label("About which problem?").select_option(
        label="Eight clients a day and no time to write notes"
    )
    heron.get_by_label("What do we know, or what could help?").fill(
        "A counsellors' network nearby has a caseload charter"
    )
    heron.get_by_label("Point to a resource (optional)").select_option(
        label="Local groups and networks"
    )
    heron.get_by_role("button", name="Add it").click()
    for page in pages:
        expect(on_board(page, "may breach the minimum wage")).to_be_visible()
        expect(on_board(page, "caseload charter")).to_be_visible()
        assert_not_reloaded(page)
    otter.locator(
        "summary", has_text="The minimum wage and unpaid work"
    ).click()  # rights, in <details>
    expect(otter.get_by_text("National Minimum Wage Act 1998")).to_be_visible()
    assert Note.objects.count() == 2
    shoot(otter, "board-stage2")
    auditor.check(f"/surgeries/s/{surgery.slug}/", "board-stage2")

    # --- Stage 3: concrete next steps: what, who, by when -----------------------------------
    fac.get_by_role("button", name="Move to stage 3: next steps").click()
    for page in pages:
        expect(page.get_by_role("heading", name="Add a next step")).to_be_visible()
    soon = (timezone.localdate() + datetime.timedelta(days=14)).isoformat()
    steps = [
        (heron, "Keep a caseload diary for four weeks", "Eight clients", "All of us"),
        (maple, "Find out what the honorary agreements say", "Two of us", "Maple"),
        (otter, "Ask the union rep to meet the team", "The recovery", "Otter"),
    ]
    for page, what, problem, who in steps:
        page.get_by_label("What will be done?").fill(what)
        label = next(
            t
            for t in Problem.objects.filter(chosen=True).values_list("text", flat=True)
            if t.startswith(problem)
        )
        page.get_by_label("For which problem?").select_option(label=label)
        page.get_by_label("Who will do it?").fill(who)
        page.get_by_label("By when? (optional)").fill(soon)
        page.get_by_role("button", name="Add the step").click()
    for page in pages:
        for _, what, _, _ in steps:
            expect(on_board(page, what)).to_be_visible()
    assert Action.objects.count() == 3
    shoot(maple, "board-stage3")
    shoot(fac, "run-stage3")
    auditor.check(f"/surgeries/s/{surgery.slug}/", "board-stage3")

    # --- Closed: the action plan, ticked off at the follow-up, and its PDF ------------------
    fac.get_by_role("button", name="Close the surgery").click()
    expect(heron.get_by_role("heading", name="Our action plan")).to_be_visible()
    fac.get_by_role("link", name="The action plan", exact=True).click()
    fac.get_by_role("button", name=re.compile("Mark done: Keep a caseload diary")).click()
    expect(fac.get_by_text("1 of 3 done")).to_be_visible()
    shoot(fac, "plan-facilitator")
    heron.get_by_role("link", name="Open the action plan").click()
    expect(heron.get_by_role("heading", name=re.compile("^Action plan"))).to_be_visible()
    expect(heron.get_by_text("1 of 3 done")).to_be_visible()
    shoot(heron, "plan")
    with heron.expect_download() as download:
        heron.get_by_role("link", name="Download as PDF").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    auditor.check(f"/surgeries/s/{surgery.slug}/plan/", "plan")

    heron.goto("/surgeries/grievances/")
    expect(heron.get_by_role("heading", name="Collective grievances")).to_be_visible()
    shoot(heron, "grievances")

    for page_errors in errors:
        assert not page_errors, page_errors
    assert not auditor.problems, "axe-core found serious or critical problems:\n" + "\n".join(
        auditor.problems
    )


@pytest.mark.django_db(transaction=True)
def test_the_public_pages_with_the_demo_data(contexts):
    from playwright.sync_api import expect

    from freeassoc.surgeries.demo import load_demo

    org = Organisation.objects.create(
        name="Demo network (synthetic)", slug="demo-b", kind="workers_group", approved=True
    )
    load_demo(organisation=org)
    auditor = Auditor(contexts(bypass_csp=True).new_page())
    auditor.check("/surgeries/grievances/", "grievances-demo")
    auditor.check("/surgeries/", "index")
    page = contexts().new_page()
    errors = csp_errors(page)
    page.goto("/surgeries/grievances/")
    expect(page.get_by_text("Includes synthetic demo data")).to_be_visible()
    expect(page.get_by_text("fewer than 10").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    shoot(page, "grievances-demo")
    page.goto("/surgeries/")
    shoot(page, "index")
    assert not errors, errors
    assert width <= 360 + 1, "the page is wider than the phone (tables must scroll inside)"
    assert not auditor.problems, "\n".join(auditor.problems)
