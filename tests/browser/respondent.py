"""A respondent's hands: find questions by what the page says (legends, labels, button names),
answer them the way a person would, and move through the survey.

Answer plans are written in storage form (option codes, whole numbers, lists in the order the
options appear), so the same dictionary is both what the browser enters and what the database
must hold afterwards.
"""

import re
from urllib.parse import urlsplit

from playwright.sync_api import Locator, Page, expect

from freeassoc.surveys import instrument as instruments
from freeassoc.surveys.instrument import PREFER_NOT, PREFER_NOT_LABEL

SURVIVING_WORK = instruments.get("surviving-work", 1)
PAGES = {p.id: p for p in SURVIVING_WORK.pages}
QUESTIONS = SURVIVING_WORK.questions
RESUME_CODE = re.compile(r"^[A-HJKMNP-Z2-9]{4}(-[A-HJKMNP-Z2-9]{4}){3}$")

# An IAPT counsellor working for a subcontracted charity: sees the IAPT detail page.
IAPT_COUNSELLOR = {
    "nhs_work": "contracted",
    "employer": "third_sector",
    "sector": "third_sector",
    "employer_count": 2,
    "contract": "zero_hours",
    "written_contract": "no",
    "hours": "part_time",
    "profession": "counsellor",
    "roles": ["supervision"],
    "modality": ["humanistic", "integrative"],
    "registrations": ["bacp"],
    "in_training": "no",
    "nhs_band": "not_afc",
    "iapt_relation": "subcontracted",
    "iapt_postgrad_before": "yes",
    "iapt_training": ["counselling_depression"],
    "patients_per_day": 7,
    "weekly_pay": "p300_399",
    "unpaid_hours": 6,
    "honorary": "no",
    "raised_concerns": ["conditions", "patient_care"],
    "talked_to": ["colleague", "union"],
    "union_member": "pcu",
    "best_improvement": "caseload",
    "age": PREFER_NOT,
    "region": "north_west",
    "comments": "Eight clients a day and no time to write notes.",
}
IAPT_COUNSELLOR_PAGES = ["work", "role", "iapt", "iapt_detail", "pay", "voice", "about_you"]

# A psychotherapist in private practice, outside the NHS and IAPT, with an honorary post:
# skip logic hides the NHS band question and the IAPT detail page, and the same-page follow-up
# "Where is your honorary work?" becomes required.
PRIVATE_PSYCHOTHERAPIST = {
    "nhs_work": "no",
    "employer": "self_employed",
    "sector": "private_practice",
    "employer_count": 3,
    "contract": "self_employed",
    "written_contract": "yes",
    "hours": "part_time",
    "profession": "psychotherapist",
    "roles": ["none"],
    "modality": ["psychodynamic"],
    "registrations": ["ukcp"],
    "in_training": "no",
    "iapt_relation": "no",
    "weekly_pay": PREFER_NOT,
    "unpaid_hours": 10,
    "honorary": "yes",
    "honorary_sector": "third_sector",
    "raised_concerns": ["none"],
    "talked_to": ["nobody"],
    "union_member": PREFER_NOT,
    "best_improvement": "pay",
    "age": 41,
    "region": PREFER_NOT,
}
PRIVATE_PSYCHOTHERAPIST_PAGES = ["work", "role", "iapt", "pay", "voice", "about_you"]


def path(slug: str, rest: str = "") -> str:
    return f"/s/{slug}/{rest}"


def current_page_id(page: Page) -> str | None:
    # The path only: after following a link in the error summary, the address keeps its
    # "#id_..." fragment through the POST and its redirect, as browsers do.
    match = re.search(r"/p/([\w-]+)/$", urlsplit(page.url).path)
    return match.group(1) if match else None


def expect_path(page: Page, ending: str) -> None:
    """The address ends with `ending` (a fragment may follow: see current_page_id)."""
    expect(page).to_have_url(re.compile(rf"{re.escape(ending)}(#.*)?$"))


