"""Deletion on the facilitator's date: the content goes, anonymous theme counts stay."""

import datetime

from django.core.management import call_command
from django.utils import timezone

from freeassoc.surgeries import services
from freeassoc.surgeries.models import Action, Note, Problem, Seat, Surgery, ThemeTally, Vote
from tests.auth import sign_in

from .conftest import add_problem, board_url, move


def _fill(surgery, participant, client, organiser):
    add_problem(participant, surgery, "Unpaid honorary work", ["unwaged_work", "pay"])
    add_problem(participant, surgery, "Low pay", ["pay"])
    add_problem(participant, surgery, "Names Dr Y", ["bullying_silencing"])
    problem = Problem.objects.get(text="Low pay")
    participant.post(board_url(surgery, f"problems/{problem.pk}/dot/"))
    sign_in(client, organiser)
    hidden = Problem.objects.get(text="Names Dr Y")
    client.post(f"/surgeries/{surgery.pk}/problem/{hidden.pk}/hide/", {"hidden": "1"})
    move(client, surgery, "information")
    participant.post(board_url(surgery, "notes/"), {"problem": problem.pk, "text": "A note"})
    move(client, surgery, "actions")
    participant.post(board_url(surgery, "actions/"), {"what": "A step", "who": "Heron"})


def test_closing_counts_the_themes_of_visible_problems(client, organiser, surgery, participant):
    _fill(surgery, participant, client, organiser)
    move(client, surgery, "closed")
    tallies = {t.theme: t.problems for t in ThemeTally.objects.filter(surgery=surgery)}
    assert tallies == {"pay": 2, "unwaged_work": 1}  # the hidden problem is not counted
    assert {t.region for t in ThemeTally.objects.all()} == {"north_west"}


def test_purge_deletes_the_content_and_keeps_the_theme_counts(
    client, organiser, surgery, participant
):
    _fill(surgery, participant, client, organiser)
    Surgery.objects.filter(pk=surgery.pk).update(delete_on=timezone.localdate())
    assert services.surgeries_purge_due() == 1
    for model in [Surgery, Seat, Problem, Vote, Note, Action]:
        assert not model.objects.exists(), model.__name__
    tallies = ThemeTally.objects.order_by("theme")
    assert [(t.theme, t.problems, t.surgery_id) for t in tallies] == [
        ("pay", 2, None),
        ("unwaged_work", 1, None),
    ]
    assert {(t.region, t.sector, t.kind) for t in tallies} == {("north_west", "nhs", "team")}
    # The participant's cookie now opens nothing.
    assert participant.get(board_url(surgery)).status_code == 404


def test_surgeries_not_yet_due_are_kept(surgery, participant):
    add_problem(participant, surgery)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert services.surgeries_purge_due(today=tomorrow - datetime.timedelta(days=1)) == 0
    assert Problem.objects.exists()
    assert services.surgeries_purge_due(today=surgery.delete_on) == 1


def test_the_purge_command(surgery, participant):
    add_problem(participant, surgery)
    Surgery.objects.filter(pk=surgery.pk).update(delete_on=timezone.localdate())
    call_command("purge_surgeries")
    assert not Surgery.objects.exists() and ThemeTally.objects.count() == 1


def test_the_worker_s_schedule_runs_the_purge(surgery, participant):
    from freeassoc.core.jobs import schedule_tick
    from freeassoc.schedule import SCHEDULE

    add_problem(participant, surgery)
    Surgery.objects.filter(pk=surgery.pk).update(delete_on=timezone.localdate())
    schedule_tick(SCHEDULE)  # what `freeassoc worker` does; jobs run at once in tests
    assert not Surgery.objects.exists() and ThemeTally.objects.count() == 1


def test_the_facilitator_can_delete_everything_now(client, organiser, surgery, participant):
    add_problem(participant, surgery)
    sign_in(client, organiser)
    kept = client.post(f"/surgeries/{surgery.pk}/delete/", {})
    assert kept.status_code == 302 and Surgery.objects.exists()
    response = client.post(f"/surgeries/{surgery.pk}/delete/", {"confirm": "yes"}, follow=True)
    assert not Surgery.objects.exists() and not Problem.objects.exists()
    assert "Only anonymous counts of its themes are kept" in response.text
    assert ThemeTally.objects.count() == 1
