"""Posting a completed questionnaire through the API: checked as the web form checks it,
stored once, held with the web's answers until a group of k can be added, refused with a
message when wrong."""

import datetime
import json

import pytest
from django.test import Client, override_settings

from freeassoc.findings.synthetic import generate_answers
from freeassoc.surveys import selectors, services
from freeassoc.surveys.models import HeldAnswers, Response, Survey

from .conftest import VALID, auth

pytestmark = pytest.mark.django_db


def post(client, survey_id, answers, key, **headers):
    return client.post(
        f"/api/surveys/{survey_id}/responses",
        {"answers": answers},
        content_type="application/json",
        headers={**auth(key), **headers},
    )


def release(survey):
    services.held_release(survey=survey, everything=True)


def test_a_valid_response_is_stored_exactly_once(client, survey, raw_key):
    response = post(client, survey.pk, VALID, raw_key)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["survey"] == survey.pk and body["replayed"] is False
    assert "id" not in body  # no response id, no date: the answers are held
    assert "group of at least 10" in body["message"]
    release(survey)
    stored = Response.objects.get()
    assert stored.survey == survey and stored.source == "web" and stored.collector_kind == ""
    assert stored.answers == {**VALID, "comments": "Caseloads keep growing."}
    assert stored.instrument_version == 1


def test_synthetic_questionnaires_pass_the_same_checks_unchanged(client, survey, raw_key):
    for answers in generate_answers(50, 3)[:20]:
        response = post(client, survey.pk, answers, raw_key)
        assert response.status_code == 202, response.json()
    release(survey)

    def canonical(rows):
        return sorted(json.dumps(r, sort_keys=True) for r in rows)

    stored = Response.objects.values_list("answers", flat=True)
    assert canonical(stored) == canonical(generate_answers(50, 3)[:20])


def test_a_retry_with_the_same_idempotency_key_stores_nothing_more(client, survey, raw_key):
    first = post(client, survey.pk, VALID, raw_key, **{"Idempotency-Key": "form-0001"})
    second = post(client, survey.pk, VALID, raw_key, **{"Idempotency-Key": "form-0001"})
    assert first.status_code == second.status_code == 202
    assert second.json()["replayed"] is True and first.json()["replayed"] is False
    assert selectors.answers_stored(survey) == 1
    release(survey)
    third = post(client, survey.pk, VALID, raw_key, **{"Idempotency-Key": "form-0001"})
    assert third.json()["replayed"] is True  # still recognised once the answers are added
    assert Response.objects.count() == 1
    other = post(client, survey.pk, VALID, raw_key, **{"Idempotency-Key": "form-0002"})
    assert other.status_code == 202 and selectors.answers_stored(survey) == 2


def test_the_same_idempotency_key_with_other_answers_is_refused(client, survey, raw_key):
    post(client, survey.pk, VALID, raw_key, **{"Idempotency-Key": "form-0001"})
    response = post(
        client, survey.pk, {**VALID, "age": 42}, raw_key, **{"Idempotency-Key": "form-0001"}
    )
    assert response.status_code == 409
    assert "Idempotency-Key" in response.json()["message"]
    assert selectors.answers_stored(survey) == 1


@pytest.mark.parametrize(
    "change, question, words",
    [
        ({"nhs_work": "sometimes"}, "nhs_work", "valid choice"),
        ({"age": 300}, "age", "whole number"),
        ({"age": "forty"}, "age", "whole number"),
        ({"age": True}, "age", "whole number"),
        ({"roles": "supervision"}, "roles", "list"),
        ({"roles": ["none", "lead"]}, "roles", "cannot be ticked together"),
        ({"favourite_colour": "blue"}, "favourite_colour", "no such question"),
        ({"hours": None}, "hours", "Choose an answer"),
        ({"iapt_postgrad_before": "yes"}, "iapt_postgrad_before", "not asked"),
        ({"comments": "x" * 4001}, "comments", "4000 characters"),
        ({"comments": "nul\x00byte"}, "comments", "Null characters"),
    ],
)
def test_bad_answers_are_refused_with_a_message(client, survey, raw_key, change, question, words):
    response = post(client, survey.pk, {**VALID, **change}, raw_key)
    assert response.status_code == 422
    body = response.json()
    assert "could not be accepted" in body["message"]
    assert any(
        e["question"] == question and words.lower() in e["message"].lower() for e in body["errors"]
    ), body
    assert not selectors.answers_stored(survey)


