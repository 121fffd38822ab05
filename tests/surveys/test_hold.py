"""Sent answers are held, then added to the survey's responses in groups of at least k, in a
random order, dated by the day of the group: nothing lost, nothing added twice."""

import datetime
import threading

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from freeassoc.surveys import selectors, services
from freeassoc.surveys.models import Draft, HeldAnswers, Response, Survey
from tests.auth import sign_in

from .answering import complete, fill


def threshold(survey, k):
    Survey.objects.filter(pk=survey.pk).update(disclosure_k=k)
    survey.refresh_from_db()
    return survey


def hold(survey, marker):
    with transaction.atomic():
        services.answers_hold(survey=survey, collector_kind="open", answers={"comments": marker})
    return services.held_release(survey=survey)


def markers():
    return sorted(Response.objects.values_list("answers__comments", flat=True))


def test_k_minus_one_answers_are_held_and_the_kth_adds_all_k_once(client, open_link, survey):
    threshold(survey, 3)
    for i in range(2):
        complete(Client(), open_link.slug, {"comments": f"person {i}"}, release_now=False)
    assert not Response.objects.exists()
    assert HeldAnswers.objects.count() == 2
    complete(Client(), open_link.slug, {"comments": "person 2"}, release_now=False)
    assert markers() == ["person 0", "person 1", "person 2"]
    assert not HeldAnswers.objects.exists() and not Draft.objects.exists()
    assert set(Response.objects.values_list("submitted_on", flat=True)) == {timezone.localdate()}
    assert set(Response.objects.values_list("collector_kind", flat=True)) == {"open"}
    complete(Client(), open_link.slug, {"comments": "person 3"}, release_now=False)
    assert Response.objects.count() == 3 and HeldAnswers.objects.count() == 1


def test_answers_are_added_in_a_random_order_not_the_order_they_were_sent(survey):
    """Response ids grow from group to group, so they may tell the group; within it, the
    order is shuffled. (Ten in sending order would happen by chance once in 3.6 million.)"""
    threshold(survey, 10)
    for i in range(10):
        hold(survey, f"{i:02d}")
    in_id_order = list(Response.objects.order_by("pk").values_list("answers__comments", flat=True))
    assert sorted(in_id_order) == [f"{i:02d}" for i in range(10)]
    assert in_id_order != sorted(in_id_order)


def test_closing_the_survey_adds_what_is_held_however_few(survey):
    threshold(survey, 10)
    hold(survey, "early")
    hold(survey, "late")
    assert not Response.objects.exists()
    services.survey_set_status(survey=survey, status=Survey.Status.CLOSED)
    assert markers() == ["early", "late"] and not HeldAnswers.objects.exists()


def test_answers_held_as_a_survey_closes_are_added_by_the_next_release(survey):
    """A send that commits just after the survey closed (the close had already added what
    was held) is added as soon as anything looks at a survey that is no longer open."""
    threshold(survey, 10)
    with transaction.atomic():
        services.answers_hold(survey=survey, collector_kind="open", answers={"comments": "x"})
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED)
    assert services.held_release(survey=survey) == 1
    assert markers() == ["x"]


def test_held_answers_keep_no_time_no_collector_and_no_key():
    names = {f.name for f in HeldAnswers._meta.get_fields()}
    assert names == {"id", "survey", "collector_kind", "instrument_version", "answers"}


def test_the_organiser_sees_only_added_answers_and_that_they_come_in_groups(
    client, organiser, open_link, survey
):
    threshold(survey, 3)
    for i in range(2):
        complete(Client(), open_link.slug, {"comments": f"p{i}"}, release_now=False)
    sign_in(client, organiser)
    page = client.get(f"/org/surveys/{survey.pk}/").text
    assert '<strong id="response-total">0</strong>' in page
    assert "in groups of at least 3" in page
    assert "No responses added yet" in page
    assert selectors.answers_stored(survey) == 2
    complete(Client(), open_link.slug, {"comments": "p2"}, release_now=False)
    page = client.get(f"/org/surveys/{survey.pk}/").text
    assert '<strong id="response-total">3</strong>' in page
    assert 'value="3"' in page  # the day's meter: the day the group was added


def test_invitations_used_show_as_fewer_than_k_until_k_are_used(
    client, organiser, invite_collector, survey
):
    threshold(survey, 3)
    tokens = services.invitations_issue(collector=invite_collector, count=5)
    sign_in(client, organiser)

    def panel():
        page = client.get(f"/org/surveys/{survey.pk}/").text
        return page.split(f'id="collector-{invite_collector.pk}"')[1].split("</div>")[0]

    assert "5 invitations issued, fewer than 3 used" in panel()
    for token in tokens[:2]:
        Client().post(f"/s/{invite_collector.slug}/start/", {"t": token})
    assert "5 invitations issued, fewer than 3 used" in panel()
    Client().post(f"/s/{invite_collector.slug}/start/", {"t": tokens[2]})
    assert "5 invitations issued, 3 used" in panel()


