"""Posting a completed questionnaire through the API: checked as the web form checks it,
stored once, refused with a message when wrong."""

import datetime
import json

import pytest
from django.test import override_settings

from freeassoc.findings.synthetic import generate_answers
from freeassoc.surveys.models import Response, Survey

from .conftest import VALID, auth

pytestmark = pytest.mark.django_db


def post(client, survey_id, answers, key, **headers):
    return client.post(
        f"/api/surveys/{survey_id}/responses",
        {"answers": answers},
        content_type="application/json",
        headers={**auth(key), **headers},
    )


def test_a_valid_response_is_stored_exactly_once(client, survey, raw_key):
    response = post(client, survey.pk, VALID, raw_key)
    assert response.status_code == 201, response.content
    stored = Response.objects.get()
    assert response.json()["id"] == stored.pk
    assert stored.survey == survey and stored.source == "web" and stored.collector_kind == ""
    assert stored.answers == {**VALID, "comments": "Caseloads keep growing."}
    assert stored.instrument_version == 1


def test_synthetic_questionnaires_pass_the_same_checks_unchanged(client, survey, raw_key):
    for answers in generate_answers(50, 3)[:20]:
        response = post(client, survey.pk, answers, raw_key)
        assert response.status_code == 201, response.json()

    def canonical(rows):
        return sorted(json.dumps(r, sort_keys=True) for r in rows)

    stored = Response.objects.values_list("answers", flat=True)
    assert canonical(stored) == canonical(generate_answers(50, 3)[:20])


def test_a_retry_with_the_same_idempotency_key_stores_nothing_more(client, survey, raw_key):
    first = post(client, survey.pk, VALID, raw_key, **{"Idempotency-Key": "form-0001"})
    second = post(client, survey.pk, VALID, raw_key, **{"Idempotency-Key": "form-0001"})
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.json()["replayed"] is True and first.json()["replayed"] is False
    assert Response.objects.count() == 1
    other = post(client, survey.pk, VALID, raw_key, **{"Idempotency-Key": "form-0002"})
    assert other.status_code == 201 and Response.objects.count() == 2


def test_the_same_idempotency_key_with_other_answers_is_refused(client, survey, raw_key):
    post(client, survey.pk, VALID, raw_key, **{"Idempotency-Key": "form-0001"})
    response = post(
        client, survey.pk, {**VALID, "age": 42}, raw_key, **{"Idempotency-Key": "form-0001"}
    )
    assert response.status_code == 409
    assert "Idempotency-Key" in response.json()["message"]
    assert Response.objects.count() == 1


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
    assert not Response.objects.exists()


def test_every_missing_required_answer_is_named(client, survey, raw_key):
    response = post(client, survey.pk, {"nhs_work": "no"}, raw_key)
    assert response.status_code == 422
    named = {e["question"] for e in response.json()["errors"]}
    assert {"employer", "sector", "profession", "raised_concerns", "best_improvement"} <= named
    assert not Response.objects.exists()


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
    assert not Response.objects.exists()


def test_a_closed_survey_takes_no_answers(client, survey, raw_key):
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED)
    response = post(client, survey.pk, VALID, raw_key)
    assert response.status_code == 409
    assert "not open" in response.json()["message"]
    assert not Response.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_too_big_is_413(client, survey, raw_key):
    response = post(client, survey.pk, {**VALID, "comments": "x" * 1500}, raw_key)
    assert response.status_code == 413
    assert "too big" in response.json()["message"]
    assert not Response.objects.exists()


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
    assert response.status_code == 201
    dump = database_text()
    assert IP not in dump and "DistinctiveAgent" not in dump
    assert "form-0042" not in dump  # the idempotency key is kept hashed
    assert IP not in caplog.text and "DistinctiveAgent" not in caplog.text
    stored = Response.objects.get()
    assert not any(isinstance(v, datetime.datetime) for v in vars(stored).values())
