"""A respondent answers the survey in a real browser: on a phone, across two devices, with the
keyboard only, and with JavaScript switched off."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from freeassoc.surveys.models import Draft, Response
from tests.surveys.answering import release

from .conftest import DESKTOP, PHONE
from .respondent import (
    IAPT_COUNSELLOR,
    IAPT_COUNSELLOR_PAGES,
    PAGES,
    PRIVATE_PSYCHOTHERAPIST,
    PRIVATE_PSYCHOTHERAPIST_PAGES,
    QUESTIONS,
    RESUME_CODE,
    SURVIVING_WORK,
    answer,
    answer_page,
    answer_through,
    expect_path,
    expect_question_page,
    group,
    path,
    press,
    progress,
    send,
    start,
)

pytestmark = pytest.mark.browser


def review_answer(page, question_id):
    """The answer the review page shows beside a question's label."""
    label = QUESTIONS[question_id].label
    term = page.locator("dl.answers dt").filter(has_text=re.compile(rf"^{re.escape(label)}$"))
    expect(term).to_have_count(1)
    return term.locator("xpath=following-sibling::dd[1]")


def test_a_phone_user_answers_saves_resumes_on_another_device_and_sends(new_context, open_link):
    plan, slug, touch = IAPT_COUNSELLOR, open_link.slug, True
    phone = new_context(PHONE).new_page()

    # The intro says who runs the survey and what is collected, before anything is asked.
    phone.goto(path(slug))
    expect(phone.get_by_role("heading", level=1)).to_have_text(SURVIVING_WORK.title)
    main = phone.get_by_role("main")
    expect(main.get_by_role("heading", name="Who runs this survey")).to_be_visible()
    expect(main).to_contain_text(open_link.survey.organisation.name)
    expect(main).to_contain_text("We do not ask your name")
    press(phone, "Start the survey", touch)
    expect_question_page(phone, "work")
    assert progress(phone) == (1, 7)  # the IAPT detail page is not counted until it applies

    # The first page, with a required question left out: refused, with a summary that leads to
    # the question, and nothing already answered is lost.
    answer_page(phone, plan, leave_out={"nhs_work"}, touch=touch)
    press(phone, "Continue", touch)
    expect_question_page(phone, "work")
    expect(phone).to_have_title(re.compile(r"^Error: "))
    summary = phone.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    nhs_work = QUESTIONS["nhs_work"]
    link = summary.get_by_role("link", name=re.compile(re.escape(nhs_work.label)))
    expect(link).to_have_count(1)
    message = group(phone, nhs_work).locator(".error-message")  # beside the question, too
    expect(message).to_be_visible()
    expect(link).to_contain_text(message.inner_text().replace("Error:", "").strip())
    employer = QUESTIONS["employer"]
    expect(
        group(phone, employer).get_by_role("radio", name=employer.label_for(plan["employer"]))
    ).to_be_checked()
    expect(phone.get_by_role("spinbutton", name=QUESTIONS["employer_count"].label)).to_have_value(
        str(plan["employer_count"])
    )
    link.tap()
    first_option = group(phone, nhs_work).get_by_role("radio").first
    expect(first_option).to_be_focused()
    expect(first_option).to_be_in_viewport()
    answer(phone, "nhs_work", plan["nhs_work"], touch)
    press(phone, "Continue", touch)

    # A couple more pages; the IAPT answer brings in the IAPT detail page. Then: save.
    before = answer_through(phone, plan, stop_at="iapt_detail", touch=touch)
    assert before == ["role", "iapt"]
    expect_question_page(phone, "iapt_detail")
    assert progress(phone) == (4, 8)
    press(phone, "Save and finish later", touch)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your answers are saved")
    code = phone.locator("#resume-code").inner_text().strip()
    assert RESUME_CODE.match(code), code

    # Another device, no cookies: resume with the code, typed the way people type.
    other = new_context(PHONE).new_page()
    other.goto(path(slug))
    other.get_by_role("link", name="I have a resume code").tap()
    expect(other.get_by_role("heading", level=1)).to_have_text("Resume the survey")
    other.get_by_role("textbox", name="Your resume code").fill(code.lower().replace("-", " "))
    press(other, "Resume", touch)
    expect_question_page(other, "iapt_detail")  # back where they were
    assert progress(other) == (4, 8)
    after = answer_through(other, plan, touch=touch)
    assert after == ["iapt_detail", "pay", "voice", "about_you"]
    assert ["work", *before, *after] == IAPT_COUNSELLOR_PAGES  # every page, each once

    # Review: every page's answers, including those given on the first device.
    expect_path(other, "/review/")
    expect(other.get_by_role("heading", level=1)).to_have_text("Check your answers before sending")
    expect(review_answer(other, "nhs_work")).to_have_text(nhs_work.label_for("contracted"))
    expect(review_answer(other, "iapt_relation")).to_have_text(
        QUESTIONS["iapt_relation"].label_for("subcontracted")
    )
    expect(review_answer(other, "patients_per_day")).to_have_text("7")
    expect(review_answer(other, "unpaid_hours")).to_have_text("6 hours")
    expect(review_answer(other, "age")).to_have_text("Prefer not to say")
    expect(review_answer(other, "talked_to")).to_have_text("A colleague, A trade union")
    for page_id in ("work", "role", "iapt", "iapt_detail", "pay", "voice", "about_you"):
        expect(other.get_by_role("heading", level=2, name=PAGES[page_id].title)).to_be_visible()
    send(other, touch)

    # The first device's draft went with the code: it can no longer see or change the answers.
    phone.goto(path(slug, "p/iapt_detail/"))
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "We can't find your answers in progress"
    )

    assert not Draft.objects.exists()  # sending deleted it
    release(open_link.slug)  # held until k have sent: add it now
    response = Response.objects.get()
    assert response.answers == plan
    assert response.survey == open_link.survey
    assert response.collector_kind == "open"
    assert response.submitted_on == timezone.localdate()