def test_a_draft_begun_on_an_open_link_cannot_go_on_through_an_invitation_link(
    client, open_link, invite_collector
):
    """A draft names its survey and kind of collector; a resume code from an open link does
    not open the invitation link's pages (that would be a way in without an invitation)."""
    import re

    client.post(f"/s/{open_link.slug}/start/")
    saved = client.post(f"/s/{open_link.slug}/p/work/", {"action": "save"})
    code = re.search(r'id="resume-code">([A-Z0-9-]+)<', saved.text).group(1)
    refused = Client().post(f"/s/{invite_collector.slug}/resume/", {"code": code})
    assert refused.status_code == 400
    assert Client().post(f"/s/{open_link.slug}/resume/", {"code": code}).status_code == 302


def test_deleting_the_data_set_deletes_held_answers_without_counting_them(client, org, survey):
    from freeassoc.orgs.models import AuditEvent, Membership
    from tests.auth import member

    threshold(survey, 5)
    for i in range(4):
        hold(survey, f"h{i}")
    owner = member(org, "owen", Membership.Role.OWNER)
    sign_in(client, owner)
    client.post(f"/org/surveys/{survey.pk}/delete-data/", {"confirm": survey.title})
    assert not HeldAnswers.objects.exists() and not Response.objects.exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE)
    assert "0 responses" in event.detail and "4" not in event.detail


@pytest.mark.django_db(transaction=True)
def test_the_residue_sweep_adds_what_closed_surveys_hold_and_runs_on_any_database(survey):
    threshold(survey, 10)
    hold(survey, "held at close")
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED)
    services.residue_sweep()
    assert markers() == ["held at close"]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete")
            assert cursor.fetchone()[0] == 1


def _in_threads(count, work):
    barrier = threading.Barrier(count)
    errors = []

    def run(i):
        try:
            barrier.wait()
            work(i)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_on_postgresql_add_each_answer_once_and_lose_none(survey):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers: SQLite takes one writer at a time by design")
    threshold(survey, 4)
    _in_threads(14, lambda i: hold(survey, f"m{i:02d}"))
    added = markers()
    held = list(HeldAnswers.objects.values_list("answers__comments", flat=True))
    assert sorted(added + held) == [f"m{i:02d}" for i in range(14)]
    assert len(held) < 4  # whoever sent last saw them all and added any group of 4
    with connection.cursor() as cursor:  # a group is one transaction: one xmin
        cursor.execute("SELECT count(*) FROM surveys_response GROUP BY xmin")
        assert all(size >= 4 for (size,) in cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_postgresql_sends_the_answers_once(open_link, settings):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers: SQLite takes one writer at a time by design")
    settings.FREEASSOC_RATELIMIT = False
    browser = Client()
    review = fill(browser, open_link.slug)
    key = browser.cookies["fa_draft"].value
    results = []

    def press(_):
        tab = Client()  # one browser, two requests in flight: the same draft cookie
        tab.cookies["fa_draft"] = key
        results.append(tab.post(review, {"action": "submit"}))

    _in_threads(2, press)
    assert HeldAnswers.objects.count() == 1 and not Draft.objects.exists()
    assert sorted(r.status_code for r in results) in ([200, 302], [302, 302])


def test_answers_stored_counts_held_and_added(survey):
    threshold(survey, 3)
    hold(survey, "a")
    Response.objects.create(
        survey=survey, instrument_version=1, answers={}, submitted_on=datetime.date(2026, 1, 5)
    )
    assert selectors.answers_stored(survey) == 2


@pytest.mark.django_db(transaction=True)
def test_the_residue_sweep_warns_when_an_open_transaction_keeps_row_versions(caplog):
    """A session left idle in a transaction holds back what VACUUM may remove: say so."""
    if connection.vendor != "postgresql":
        pytest.skip("VACUUM and open transactions are PostgreSQL's")
    import logging

    import psycopg

    settings_dict = connection.settings_dict
    other = psycopg.connect(
        dbname=settings_dict["NAME"], user=settings_dict["USER"],
        password=settings_dict["PASSWORD"] or None, host=settings_dict["HOST"],
        port=settings_dict["PORT"] or 5432,
    )  # fmt: skip
    try:
        other.execute("SELECT txid_current()")  # a transaction with an id, left open
        caplog.set_level(logging.WARNING, logger="freeassoc.core.residue")
        services.residue_sweep()
        assert "VACUUM FULL kept recent row versions" in caplog.text
    finally:
        other.close()
