"""Keys: stored hashed, refused when revoked; one organisation's key reaches only its own
surveys."""

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from freeassoc.api import services
from freeassoc.api.models import ApiKey
from freeassoc.findings import reports
from freeassoc.orgs.models import AuditEvent, Membership
from freeassoc.surveys.models import Response, Survey
from tests.auth import sign_in

from .conftest import VALID, auth, member

pytestmark = pytest.mark.django_db


def every_stored_value() -> str:
    """Every row of every table, as text: what someone with a copy of the database has."""
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            out.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(out)


def test_owner_makes_a_key_shown_once_and_stored_only_hashed(client, org, owner):
    sign_in(client, owner)
    url = reverse("apikeys:keys", args=[org.slug])
    page = client.post(url, {"name": "Branch database"}).content.decode()
    key = ApiKey.objects.get()
    raw = page.split('<code class="code">')[1].split("</code>")[0]
    assert raw.startswith(key.prefix) and len(raw) > 40
    assert raw not in every_stored_value()
    assert key.prefix in every_stored_value()
    assert raw not in client.get(url).content.decode()
    assert client.get("/api/surveys", headers=auth(raw)).status_code == 200
    assert AuditEvent.objects.filter(organisation=org, action="api_key_create").exists()


def test_only_owners_reach_the_keys_page(client, org, organiser, outsider):
    url = reverse("apikeys:keys", args=[org.slug])
    sign_in(client, organiser)
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Sneaky"}).status_code == 403
    sign_in(client, outsider)
    assert client.get(url).status_code == 404
    assert not ApiKey.objects.exists()


def test_a_key_needs_a_name(client, org, owner):
    sign_in(client, owner)
    response = client.post(reverse("apikeys:keys", args=[org.slug]), {"name": ""})
    assert response.status_code == 400
    assert "Give the key a name" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_a_revoked_key_is_401(client, org, owner, raw_key):
    assert client.get("/api/surveys", headers=auth(raw_key)).status_code == 200
    sign_in(client, owner)
    key = ApiKey.objects.get()
    response = client.post(reverse("apikeys:revoke", args=[org.slug, key.pk]))
    assert response.status_code == 302
    client.logout()
    response = client.get("/api/surveys", headers=auth(raw_key))
    assert response.status_code == 401
    assert "revoked" in response.json()["message"]
    assert AuditEvent.objects.filter(organisation=org, action="api_key_revoke").exists()


def test_another_organisation_cannot_revoke_our_key(client, org, outsider, raw_key):
    sign_in(client, outsider)
    key = ApiKey.objects.get()
    assert client.post(reverse("apikeys:revoke", args=[org.slug, key.pk])).status_code == 404
    assert ApiKey.objects.get().revoked_at is None


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer fa_nonsense"}, {"Authorization": "Basic dXNlcjpwYXNz"},
     {"Authorization": "Bearer "}],
)  # fmt: skip
def test_a_missing_or_unknown_key_is_401_with_a_message(client, survey, headers):
    for path in ("/api/surveys", f"/api/surveys/{survey.pk}", f"/api/surveys/{survey.pk}/findings",
                 "/api/pools"):  # fmt: skip
        response = client.get(path, headers=headers)
        assert response.status_code == 401
        assert "API key" in response.json()["message"]


def test_a_key_lists_only_its_organisations_surveys(client, org, other_org, survey, raw_key):
    Survey.objects.create(
        organisation=other_org, title="Theirs", instrument_slug="surviving-work",
        instrument_version=1,
    )  # fmt: skip
    listed = client.get("/api/surveys", headers=auth(raw_key)).json()
    assert [s["title"] for s in listed] == ["Working conditions 2026"]


def test_another_organisations_survey_is_404_everywhere(client, survey, their_key):
    for path in (f"/api/surveys/{survey.pk}", f"/api/surveys/{survey.pk}/findings"):
        response = client.get(path, headers=auth(their_key))
        assert response.status_code == 404
        assert response.json()["message"] == "No such survey."
    response = client.post(
        f"/api/surveys/{survey.pk}/responses",
        {"answers": VALID},
        content_type="application/json",
        headers=auth(their_key),
    )
    assert response.status_code == 404
    assert not Response.objects.exists()


def test_no_endpoint_returns_answers(client, survey, raw_key):
    client.post(
        f"/api/surveys/{survey.pk}/responses", {"answers": VALID},
        content_type="application/json", headers=auth(raw_key),
    )  # fmt: skip
    for path in ("/api/surveys", f"/api/surveys/{survey.pk}", f"/api/surveys/{survey.pk}/findings"):
        assert (
            "Caseloads keep growing" not in client.get(path, headers=auth(raw_key)).content.decode()
        )


def test_survey_detail_gives_the_questions_to_answer(client, survey, raw_key):
    body = client.get(f"/api/surveys/{survey.pk}", headers=auth(raw_key)).json()
    questions = {q["id"]: q for q in body["questions"]}
    assert body["instrument"] == "surviving-work@1" and body["responses"] == 0
    assert questions["roles"]["type"] == "multiple"
    assert {"code": "none", "label": "None of these"} in questions["roles"]["options"]
    assert questions["iapt_postgrad_before"]["page_show_if"]["question"] == "iapt_relation"


def test_findings_are_the_published_findings_of_the_survey(client, survey, raw_key):
    from freeassoc.findings.synthetic import generate_answers

    Response.objects.bulk_create(
        Response(survey=survey, instrument_version=1, submitted_on="2026-03-01", answers=a)
        for a in generate_answers(120, 8)
    )
    body = client.get(f"/api/surveys/{survey.pk}/findings", headers=auth(raw_key)).json()
    expected = reports.survey_findings(survey)
    expected["survey"].setdefault("notice", None)
    assert body == expected
    assert body["respondents"] == 120


@override_settings(FREEASSOC_RATELIMIT_API="3/m", FREEASSOC_RATELIMIT=True)
def test_requests_over_the_keys_rate_are_429(client, raw_key):
    statuses = [client.get("/api/surveys", headers=auth(raw_key)).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_the_key_notes_the_day_it_was_last_used(client, raw_key):
    assert ApiKey.objects.get().last_used_on is None
    client.get("/api/surveys", headers=auth(raw_key))
    assert ApiKey.objects.get().last_used_on is not None


def test_a_revoked_key_by_service_too(org, owner, raw_key):
    key = ApiKey.objects.get()
    services.api_key_revoke(key=key, user=owner)
    assert services.api_key_authenticate(raw_key) is None


def test_owner_page_lists_keys_by_prefix(client, org, owner, raw_key):
    member(org, "second-owner", Membership.Role.OWNER)
    sign_in(client, owner)
    page = client.get(reverse("apikeys:keys", args=[org.slug])).content.decode()
    assert ApiKey.objects.get().prefix in page and "Branch database" in page
    assert raw_key not in page