# What the focused element looks like: enough to tell whether a sighted keyboard user can see
# where they are. Run in the page; returns None when nothing has focus.
FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  let under = el.parentElement, background = 'rgba(0, 0, 0, 0)';
  while (under) {
    const colour = getComputedStyle(under).backgroundColor;
    if (colour && colour !== 'transparent' && !/, 0\\)$/.test(colour)) {
      background = colour;
      break;
    }
    under = under.parentElement;
  }
  const text = (el.labels && el.labels[0] ? el.labels[0].innerText : el.innerText || '').trim();
  return {
    element: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (text ? ` "${text.slice(0, 50)}"` : ''),
    id: el.id, tag: el.tagName.toLowerCase(), type: el.type || '', name: el.name || '',
    checked: !!el.checked,
    outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
    outlineColor: style.outlineColor, boxShadow: style.boxShadow,
    focusVisible: el.matches(':focus-visible'),
    background: background === 'rgba(0, 0, 0, 0)' ? 'rgb(255, 255, 255)' : background,
    inViewport: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
      && box.top < window.innerHeight && box.left < window.innerWidth,
  };
}"""


def focus_state(page):
    state = page.evaluate(FOCUS_STATE)
    assert state is not None, "nothing has the keyboard focus"
    return state


def assert_focus_visible(state):
    """The focused element is on screen and drawn with a visible focus indicator."""
    assert state["inViewport"], f"{state['element']} has focus but is off screen"
    assert state["focusVisible"], f"{state['element']} does not match :focus-visible"
    has_outline = state["outlineStyle"] != "none" and state["outlineWidth"] >= 2
    has_ring = state["boxShadow"] not in ("", "none")
    assert has_outline or has_ring, (
        f"{state['element']} has focus but no visible indicator: outline "
        f"{state['outlineStyle']} {state['outlineWidth']}px, box-shadow {state['boxShadow']}"
    )


def tab(page, visited):
    page.keyboard.press("Tab")
    state = focus_state(page)
    assert_focus_visible(state)
    visited.append(state)
    return state


def test_a_keyboard_user_completes_a_page_and_always_sees_where_the_focus_is(
    new_context, open_link, screenshots
):
    """Tab, Space, arrow keys and Enter only: no mouse, no touch."""
    page = new_context(DESKTOP).new_page()
    plan, stops = PRIVATE_PSYCHOTHERAPIST, []
    page.goto(path(open_link.slug))

    # The intro: the skip link comes first; then on to the start button, and Enter.
    state = tab(page, stops)
    assert state["element"].startswith("a") and "Skip to main content" in state["element"]
    for _ in range(10):
        if state["tag"] == "button":
            break
        state = tab(page, stops)
    assert "Start the survey" in state["element"], state["element"]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect_question_page(page, "work")

    # The question page: the skip link takes the focus past the header.
    state = tab(page, stops)
    assert "Skip to main content" in state["element"]
    page.keyboard.press("Enter")
    for q in PAGES["work"].questions:
        state = tab(page, stops)
        if q.type == "single":
            options = [code for code, _ in q.choices]
            wanted = options.index(plan[q.id])
            assert state["name"] == q.id and state["id"] == f"id_{q.id}_0", (q.id, state)
            if wanted == 0:
                page.keyboard.press("Space")
            for _ in range(wanted):  # an arrow key moves to the next option and selects it
                page.keyboard.press("ArrowDown")
                assert_focus_visible(focus_state(page))
            state = focus_state(page)
            assert state["id"] == f"id_{q.id}_{wanted}" and state["checked"], (q.id, state)
        else:
            assert state["id"] == f"id_{q.id}", (q.id, state)
            page.keyboard.type(str(plan[q.id]))
        if q.id == "employer_count":
            screenshots(page, "respond-keyboard-focus-number")
        if q.id == "contract":
            screenshots(page, "respond-keyboard-focus-radio")
    state = tab(page, stops)
    assert state["tag"] == "button" and "Continue" in state["element"], state
    screenshots(page, "respond-keyboard-focus-button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect_question_page(page, "role")

    work = {q.id: plan[q.id] for q in PAGES["work"].questions}
    assert Draft.objects.get().answers == work


def relative_luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted([relative_luminance(a), relative_luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_focus_indicator_contrasts_with_the_page_behind_it(new_context, open_link):
    """WCAG 2.2 SC 1.4.11 (non-text contrast): a focus indicator needs 3:1 against the colours
    next to it. The outline is drawn outside the element, over its container's background."""
    page = new_context(DESKTOP).new_page()
    page.goto(path(open_link.slug))
    press(page, "Start the survey")
    expect_question_page(page, "work")
    weak, seen = [], set()
    for _ in range(30):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        if state is None or state["element"] in seen:  # past the end of the page
            break
        key = state["element"]
        seen.add(key)
        if "skip" in key.lower():  # the skip link is its own indicator: a black-on-yellow box
            continue
        ratio = contrast(state["outlineColor"], state["background"])
        if ratio < 3:
            weak.append(
                f"{state['element']}: outline {state['outlineColor']} on "
                f"{state['background']} = {ratio:.2f}:1"
            )
    assert not weak, "focus indicators under 3:1:\n" + "\n".join(weak)


