"""Checks run on every page a respondent can meet, on a phone: accessibility (axe-core), no
request to any other host, nothing wider than the screen. The organiser pages get the
accessibility check too. Each page's full-length screenshot is kept as
test-artifacts/screenshots/respond-<page>.png or organiser-<page>[-phone].png, and axe's full
findings (all impacts, not only those that fail the test) in test-artifacts/axe/<same name>.json."""

import json
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from freeassoc.orgs.models import Membership
from freeassoc.surveys.models import Response, Survey
from freeassoc.surveys.selectors import answers_stored
from tests.auth import phone_for, second_step_in_browser

from .conftest import ARTIFACTS, DESKTOP, PHONE
from .respondent import (
    IAPT_COUNSELLOR,
    answer_through,
    expect_path,
    expect_question_page,
    path,
    press,
)

pytestmark = pytest.mark.browser

RESPONDENT_PAGES = [
    "intro",
    "page-work",
    "page-work-errors",
    "page-role",
    "page-iapt",
    "page-iapt_detail",
    "page-pay",
    "page-voice",
    "page-about_you",
    "review",
    "saved",
    "no-draft",
    "resume",
    "resume-error",
    "thanks",
    "sent-again",
    "intro-invitation-needed",
    "refused",
]


def every_respondent_page(make_page, slug, invitation_slug, visit):
    """Walk through every page a respondent can see, in the order they meet them, calling
    visit(page, name) on each (names as in RESPONDENT_PAGES). `make_page()` opens a page in a
    new context: a new device, no cookies."""
    seen = []

    def at(page, name):
        page.wait_for_load_state("load")
        seen.append(name)
        visit(page, name)

    page = make_page()
    page.goto(path(slug))
    at(page, "intro")
    press(page, "Start the survey")
    expect_question_page(page, "work")
    at(page, "page-work")
    press(page, "Continue")  # nothing answered: every required question is flagged
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    at(page, "page-work-errors")
    answer_through(
        page,
        IAPT_COUNSELLOR,
        on_page=lambda p, page_id: page_id != "work" and at(p, f"page-{page_id}"),
    )
    expect_path(page, "/review/")
    at(page, "review")
    press(page, "Save and finish later")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers are saved")
    code = page.locator("#resume-code").inner_text().strip()
    at(page, "saved")

    other = make_page()
    other.goto(path(slug, "p/work/"))
    expect(other.get_by_role("heading", level=1)).to_have_text(
        "We can't find your answers in progress"
    )
    at(other, "no-draft")
    other.get_by_role("link", name="resume with your code").click()
    expect(other.get_by_role("heading", level=1)).to_have_text("Resume the survey")
    at(other, "resume")
    code_box = other.get_by_role("textbox", name="Your resume code")
    code_box.fill("AAAA-BBBB-CCCC-DDDD")
    press(other, "Resume")
    expect(other.get_by_role("alert")).to_contain_text("does not match")
    at(other, "resume-error")
    code_box.fill(code)
    press(other, "Resume")
    expect_path(other, "/review/")
    second_tab = other.context.new_page()  # the same browser, the review page open twice
    second_tab.goto(other.url)
    press(other, "Send my answers")
    expect_path(other, "/thanks/")
    at(other, "thanks")
    press(second_tab, "Send my answers")  # pressed again after the first went through
    expect(second_tab.get_by_role("heading", level=1)).to_have_text(
        "There is nothing more to send from this browser"
    )
    at(second_tab, "sent-again")

    invited = make_page()  # an invitation-only survey opened without the invitation's token
    invited.goto(path(invitation_slug))
    expect(invited.get_by_text("This survey is by invitation.")).to_be_visible()
    expect(invited.get_by_role("button", name="Start the survey")).to_have_count(0)
    at(invited, "intro-invitation-needed")
    invited.goto(path(invitation_slug) + "?t=not-a-real-invitation")  # a forged or spent one
    press(invited, "Start the survey")
    expect(invited.get_by_role("heading", level=1)).to_have_text("We could not start the survey")
    at(invited, "refused")

    assert seen == RESPONDENT_PAGES
    assert answers_stored(Survey.objects.get()) == 1  # held or added, once


# --- 5. Accessibility -------------------------------------------------------------------------

AXE = Axe()
AXE_DIR = ARTIFACTS / "axe"
BLOCKING = {"serious", "critical"}


def axe_check(page, name, problems, screenshots=None, keep=True):
    """Run axe-core on the page as it is; keep its findings; note serious and critical ones.

    Axe is injected with page.evaluate, which runs through the DevTools protocol and is not
    subject to the page's Content-Security-Policy (script-src 'self', no inline script), so the
    contexts keep the real CSP: bypass_csp is not needed, and the pages are checked exactly as
    respondents get them.
    """
    if screenshots:
        screenshots(page, name)
    results = AXE.run(page).response
    if keep:
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        (AXE_DIR / f"{name}.json").write_text(json.dumps(results["violations"], indent=2))
    for violation in results["violations"]:
        if violation["impact"] in BLOCKING:
            nodes = "\n".join(
                f"      {', '.join(map(str, node['target']))}: {node['html'][:160]}\n"
                f"        {node.get('failureSummary', '').replace(chr(10), ' ')}"
                for node in violation["nodes"]
            )
            problems.append(
                f"{name}: {violation['id']} ({violation['impact']}): {violation['help']}\n"
                f"    {violation['helpUrl']}\n{nodes}"
            )


