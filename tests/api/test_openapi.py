"""The API describes itself, and holds to the description under property-based testing:
schemathesis generates requests for every operation from the OpenAPI document the app serves,
with a valid key and without, and checks that no answer is a 5xx and every answer conforms
to the document (status codes, content types, bodies)."""

import re

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from .conftest import auth

pytestmark = pytest.mark.django_db


def test_the_openapi_document_is_served_and_lists_every_operation(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths) == {
        "/api/surveys", "/api/surveys/{survey_id}", "/api/surveys/{survey_id}/responses",
        "/api/surveys/{survey_id}/findings", "/api/surveys/{survey_id}/imports", "/api/pools",
        "/api/pools/{slug}/findings",
    }  # fmt: skip


def test_no_third_party_docs_page_but_a_plain_reference(client):
    assert client.get("/api/docs").status_code == 404
    page = client.get("/api/").content.decode()
    assert "POST /api/surveys/{survey_id}/responses" in page
    assert "<script" not in page
    assert not re.search(r"(src|href)=\"https?://", page)


# Loaded from the running application (in process, through WSGI) as a client would load it.
# Reading the document touches no database, so it can be loaded when the tests are collected.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())


@pytest.fixture(autouse=True)
def _keep_the_tests_connection():
    """Requests go straight to the WSGI handler, whose end-of-request signal would close the
    test's database connection (and its transaction) on PostgreSQL. Django's test client
    does the same as this while it makes a request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# Bounded so the whole file runs in well under a minute.
FEW = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def checks_for(case) -> dict:
    """All of schemathesis's checks, but one where it cannot apply: a posted questionnaire (or
    an imported file and its mapping) can match the document's shape and still be wrong for
    the instrument (a required question unanswered, a code it does not have), which is a 422,
    not the 2xx that positive_data_acceptance expects of every schema-valid body."""
    if case.operation.path.endswith(("/responses", "/imports")):
        return {"excluded_checks": [positive_data_acceptance]}
    return {}


@schema.parametrize()
@FEW
def test_every_operation_with_a_key(case, raw_key, survey):
    case.call_and_validate(headers=auth(raw_key), **checks_for(case))
    # And, for well-formed requests, at the one survey that exists, so that the operations'
    # success paths (and the answer checks behind them) are exercised too.
    positive = case.meta is None or not case.meta.generation.mode.is_negative
    if positive and "survey_id" in (case.path_parameters or {}):
        case.path_parameters["survey_id"] = survey.pk
        case.call_and_validate(headers=auth(raw_key), **checks_for(case))


@schema.parametrize()
@FEW
def test_every_operation_without_a_key(case, survey):
    response = case.call_and_validate(**checks_for(case))
    assert not 200 <= response.status_code < 300
