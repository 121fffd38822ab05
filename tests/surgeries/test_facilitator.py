"""Facilitators: create a surgery, move the stages, hide, choose, tick off; nobody else can."""

import datetime

from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from freeassoc.orgs.models import Membership
from freeassoc.surgeries.models import Action, Note, Problem, Surgery, Vote
from tests.auth import sign_in

from .conftest import HTMX, add_problem, board_url, join, move


def _create(client, org, **overrides):
    data = {
        "organisation": org.pk,
        "title": "Ward 7 psychology",
        "kind": "workplace",
        "region": "yorkshire",
        "sector": "nhs",
        "delete_on": (timezone.localdate() + datetime.timedelta(days=60)).isoformat(),
        **overrides,
    }
    return client.post("/surgeries/new/", data)


def test_an_organiser_creates_a_surgery_and_sees_its_code(client, organiser, org):
    sign_in(client, organiser)
    response = _create(client, org)
    surgery = Surgery.objects.get()
    assert response["Location"] == f"/surgeries/{surgery.pk}/"
    assert (surgery.region, surgery.sector, surgery.stage) == ("yorkshire", "nhs", "problems")
    page = client.get(response["Location"]).text
    assert f'<p class="join-code" id="join-code">{surgery.code}</p>' in page
    assert "http://testserver/surgeries/join/" in page
    assert "Ward 7 psychology" in client.get("/surgeries/").text


def test_region_and_sector_use_the_questionnaires_codes(client, organiser, org):
    sign_in(client, organiser)
    assert _create(client, org, region="Leeds").status_code == 400
    assert _create(client, org, sector="hospital").status_code == 400
    page = client.get("/surgeries/new/").text
    assert '<option value="north_west">North West</option>' in page
    assert '<option value="third_sector">' in page
    assert not Surgery.objects.exists()


def test_the_deletion_date_must_be_in_the_next_year(client, organiser, org):
    sign_in(client, organiser)
    today = timezone.localdate()
    assert _create(client, org, delete_on=today.isoformat()).status_code == 400
    late = (today + datetime.timedelta(days=400)).isoformat()
    assert "at most 365 days" in _create(client, org, delete_on=late).text
    assert not Surgery.objects.exists()


def test_only_owners_and_organisers_of_an_approved_organisation_run_surgeries(client, analyst, org):
    sign_in(client, analyst)
    assert "Only owners and organisers" in client.get("/surgeries/new/").text
    _create(client, org)
    assert not Surgery.objects.exists()


