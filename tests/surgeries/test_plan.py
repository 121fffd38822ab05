"""The outcome: the action plan page, printable, and a PDF."""

from freeassoc.surgeries.models import Problem, Surgery
from tests.auth import sign_in

from .conftest import add_problem, board_url, move


def _plan(client, organiser, surgery, participant):
    add_problem(participant, surgery, "Caseload <b>too</b> high & rising", ["caseload"])
    problem = Problem.objects.get()
    participant.post(board_url(surgery, f"problems/{problem.pk}/dot/"))
    sign_in(client, organiser)
    move(client, surgery, "information")
    participant.post(board_url(surgery, "notes/"), {"problem": problem.pk, "text": "Was 5 a day"})
    move(client, surgery, "actions")
    participant.post(
        board_url(surgery, "actions/"),
        {"what": "Keep a caseload diary", "who": "Heron", "by_when": "", "problem": problem.pk},
    )
    return problem


def test_the_action_plan_page(client, organiser, surgery, participant):
    _plan(client, organiser, surgery, participant)
    page = participant.get(board_url(surgery, "plan/"))
    assert page.status_code == 200
    html = page.text
    assert "Keep a caseload diary" in html and "Heron" in html and "Was 5 a day" in html
    assert "Caseload &lt;b&gt;too&lt;/b&gt; high &amp; rising" in html
    assert "0 of 1 done" in html and "Mark done" not in html
    assert "plan.pdf" in html
    facilitator = client.get(f"/surgeries/{surgery.pk}/plan/").text
    assert "Mark done" in facilitator


def test_the_plan_pdf_downloads(client, organiser, surgery, participant):
    _plan(client, organiser, surgery, participant)
    move(client, surgery, "closed")
    for response in [
        participant.get(board_url(surgery, "plan.pdf")),
        client.get(f"/surgeries/{surgery.pk}/plan.pdf"),
    ]:
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment; filename=")
        assert response.content.startswith(b"%PDF")
        assert len(response.content) > 1500


def test_the_plan_needs_a_seat_or_the_facilitator(client, surgery, outsider):
    assert client.get(board_url(surgery, "plan/")).status_code == 302
    assert client.get(board_url(surgery, "plan.pdf")).status_code == 302
    sign_in(client, outsider)
    assert client.get(f"/surgeries/{surgery.pk}/plan.pdf").status_code == 404


def test_a_synthetic_surgery_says_so_in_the_plan(client, organiser, surgery, participant):
    Surgery.objects.filter(pk=surgery.pk).update(is_synthetic=True)
    assert "Demonstration surgery" in participant.get(board_url(surgery, "plan/")).text