def test_with_javascript_switched_off_the_survey_can_be_answered_and_sent(new_context, open_link):
    page = new_context(PHONE, java_script_enabled=False).new_page()
    plan = PRIVATE_PSYCHOTHERAPIST
    start(page, open_link.slug)
    visited = answer_through(page, plan)  # the honorary follow-up is on screen, without script
    send(page)
    assert visited == PRIVATE_PSYCHOTHERAPIST_PAGES  # no NHS band question, no IAPT detail
    release(open_link.slug)
    answers = Response.objects.get().answers
    assert answers == plan
    assert "iapt_postgrad_before" not in answers and "nhs_band" not in answers


# The text of each line an element's text is laid out on (all its text nodes, in order).
LINES = """(el) => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const range = document.createRange(), lines = [];
  let top = null, line = '';
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    for (let i = 0; i < text.data.length; i++) {
      range.setStart(text, i);
      range.setEnd(text, i + 1);
      const box = range.getClientRects()[0];
      if (!box || !text.data[i].trim()) continue;
      if (top !== null && Math.abs(box.top - top) > 2) { lines.push(line); line = ''; }
      top = box.top;
      line += text.data[i];
    }
  }
  lines.push(line);
  return lines;
}"""


def test_on_a_phone_the_resume_code_is_not_split_inside_a_group(new_context, open_link):
    """People copy the code by hand: a line break inside a group of four ("…-Z" / "QBX") reads
    as two codes or a missing character."""
    page = new_context(PHONE).new_page()
    start(page, open_link.slug, touch=True)
    press(page, "Save and finish later", touch=True)
    code_box = page.locator("#resume-code")
    code = code_box.inner_text().strip()
    assert RESUME_CODE.match(code), code
    lines = [line.strip() for line in code_box.evaluate(LINES)]
    assert "".join(lines) == code
    assert all(line.endswith("-") for line in lines[:-1]), f"the code is laid out as {lines}"
    expect(code_box).to_be_in_viewport(ratio=1)


def test_resuming_after_saving_a_half_answered_page_returns_to_that_page(new_context, open_link):
    """Someone answers two questions of the first page, saves, and comes back with the code:
    they must be taken to that page, not past it with its required questions unanswered."""
    plan = IAPT_COUNSELLOR
    page = new_context(PHONE).new_page()
    start(page, open_link.slug)
    answer(page, "nhs_work", plan["nhs_work"])
    answer(page, "employer", plan["employer"])
    press(page, "Save and finish later")
    code = page.locator("#resume-code").inner_text().strip()

    other = new_context(PHONE).new_page()
    other.goto(path(open_link.slug, "resume/"))
    other.get_by_role("textbox", name="Your resume code").fill(code)
    press(other, "Resume")
    expect_question_page(other, "work")
    for qid in ("nhs_work", "employer"):
        question = QUESTIONS[qid]
        expect(
            group(other, question).get_by_role("radio", name=question.label_for(plan[qid]))
        ).to_be_checked()
