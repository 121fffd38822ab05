"""Owners manage their organisation's members; every change goes to the audit log."""

import pytest

from freeassoc.orgs.models import AuditEvent, Membership
from tests.auth import sign_in

pytestmark = pytest.mark.django_db


def members_url(org):
    return f"/org/organisations/{org.slug}/members/"


def test_the_owner_sees_every_member_and_their_role(client, org, owner, analyst, organiser):
    sign_in(client, owner)
    response = client.get(members_url(org))
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("owen", "ana", "olive"):
        assert name in page


def test_a_role_change_is_made_and_audited(client, org, owner, analyst):
    sign_in(client, owner)
    membership = Membership.objects.get(user=analyst)
    response = client.post(f"{members_url(org)}{membership.pk}/role/", {"role": "organiser"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "organiser"
    event = AuditEvent.objects.get(organisation=org, action="role_change")
    assert event.username == "owen"
    assert event.detail == "ana: Analyst → Organiser"


def test_the_last_owner_cannot_step_down_or_be_removed(client, org, owner):
    sign_in(client, owner)
    mine = Membership.objects.get(user=owner)
    client.post(f"{members_url(org)}{mine.pk}/role/", {"role": "analyst"})
    client.post(f"{members_url(org)}{mine.pk}/remove/")
    mine.refresh_from_db()
    assert mine.role == "owner"
    assert not AuditEvent.objects.filter(action__in=["role_change", "member_remove"]).exists()
    page = client.get(members_url(org)).content.decode()
    assert "An organisation needs at least one owner" in page


def test_an_unknown_role_is_refused(client, org, owner, analyst):
    sign_in(client, owner)
    membership = Membership.objects.get(user=analyst)
    client.post(f"{members_url(org)}{membership.pk}/role/", {"role": "emperor"})
    membership.refresh_from_db()
    assert membership.role == "analyst"


def test_the_owner_removes_a_member(client, org, owner, analyst):
    sign_in(client, owner)
    membership = Membership.objects.get(user=analyst)
    assert client.post(f"{members_url(org)}{membership.pk}/remove/").status_code == 302
    assert not Membership.objects.filter(user=analyst).exists()
    assert AuditEvent.objects.filter(organisation=org, action="member_remove").count() == 1


def test_members_of_another_organisation_cannot_be_touched(client, org, other_org, owner, outsider):
    sign_in(client, owner)
    theirs = Membership.objects.get(user=outsider)
    assert client.post(f"{members_url(org)}{theirs.pk}/remove/").status_code == 404
    assert (
        client.post(f"{members_url(org)}{theirs.pk}/role/", {"role": "delegate"}).status_code == 404
    )
    assert Membership.objects.get(pk=theirs.pk).role == "owner"


def test_only_owners_reach_the_members_page(client, org, analyst, organiser, outsider):
    for user, status in ((analyst, 403), (organiser, 403), (outsider, 404)):
        client.logout()
        sign_in(client, user)
        assert client.get(members_url(org)).status_code == status, user
        target = Membership.objects.filter(organisation=org).first()
        assert client.post(f"{members_url(org)}{target.pk}/remove/").status_code == status
    assert client.get("/org/organisations/no-such-org/members/").status_code == 404