def test_sign_in_is_needed_to_facilitate(client, surgery):
    for url in ["/surgeries/new/", f"/surgeries/{surgery.pk}/", f"/surgeries/{surgery.pk}/plan/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(f"/surgeries/{surgery.pk}/stage/", {"stage": "information"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    surgery.refresh_from_db()
    assert surgery.stage == "problems"


def test_only_the_facilitator_moves_stages_or_hides(
    client, surgery, participant, outsider, analyst
):
    add_problem(participant, surgery)
    problem = Problem.objects.get()
    # A participant has a seat, not a login: facilitator URLs send them to sign in.
    for url, data in [
        (f"/surgeries/{surgery.pk}/stage/", {"stage": "information"}),
        (f"/surgeries/{surgery.pk}/problem/{problem.pk}/hide/", {"hidden": "1"}),
    ]:
        assert "/accounts/login/" in participant.post(url, data)["Location"]
    # Someone from another organisation: as if the surgery did not exist.
    sign_in(client, outsider)
    assert client.get(f"/surgeries/{surgery.pk}/").status_code == 404
    assert (
        client.post(f"/surgeries/{surgery.pk}/stage/", {"stage": "information"}).status_code == 404
    )
    hide = f"/surgeries/{surgery.pk}/problem/{problem.pk}/hide/"
    assert client.post(hide, {"hidden": "1"}).status_code == 404
    # An analyst of the organisation: may not run meetings.
    sign_in(client, analyst)
    assert (
        client.post(f"/surgeries/{surgery.pk}/stage/", {"stage": "information"}).status_code == 403
    )
    assert client.post(hide, {"hidden": "1"}).status_code == 403
    surgery.refresh_from_db()
    problem.refresh_from_db()
    assert surgery.stage == "problems" and not problem.hidden


def test_stages_move_one_at_a_time_and_close_for_good(client, organiser, surgery):
    sign_in(client, organiser)
    move(client, surgery, "actions")
    assert surgery.stage == "problems"
    assert "cannot move to that stage" in client.get(f"/surgeries/{surgery.pk}/").text
    for stage in ["information", "actions", "information", "actions", "closed"]:
        move(client, surgery, stage)
        assert surgery.stage == stage
    move(client, surgery, "actions")
    assert surgery.stage == "closed"


def test_moving_to_stage_two_takes_the_top_three_forward_if_none_chosen(
    client, organiser, surgery, participant, another
):
    for i in range(5):
        add_problem(participant, surgery, f"Problem {i}")
    ids = list(Problem.objects.values_list("pk", flat=True))
    for pk in [ids[4], ids[2], ids[3]]:
        participant.post(board_url(surgery, f"problems/{pk}/dot/"))
    for pk in [ids[4], ids[2]]:
        another.post(board_url(surgery, f"problems/{pk}/dot/"))
    sign_in(client, organiser)
    move(client, surgery, "information")
    assert set(Problem.objects.filter(chosen=True).values_list("pk", flat=True)) == {
        ids[4],
        ids[2],
        ids[3],
    }


def test_the_facilitator_chooses_problems_by_hand(client, organiser, surgery, participant):
    add_problem(participant, surgery, "Chosen by hand")
    add_problem(participant, surgery, "Not chosen")
    chosen = Problem.objects.get(text="Chosen by hand")
    sign_in(client, organiser)
    response = client.post(
        f"/surgeries/{surgery.pk}/problem/{chosen.pk}/choose/", {"chosen": "1"}, **HTMX
    )
    assert response.status_code == 200 and "Taken forward" in response.text
    move(client, surgery, "information")
    assert list(Problem.objects.filter(chosen=True)) == [chosen]
    page = participant.get(board_url(surgery)).text
    assert "The problems we took forward" in page and "Chosen by hand" in page


def test_hidden_contributions_disappear_for_participants(
    client, organiser, surgery, participant, another
):
    add_problem(participant, surgery, "Names the manager, Mr X")
    add_problem(participant, surgery, "Caseloads are too high")
    named = Problem.objects.get(text__startswith="Names")
    sign_in(client, organiser)
    response = client.post(f"/surgeries/{surgery.pk}/problem/{named.pk}/hide/", {"hidden": "1"})
    assert response.status_code == 302
    named.refresh_from_db()
    assert named.hidden
    for seat in [participant, another]:
        page = seat.get(board_url(surgery)).text
        assert "Mr X" not in page and "Caseloads are too high" in page
        assert "Mr X" not in seat.get(board_url(surgery, "board/"), **HTMX).text
    # The facilitator still sees it, marked, and can show it again.
    run = client.get(f"/surgeries/{surgery.pk}/").text
    assert "Mr X" in run and "Hidden from participants" in run
    client.post(f"/surgeries/{surgery.pk}/problem/{named.pk}/hide/", {"hidden": "0"})
    assert "Mr X" in another.get(board_url(surgery)).text


def test_a_hidden_problem_takes_no_dots(client, organiser, surgery, participant):
    add_problem(participant, surgery, "Hide me")
    problem = Problem.objects.get()
    sign_in(client, organiser)
    client.post(f"/surgeries/{surgery.pk}/problem/{problem.pk}/hide/", {"hidden": "1"})
    assert participant.post(board_url(surgery, f"problems/{problem.pk}/dot/")).status_code == 400
    assert not Vote.objects.exists()


def test_notes_and_steps_can_be_hidden_too(client, organiser, surgery, participant):
    Surgery.objects.filter(pk=surgery.pk).update(stage="information")
    participant.post(board_url(surgery, "notes/"), {"text": "A note naming someone"})
    note = Note.objects.get()
    sign_in(client, organiser)
    client.post(f"/surgeries/{surgery.pk}/note/{note.pk}/hide/", {"hidden": "1"})
    assert "naming someone" not in participant.get(board_url(surgery)).text
    Surgery.objects.filter(pk=surgery.pk).update(stage="actions")
    participant.post(board_url(surgery, "actions/"), {"what": "Step naming someone", "who": "x"})
    action = Action.objects.get()
    client.post(f"/surgeries/{surgery.pk}/action/{action.pk}/hide/", {"hidden": "1"})
    assert "Step naming someone" not in participant.get(board_url(surgery, "plan/")).text
    assert client.post(f"/surgeries/{surgery.pk}/seat/1/hide/", {"hidden": "1"}).status_code == 404


def test_steps_are_ticked_off_at_the_follow_up(client, organiser, surgery, participant):
    Surgery.objects.filter(pk=surgery.pk).update(stage="actions")
    participant.post(
        board_url(surgery, "actions/"), {"what": "Keep a caseload diary", "who": "All"}
    )
    action = Action.objects.get()
    sign_in(client, organiser)
    move(client, surgery, "closed")
    response = client.post(
        f"/surgeries/{surgery.pk}/action/{action.pk}/done/", {"done": "1", "next": "plan"}
    )
    assert response["Location"] == f"/surgeries/{surgery.pk}/plan/"
    action.refresh_from_db()
    assert action.done
    assert "1 of 1 done" in participant.get(board_url(surgery, "plan/")).text
    # Participants read the plan; they cannot tick.
    assert (
        "/accounts/login/"
        in participant.post(f"/surgeries/{surgery.pk}/action/{action.pk}/done/", {"done": "0"})[
            "Location"
        ]
    )


def test_the_deletion_date_can_be_changed(client, organiser, surgery):
    sign_in(client, organiser)
    new = timezone.localdate() + datetime.timedelta(days=7)
    client.post(f"/surgeries/{surgery.pk}/delete-on/", {"delete_on": new.isoformat()})
    surgery.refresh_from_db()
    assert surgery.delete_on == new
    client.post(f"/surgeries/{surgery.pk}/delete-on/", {"delete_on": "2000-01-01"})
    surgery.refresh_from_db()
    assert surgery.delete_on == new


def test_a_member_of_an_unapproved_organisation_cannot_facilitate(client, org, surgery):
    org.approved = False
    org.save()
    user = get_user_model().objects.create_user("owner2", password="x" * 12)
    Membership.objects.create(organisation=org, user=user, role="owner")
    sign_in(client, user)
    assert client.get(f"/surgeries/{surgery.pk}/").status_code == 403


def test_the_facilitators_board_polls_too(client, organiser, surgery):
    participant = join(Client(), surgery, "Otter")
    sign_in(client, organiser)
    surgery.refresh_from_db()
    poll = f"/surgeries/{surgery.pk}/board/?v={surgery.version}&stage=problems"
    assert client.get(poll, **HTMX).status_code == 204
    add_problem(participant, surgery, "New on the board")
    fresh = client.get(poll, **HTMX)
    assert "New on the board" in fresh.text and "1 person has joined" in fresh.text