def test_every_missing_required_answer_is_named(client, survey, raw_key):
    response = post(client, survey.pk, {"nhs_work": "no"}, raw_key)
    assert response.status_code == 422
    named = {e["question"] for e in response.json()["errors"]}
    assert {"employer", "sector", "profession", "raised_concerns", "best_improvement"} <= named
    assert not selectors.answers_stored(survey)


@pytest.mark.parametrize(
    "body",
    ["{not json", '{"answers": []}', '{"answers": "yes"}', "[]", '{"other": 1}'],
)
def test_a_malformed_body_is_a_4xx_with_a_message(client, survey, raw_key, body):
    response = client.post(
        f"/api/surveys/{survey.pk}/responses",
        body,
        content_type="application/json",
        headers=auth(raw_key),
    )
    assert 400 <= response.status_code < 500
    assert response.json()["message"]
    assert not selectors.answers_stored(survey)


def test_a_closed_survey_takes_no_answers(client, survey, raw_key):
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED)
    response = post(client, survey.pk, VALID, raw_key)
    assert response.status_code == 409
    assert "not open" in response.json()["message"]
    assert not selectors.answers_stored(survey)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_too_big_is_413(client, survey, raw_key):
    response = post(client, survey.pk, {**VALID, "comments": "x" * 1500}, raw_key)
    assert response.status_code == 413
    assert "too big" in response.json()["message"]
    assert not selectors.answers_stored(survey)


def test_a_posted_response_leaves_no_address_agent_or_time_in_the_database_or_logs(
    client, survey, raw_key, caplog
):
    import logging

    from tests.surveys.test_privacy import AGENT, IP, database_text

    caplog.set_level(logging.DEBUG)
    response = client.post(
        f"/api/surveys/{survey.pk}/responses",
        {"answers": VALID},
        content_type="application/json",
        headers={
            **auth(raw_key),
            "Idempotency-Key": "form-0042",
            "User-Agent": AGENT,
            "X-Forwarded-For": IP,
        },  # fmt: skip
        REMOTE_ADDR=IP,
    )
    assert response.status_code == 202
    dump = database_text()
    assert IP not in dump and "DistinctiveAgent" not in dump
    assert "form-0042" not in dump  # the idempotency key is kept hashed
    assert IP not in caplog.text and "DistinctiveAgent" not in caplog.text
    assert not any(
        isinstance(v, datetime.datetime) for v in vars(HeldAnswers.objects.get()).values()
    )
    release(survey)
    stored = Response.objects.get()
    assert not any(isinstance(v, datetime.datetime) for v in vars(stored).values())


def test_posted_answers_wait_with_the_webs_for_a_group_of_k(client, survey, raw_key, open_link):
    """The API goes through the same hold as the web: an organisation posting its own answers
    cannot tell a respondent's answers apart by their id or their place in the export."""
    from tests.surveys.answering import complete

    Survey.objects.filter(pk=survey.pk).update(disclosure_k=3)
    complete(Client(), open_link.slug, release_now=False)
    post(client, survey.pk, VALID, raw_key)
    assert not Response.objects.exists() and HeldAnswers.objects.count() == 2
    post(client, survey.pk, {**VALID, "age": 42}, raw_key)
    assert Response.objects.count() == 3 and not HeldAnswers.objects.exists()
    assert set(Response.objects.values_list("collector_kind", flat=True)) == {"", "open"}