def expect_question_page(page: Page, page_id: str) -> None:
    expect_path(page, f"/p/{page_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(PAGES[page_id].title)


def group(page: Page, question) -> Locator:
    """The fieldset of a choice question, found by its legend (its accessible name)."""
    return page.get_by_role("group", name=question.label)


def _choose(control: Locator, touch: bool) -> None:
    if touch:
        control.tap()
    else:
        control.check()
    expect(control).to_be_checked()


def answer(page: Page, qid: str, value, touch: bool = False) -> None:
    q = QUESTIONS[qid]
    if q.type in {"single", "pay_band"}:
        _choose(group(page, q).get_by_role("radio", name=q.label_for(value), exact=True), touch)
    elif q.type == "multiple":
        for code in value:
            box = group(page, q).get_by_role("checkbox", name=q.label_for(code), exact=True)
            _choose(box, touch)
    elif q.type == "number":
        box = page.get_by_role("spinbutton", name=q.label)
        if value == PREFER_NOT:
            field = page.locator(".field", has=box)
            _choose(field.get_by_role("checkbox", name=PREFER_NOT_LABEL, exact=True), touch)
        else:
            box.fill(str(value))
    else:
        page.get_by_role("textbox", name=q.label).fill(value)


def answer_page(page: Page, plan: dict, leave_out=(), touch: bool = False) -> str:
    """Answer the questions of the page on screen that the plan names; returns the page id."""
    page_id = current_page_id(page)
    assert page_id in PAGES, f"not on a question page: {page.url}"
    for q in PAGES[page_id].questions:
        if q.id in plan and q.id not in leave_out:
            answer(page, q.id, plan[q.id], touch)
    return page_id


def press(page: Page, name: str, touch: bool = False) -> None:
    """Press a button (by its visible name) that submits a form, and wait for the next page."""
    button = page.get_by_role("button", name=name, exact=True)
    with page.expect_navigation():
        button.tap() if touch else button.click()


def no_errors_shown(page: Page) -> None:
    alert = page.get_by_role("alert")
    if alert.count():
        raise AssertionError(f"the page refused the answers: {alert.inner_text()}")


def answer_through(page: Page, plan: dict, stop_at=None, touch=False, on_page=None) -> list:
    """From the question page on screen, answer and continue until the review page (or until
    reaching page `stop_at`, unanswered). Returns the ids of the pages answered, in order.
    `on_page(page, page_id)` is called on each page before it is answered."""
    visited = []
    while (page_id := current_page_id(page)) is not None and page_id != stop_at:
        expect_question_page(page, page_id)
        if on_page:
            on_page(page, page_id)
        answer_page(page, plan, touch=touch)
        visited.append(page_id)
        press(page, "Continue", touch)
        no_errors_shown(page)
        assert len(visited) <= len(PAGES), f"going round in circles: {visited}"
    return visited


def start(page: Page, slug: str, touch: bool = False) -> None:
    page.goto(path(slug))
    expect(page.get_by_role("heading", level=1)).to_have_text(SURVIVING_WORK.title)
    press(page, "Start the survey", touch)
    expect_question_page(page, SURVIVING_WORK.pages[0].id)


def send(page: Page, touch: bool = False) -> None:
    expect_path(page, "/review/")
    press(page, "Send my answers", touch)
    expect_path(page, "/thanks/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("your answers have been received")


def complete(page: Page, slug: str, plan: dict) -> list:
    """Start, answer every page the survey shows, send; returns the pages answered."""
    start(page, slug)
    visited = answer_through(page, plan)
    send(page)
    return visited


def progress(page: Page) -> tuple[int, int]:
    text = page.locator(".progress").get_by_text(re.compile(r"Step \d+ of \d+")).inner_text()
    number, total = re.findall(r"\d+", text)
    return int(number), int(total)
