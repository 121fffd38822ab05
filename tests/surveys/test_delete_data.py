"""An organisation deletes its data set (DESIGN.md: special-category data)."""

import pytest
from django.urls import reverse

from freeassoc.findings import cache, engine
from freeassoc.orgs.models import AuditEvent, Membership
from freeassoc.surveys.models import Draft, HeldAnswers, Response
from tests.auth import member, sign_in

pytestmark = pytest.mark.django_db


def respond(survey, count):
    for i in range(count):
        Response.objects.create(
            survey=survey, collector_kind="open", instrument_version=1,
            submitted_on="2026-03-02", answers={"nhs_work": "direct", "comments": f"note {i}"},
        )  # fmt: skip


def test_the_owner_deletes_every_response_held_answer_and_draft(
    client, org, survey, open_link, django_capture_on_commit_callbacks
):
    owner = member(org, "owen", Membership.Role.OWNER)
    respond(survey, 12)
    Draft.objects.create(
        survey=survey, collector_kind="open", key_hash="k" * 64, expires_on="2030-01-01"
    )
    HeldAnswers.objects.create(survey=survey, instrument_version=1, answers={"nhs_work": "no"})
    engine.report_for_surveys([survey])
    assert cache.path_for(survey).exists()
    sign_in(client, owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("surveys:delete_data", args=[survey.pk]), {"confirm": survey.title}
        )
    assert response.status_code == 302
    assert not Response.objects.filter(survey=survey).exists()
    assert not Draft.objects.filter(survey=survey).exists()
    assert not HeldAnswers.objects.filter(survey=survey).exists()  # closing added none of them
    survey.refresh_from_db()
    assert survey.status == "closed"
    assert not cache.path_for(survey).exists()
    event = AuditEvent.objects.get(organisation=org, action=AuditEvent.Action.DELETE)
    assert event.username == "owen" and "12 responses" in event.detail
    page = client.get(response["Location"]).content.decode()
    assert "Deleted 12 responses" in page


def test_a_wrong_title_deletes_nothing(client, org, survey):
    owner = member(org, "owen", Membership.Role.OWNER)
    respond(survey, 3)
    sign_in(client, owner)
    client.post(reverse("surveys:delete_data", args=[survey.pk]), {"confirm": "yes"})
    assert Response.objects.filter(survey=survey).count() == 3
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DELETE).exists()


@pytest.mark.parametrize("role", ["organiser", "analyst", "delegate"])
def test_only_owners_may_delete(client, org, survey, role):
    someone = member(org, "sam", role)
    respond(survey, 3)
    sign_in(client, someone)
    response = client.post(
        reverse("surveys:delete_data", args=[survey.pk]), {"confirm": survey.title}
    )
    assert response.status_code == 403
    assert Response.objects.filter(survey=survey).count() == 3
