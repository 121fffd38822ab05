"""The board: problems with themes, dots, notes, steps; htmx fragments and plain posts."""

import datetime

from django.utils import timezone

from freeassoc.surgeries.models import Action, Note, Problem, Surgery, Vote
from tests.auth import sign_in

from .conftest import HTMX, add_problem, board_url, move


def test_a_problem_goes_on_the_board_with_its_themes(participant, another, surgery):
    response = add_problem(
        participant, surgery, "Sessions cut from twelve to six", ["patient_safety", "targets_data"]
    )
    problem = Problem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == board_url(surgery) + f"#problem-{problem.pk}"
    assert problem.themes == ["targets_data", "patient_safety"]  # the taxonomy's order
    page = another.get(board_url(surgery)).text
    assert "Sessions cut from twelve to six" in page
    assert "Targets and performance data" in page and "Patient safety" in page


def test_a_problem_needs_a_theme_from_the_taxonomy(participant, surgery):
    response = add_problem(participant, surgery, "No theme", [])
    assert response.status_code == 400 and "Choose at least one theme" in response.text
    response = add_problem(participant, surgery, "Bad theme", ["not_a_theme"])
    assert response.status_code == 400 and "not one of the available choices" in response.text
    too_many = ["pay", "caseload", "contracts", "supervision", "isolation"]
    response = add_problem(participant, surgery, "Five themes", too_many)
    assert response.status_code == 400 and "at most 4 themes" in response.text
    assert not Problem.objects.exists()


def test_with_htmx_a_post_returns_the_board_fragment_and_a_fresh_form(participant, surgery):
    response = add_problem(participant, surgery, "Unpaid honorary posts", ["unwaged_work"], **HTMX)
    assert response.status_code == 200
    html = response.text
    assert html.lstrip().startswith('<div id="board"')
    assert "Unpaid honorary posts" in html
    assert 'id="add-form"' in html and 'hx-swap-oob="true"' in html
    assert "Your problem is on the board." in html
    assert "<html" not in html


