"""The audit log: sign-ins, role changes, invitations, microdata; for owners only."""

import pytest

from freeassoc.orgs.models import AuditEvent
from freeassoc.orgs.services import audit_record
from tests.auth import sign_in

from .conftest import password_sign_in

pytestmark = pytest.mark.django_db


def audit_url(org):
    return f"/org/organisations/{org.slug}/audit/"


def test_a_sign_in_is_recorded_in_every_organisation_of_the_person(client, org, other_org, analyst):
    from freeassoc.orgs.models import Membership

    Membership.objects.create(organisation=other_org, user=analyst, role="delegate")
    password_sign_in(client, "ana")
    for organisation in (org, other_org):
        event = AuditEvent.objects.get(organisation=organisation, action="sign_in")
        assert event.username == "ana"


def test_a_wrong_password_records_no_sign_in(client, analyst):
    password_sign_in(client, "ana", "not the password")
    assert not AuditEvent.objects.filter(action="sign_in").exists()


def test_the_owner_reads_the_log_newest_first_in_pages(client, org, owner):
    sign_in(client, owner)
    for n in range(60):
        audit_record(organisation=org, user=owner, action="export", detail=f"entry {n:02d}")
    first = client.get(audit_url(org)).content.decode()
    assert "entry 59" in first and "entry 10" in first and "entry 09" not in first
    assert first.index("entry 59") < first.index("entry 58")
    assert "Page 1 of 2" in first
    second = client.get(audit_url(org) + "?page=2").content.decode()
    assert "entry 09" in second and "entry 59" not in second
    # A page number that makes no sense still gives a page, not an error.
    assert client.get(audit_url(org) + "?page=zzz").status_code == 200


def test_another_organisation_s_events_are_not_shown(client, org, other_org, owner, outsider):
    audit_record(organisation=other_org, user=outsider, action="export", detail="their export")
    sign_in(client, owner)
    assert "their export" not in client.get(audit_url(org)).content.decode()


def test_only_owners_read_the_log(client, org, analyst, organiser, delegate, outsider):
    audit_record(organisation=org, user=analyst, action="export", detail="secret-ish")
    for user, status in ((analyst, 403), (organiser, 403), (delegate, 403), (outsider, 404)):
        client.logout()
        sign_in(client, user)
        response = client.get(audit_url(org))
        assert response.status_code == status, user
        assert "secret-ish" not in response.content.decode()
    client.logout()
    assert client.get(audit_url(org)).status_code == 302  # to sign in