def test_every_respondent_page_has_no_serious_accessibility_problem(
    new_context, open_link, invite_collector, screenshots
):
    problems = []
    every_respondent_page(
        lambda: new_context(PHONE).new_page(),
        open_link.slug,
        invite_collector.slug,
        lambda page, name: axe_check(page, f"respond-{name}", problems, screenshots),
    )
    assert not problems, "axe-core found serious or critical problems:\n" + "\n".join(problems)


def test_the_accessibility_check_sees_problems_under_the_sites_content_security_policy(
    new_context, open_link
):
    """The check above can fail: put two known faults into a real page and axe reports them."""
    page = new_context(PHONE).new_page()
    page.goto(path(open_link.slug))
    page.evaluate("""() => {
      const main = document.querySelector('main');
      main.append(Object.assign(document.createElement('input'), {type: 'text'}));
      const image = document.createElement('img');
      image.src = '/static/freeassoc/icon.svg';
      main.append(image);
    }""")
    problems = []
    axe_check(page, "self-check", problems, keep=False)
    found = " ".join(problems)
    assert "label (critical)" in found and "image-alt (critical)" in found, problems


def test_the_organiser_pages_have_no_serious_accessibility_problem(
    new_context, server, org, survey, open_link, screenshots
):
    user = get_user_model().objects.create_user("rowan", password="a long and known password")
    Membership.objects.create(organisation=org, user=user, role=Membership.Role.ORGANISER)
    Response.objects.create(  # so that the survey page shows its table of responses per day
        survey=survey,
        collector_kind="open",
        instrument_version=1,
        submitted_on=timezone.localdate(),
        answers=IAPT_COUNSELLOR,
    )
    problems = []
    for device, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
        page = new_context(device).new_page()
        phone_for("rowan")
        page.goto("/accounts/login/")
        axe_check(page, f"organiser-sign-in{suffix}", problems, screenshots)
        page.get_by_role("textbox", name="Username").fill("rowan")
        page.get_by_label("Password").fill("a long and known password")
        press(page, "Sign in")
        axe_check(page, f"organiser-second-step{suffix}", problems, screenshots)
        second_step_in_browser(page, "rowan")
        expect(page.get_by_role("heading", level=1)).to_have_text("Your surveys")
        axe_check(page, f"organiser-dashboard{suffix}", problems, screenshots)
        page.get_by_role("link", name=survey.title).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(survey.title)
        axe_check(page, f"organiser-survey{suffix}", problems, screenshots)
        page.goto("/org/surveys/new/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Create a survey")
        axe_check(page, f"organiser-create{suffix}", problems, screenshots)
    assert not problems, "axe-core found serious or critical problems:\n" + "\n".join(problems)


# --- 6. No third-party requests ---------------------------------------------------------------


def test_a_respondent_s_browser_talks_to_no_other_host(
    new_context, server, open_link, invite_collector
):
    """A font, a script or an image from another host would hand it the respondent's address."""
    requests, problems = [], []

    def make_page():
        context = new_context(PHONE)
        context.on("request", lambda request: requests.append(request.url))
        # A request cut short because the page moved on (net::ERR_ABORTED) was not refused.
        context.on(
            "requestfailed",
            lambda r: (
                "ERR_ABORTED" not in (r.failure or "")
                and problems.append(f"failed: {r.url} {r.failure}")
            ),
        )
        context.on(
            "console",
            lambda m: m.type == "error" and problems.append(f"console: {m.text} ({m.location})"),
        )
        return context.new_page()

    every_respondent_page(make_page, open_link.slug, invite_collector.slug, lambda p, n: None)

    home = urlsplit(server)
    elsewhere = [
        url
        for url in requests
        if (urlsplit(url).scheme, urlsplit(url).netloc) != (home.scheme, home.netloc)
    ]
    assert not elsewhere, f"requests to other hosts: {elsewhere}"
    assert any(urlsplit(url).path.endswith(".css") for url in requests), requests
    # A blocked resource or a Content-Security-Policy refusal shows up as a console error.
    assert not [p for p in problems if "status of 4" not in p], problems


# --- 7. Nothing wider than a phone ------------------------------------------------------------

# The page's width, and the elements that reach past the right edge of the screen (leaving out
# those inside a container that scrolls or clips sideways on purpose, such as a wide table).
OVERFLOW = """(limit) => {
  const clipped = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== 'visible') return true;
    }
    return false;
  };
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.right > limit + 0.5 && box.width > 0 && !clipped(el)) {
      const classes = typeof el.className === 'string' && el.className.trim()
        ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
      const text = (el.innerText || '').trim().slice(0, 40);
      wide.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${classes}`
        + `${text ? ' "' + text + '"' : ''} reaches ${Math.round(box.right)}px`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(-4)};
}"""


def test_no_respondent_page_is_wider_than_a_360_pixel_phone(
    new_context, open_link, invite_collector
):
    width = PHONE["viewport"]["width"]
    too_wide = []

    def measure(page, name):
        found = page.evaluate(OVERFLOW, width)
        if found["scrollWidth"] > width:
            too_wide.append(f"{name}: {found['scrollWidth']}px wide; {found['wide']}")

    every_respondent_page(
        lambda: new_context(PHONE).new_page(), open_link.slug, invite_collector.slug, measure
    )
    assert not too_wide, "pages wider than the screen:\n" + "\n".join(too_wide)