def test_with_htmx_a_bad_post_shows_the_form_again_in_place(participant, surgery):
    response = add_problem(participant, surgery, "", [], **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#add-form"
    assert "There is a problem" in response.text and "<html" not in response.text


def test_the_board_poll_says_nothing_new_until_something_changes(participant, another, surgery):
    surgery.refresh_from_db()
    poll = board_url(surgery, f"board/?v={surgery.version}&stage=problems")
    assert participant.get(poll, **HTMX).status_code == 204
    add_problem(another, surgery, "Bullying in team meetings", ["bullying_silencing"])
    fresh = participant.get(poll, **HTMX)
    assert fresh.status_code == 200 and "Bullying in team meetings" in fresh.text
    surgery.refresh_from_db()
    assert f"v={surgery.version}" in fresh.text


def test_the_poll_reloads_the_page_when_the_stage_moves(client, organiser, participant, surgery):
    add_problem(participant, surgery)
    sign_in(client, organiser)
    move(client, surgery, "information")
    response = participant.get(board_url(surgery, "board/?v=0&stage=problems"), **HTMX)
    assert response["HX-Refresh"] == "true"


def test_the_board_works_without_javascript(participant, surgery):
    page = participant.get(board_url(surgery)).text
    assert f'href="{board_url(surgery)}" class="refresh"' in page
    assert f'<form method="post" action="{board_url(surgery, "problems/")}"' in page
    assert 'hx-trigger="every 4s"' in page
    assert "htmx.min.js" in page and '"includeIndicatorStyles": false' in page


def test_each_participant_has_three_dots(participant, surgery):
    problems = [add_problem(participant, surgery, f"Problem {i}") for i in range(4)]
    assert all(r.status_code == 302 for r in problems)
    ids = list(Problem.objects.values_list("pk", flat=True))
    for pk in ids[:3]:
        assert participant.post(board_url(surgery, f"problems/{pk}/dot/")).status_code == 302
    refused = participant.post(board_url(surgery, f"problems/{ids[3]}/dot/"))
    assert refused.status_code == 400 and "used all 3 of your dots" in refused.text
    assert Vote.objects.count() == 3
    # Taking one back frees it to move.
    participant.post(board_url(surgery, f"problems/{ids[0]}/dot/"))
    assert participant.post(board_url(surgery, f"problems/{ids[3]}/dot/")).status_code == 302
    assert set(Vote.objects.values_list("problem_id", flat=True)) == set(ids[1:])


def test_dots_are_counted_per_seat_and_shown_to_all(participant, another, surgery):
    add_problem(participant, surgery, "Caseloads")
    pk = Problem.objects.get().pk
    participant.post(board_url(surgery, f"problems/{pk}/dot/"))
    response = another.post(board_url(surgery, f"problems/{pk}/dot/"), **HTMX)
    assert "2 dots" in response.text and "You have 2 of 3 dots left" in response.text
    assert Vote.objects.values("seat").distinct().count() == 2


def test_dots_on_another_surgerys_problem_are_refused(participant, surgery, org):
    from freeassoc.surgeries import services

    other = services.surgery_create(
        organisation=org,
        title="Other",
        kind="area",
        region="london",
        sector="nhs",
        delete_on=surgery.delete_on,
    )
    foreign = Problem.objects.create(surgery=other, text="Elsewhere", themes=["pay"])
    response = participant.post(board_url(surgery, f"problems/{foreign.pk}/dot/"))
    assert response.status_code == 400 and not Vote.objects.exists()


def test_each_stage_takes_only_its_own_contributions(client, organiser, participant, surgery):
    add_problem(participant, surgery, "Pay below a living wage", ["pay"])
    problem = Problem.objects.get()
    sign_in(client, organiser)
    # Stage 2: notes, not problems; the problem with dots (or, with none, the first) goes on.
    participant.post(board_url(surgery, f"problems/{problem.pk}/dot/"))
    move(client, surgery, "information")
    problem.refresh_from_db()
    assert problem.chosen
    late = add_problem(participant, surgery, "Too late")
    assert late.status_code == 302 and Problem.objects.count() == 1
    response = participant.post(
        board_url(surgery, "notes/"),
        {
            "problem": problem.pk,
            "text": "Band 5 pay for Band 7 work",
            "resource": "rights:accompanied",
        },
    )
    assert response.status_code == 302
    note = Note.objects.get()
    assert note.problem == problem and note.resource == "rights:accompanied"
    page = participant.get(board_url(surgery)).text
    assert "Band 5 pay for Band 7 work" in page
    assert "Public Interest Disclosure Act 1998" in page  # the rights shown at stage 2
    assert 'href="/groups/"' in page and 'href="/findings/"' in page
    # Stage 3: steps, with who by pseudonym and by when.
    move(client, surgery, "actions")
    when = timezone.localdate() + datetime.timedelta(days=14)
    response = participant.post(
        board_url(surgery, "actions/"),
        {
            "what": "Ask the rep to meet us",
            "who": "Heron",
            "by_when": when.isoformat(),
            "problem": problem.pk,
        },
    )
    assert response.status_code == 302
    action = Action.objects.get()
    assert (action.who, action.by_when, action.problem) == ("Heron", when, problem)
    assert '<option value="Heron">' in participant.get(board_url(surgery)).text


def test_a_step_cannot_be_dated_in_the_past(client, organiser, participant, surgery):
    sign_in(client, organiser)
    Surgery.objects.filter(pk=surgery.pk).update(stage="actions")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = participant.post(
        board_url(surgery, "actions/"), {"what": "x", "who": "Heron", "by_when": yesterday}
    )
    assert response.status_code == 400 and "today or a later date" in response.text


def test_a_note_must_be_about_a_problem_taken_forward(participant, surgery):
    add_problem(participant, surgery)
    problem = Problem.objects.get()
    Surgery.objects.filter(pk=surgery.pk).update(stage="information")
    response = participant.post(board_url(surgery, "notes/"), {"problem": problem.pk, "text": "x"})
    assert response.status_code == 400 and not Note.objects.exists()
