"""Respondent and organiser pages as a phone or screen-reader user meets them: the dashboard's
columns, an invitation-only survey opened without an invitation, the error summary, and the
range hint of a number question."""

import re
from types import SimpleNamespace

from freeassoc.orgs.models import Membership
from freeassoc.surveys import instrument as instruments
from freeassoc.surveys import services
from freeassoc.surveys.forms import Row
from freeassoc.surveys.models import Survey
from tests.auth import sign_in

WORK = {p.id: p for p in instruments.get("surviving-work", 1).pages}["work"]


def _tag(html: str, element_id: str) -> str:
    """The opening tag of the element with this id."""
    match = re.search(rf'<[a-z]+\b[^>]*\bid="{re.escape(element_id)}"[^>]*>', html)
    assert match, f"no element with id {element_id}"
    return match.group(0)


def _described_by(html: str, element_id: str) -> list[str]:
    match = re.search(r'aria-describedby="([^"]*)"', _tag(html, element_id))
    return match.group(1).split() if match else []


def _text_of(html: str, element_id: str) -> str:
    match = re.search(rf'\bid="{re.escape(element_id)}"[^>]*>(.*?)</', html, re.S)
    assert match, f"no element with id {element_id}"
    return match.group(1).strip()


# (a) The dashboard on a phone -------------------------------------------------------------


def test_the_dashboard_puts_status_and_responses_beside_the_title(
    client, organiser, survey, other_org
):
    """At 360px a fourth column (the organisation) pushed the response count off the screen;
    the organisation now sits under the survey's title, in the same cell."""
    Membership.objects.create(
        organisation=other_org, user=organiser, role=Membership.Role.ORGANISER
    )
    Survey.objects.create(
        organisation=other_org,
        title="Members' survey",
        instrument_slug="surviving-work",
        instrument_version=1,
    )
    sign_in(client, organiser)
    html = client.get("/org/").text
    headers = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', html)
    assert headers == ["Survey and organisation", "Status", "Responses"]
    for title, organisation in [
        (survey.title, survey.organisation.name),
        ("Members&#x27; survey", other_org.name),
    ]:
        row = next(r for r in re.findall(r"<tr>(.*?)</tr>", html, re.S) if title in r)
        first_cell = re.search(r"<td>(.*?)</td>", row, re.S).group(1)
        assert title in first_cell and organisation in first_cell
        assert len(re.findall(r"<td\b", row)) == 3


# (b) An invitation-only survey without an invitation ---------------------------------------


def test_an_invitation_survey_opened_without_a_token_explains_and_offers_no_start(
    client, invite_collector
):
    html = client.get(f"/s/{invite_collector.slug}/").text
    assert "This survey is by invitation" in html
    assert "link in your invitation email" in html
    assert "Start the survey" not in html
    assert f'action="/s/{invite_collector.slug}/start/"' not in html
    assert f'href="/s/{invite_collector.slug}/resume/"' in html  # a saved draft can go on


def test_the_invitation_link_itself_still_shows_the_start_button(client, invite_collector):
    [token] = services.invitations_issue(collector=invite_collector, count=1)
    html = client.get(f"/s/{invite_collector.slug}/?t={token}").text
    assert "Start the survey" in html
    assert f'<input type="hidden" name="t" value="{token}">' in html
    assert "This survey is by invitation" not in html


def test_someone_who_started_from_their_invitation_can_come_back_and_continue(
    client, invite_collector
):
    [token] = services.invitations_issue(collector=invite_collector, count=1)
    assert client.post(f"/s/{invite_collector.slug}/start/", {"t": token}).status_code == 302
    html = client.get(f"/s/{invite_collector.slug}/").text  # the bare address, same browser
    assert "Continue the survey" in html
    assert "This survey is by invitation" not in html


def test_an_open_link_still_starts_without_a_token(client, open_link):
    html = client.get(f"/s/{open_link.slug}/").text
    assert "Start the survey" in html and "This survey is by invitation" not in html


# (c) The error summary ---------------------------------------------------------------------


def test_the_error_summary_reads_as_question_then_problem(client, open_link):
    client.post(f"/s/{open_link.slug}/start/")
    html = client.post(f"/s/{open_link.slug}/p/work/", {"action": "next"}).text
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert '<h2 id="error-summary-title">There is a problem</h2>' in summary
    assert 'aria-labelledby="error-summary-title"' in summary
    links = re.findall(r'<li><a href="#([^"]+)">([^<]*)</a></li>', summary)
    nhs = next(q for q in WORK.questions if q.id == "nhs_work")
    assert ("id_nhs_work_0", f"{nhs.label} Choose an answer.") in links
    assert len(links) >= 2
    for anchor, text in links:
        assert "?:" not in text and ".:" not in text, text
        assert f'id="{anchor}"' in html  # every link lands on a field


def test_a_label_without_its_own_punctuation_gets_a_colon():
    row = Row(
        q=SimpleNamespace(label="Your age in years"),
        field=SimpleNamespace(errors=["Enter a number."]),
        prefer=None,
        anchor="id_age",
        grouped=False,
        controller="",
        controller_codes="",
    )
    assert row.summary_errors == ["Your age in years: Enter a number."]


# (d) A number question's range hint -------------------------------------------------------


def test_a_number_questions_range_hint_is_read_with_the_input(client, open_link):
    client.post(f"/s/{open_link.slug}/start/")
    html = client.get(f"/s/{open_link.slug}/p/work/").text
    described = _described_by(html, "id_employer_count")
    assert "id_employer_count_range" in described
    assert "id_employer_count_helptext" in described  # the help text is not lost
    count = next(q for q in WORK.questions if q.id == "employer_count")
    assert _text_of(html, "id_employer_count_range") == (
        f"A whole number from {count.min} to {count.max}."
    )


def test_with_an_error_the_input_is_described_by_hint_range_and_error(client, open_link):
    client.post(f"/s/{open_link.slug}/start/")
    html = client.post(f"/s/{open_link.slug}/p/work/", {"employer_count": "999"}).text
    described = _described_by(html, "id_employer_count")
    assert described == [
        "id_employer_count_helptext",
        "id_employer_count_range",
        "id_employer_count_error",
    ]
    for element_id in described:
        _tag(html, element_id)  # each id exists on the page
    assert 'aria-invalid="true"' in _tag(html, "id_employer_count")
