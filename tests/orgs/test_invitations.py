"""Invitations: a single-use email link, kept only hashed, that expires."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from freeassoc.orgs.models import AuditEvent, Invitation, Membership
from tests.auth import sign_in

pytestmark = pytest.mark.django_db


def invite(client, org, owner, email="ivy@example.org", role="analyst"):
    sign_in(client, owner)
    response = client.post(
        f"/org/organisations/{org.slug}/members/", {"email": email, "role": role}
    )
    assert response.status_code == 302, response.content.decode()
    client.logout()
    (link,) = re.findall(r"http://testserver(/org/invitation/\S+/)", mail.outbox[-1].body)
    return link


def new_account(username="ivy"):
    return {
        "username": username,
        "password1": "ivy's own long phrase",
        "password2": "ivy's own long phrase",
    }


def test_the_invitation_is_emailed_and_only_its_hash_is_kept(client, org, owner):
    link = invite(client, org, owner)
    assert mail.outbox[-1].to == ["ivy@example.org"]
    assert org.name in mail.outbox[-1].subject
    token = link.rstrip("/").rsplit("/", 1)[1]
    invitation = Invitation.objects.get()
    assert token not in invitation.token_hash and len(token) >= 40
    assert AuditEvent.objects.filter(
        organisation=org, action="invitation", detail="Invited ivy@example.org as analyst"
    ).exists()


def test_accepting_makes_an_account_with_the_chosen_role_and_the_link_works_once(
    client, org, owner
):
    link = invite(client, org, owner)
    page = client.get(link).content.decode()
    assert "Join " in page and "analyst" in page
    response = client.post(link, new_account())
    assert response.status_code == 302
    ivy = get_user_model().objects.get(username="ivy")
    assert ivy.email == "ivy@example.org"
    assert Membership.objects.get(user=ivy).role == "analyst"
    assert Invitation.objects.get().accepted_at is not None

    client.logout()
    again = client.get(link)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert client.post(link, new_account("ivy2")).status_code == 410
    assert not get_user_model().objects.filter(username="ivy2").exists()


def test_a_signed_in_person_accepts_into_their_own_account(client, org, owner, outsider):
    link = invite(client, org, owner, email="oscar@example.org", role="delegate")
    sign_in(client, outsider)
    page = client.get(link).content.decode()
    assert "signed in as oscar" in page
    assert client.post(link).status_code == 302
    assert Membership.objects.get(user=outsider, organisation=org).role == "delegate"


def test_an_expired_invitation_is_refused(client, org, owner):
    link = invite(client, org, owner)
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client.post(link, new_account())
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not get_user_model().objects.filter(username="ivy").exists()


def test_an_invitation_lasts_seven_days(client, org, owner):
    invite(client, org, owner)
    invitation = Invitation.objects.get()
    lifetime = invitation.expires_at - invitation.created_at
    assert datetime.timedelta(days=6, hours=23) < lifetime <= datetime.timedelta(days=7)


def test_a_made_up_link_is_refused(client, db):
    response = client.get("/org/invitation/not-a-real-token/")
    assert response.status_code == 410


def test_a_taken_username_gets_a_form_error_and_the_invitation_stays_unused(client, org, owner):
    link = invite(client, org, owner)
    response = client.post(link, new_account("owen"))
    assert response.status_code == 400
    assert "That username is taken" in response.content.decode()
    assert Invitation.objects.get().accepted_at is None


def test_a_withdrawn_invitation_no_longer_works(client, org, owner):
    link = invite(client, org, owner)
    sign_in(client, owner)
    invitation = Invitation.objects.get()
    client.post(f"/org/organisations/{org.slug}/invitations/{invitation.pk}/withdraw/")
    client.logout()
    assert client.get(link).status_code == 410


def test_an_existing_member_cannot_be_invited_again(client, org, owner):
    sign_in(client, owner)
    response = client.post(
        f"/org/organisations/{org.slug}/members/", {"email": "owen@example.org", "role": "analyst"}
    )
    assert response.status_code == 400
    assert not mail.outbox


def test_only_owners_send_invitations(client, org, organiser):
    sign_in(client, organiser)
    response = client.post(
        f"/org/organisations/{org.slug}/members/", {"email": "x@example.org", "role": "owner"}
    )
    assert response.status_code == 403
    assert not mail.outbox and not Invitation.objects.exists()


def test_signing_in_through_the_form_works_after_accepting(client, org, owner):
    link = invite(client, org, owner, role="delegate")
    client.post(link, new_account())
    client.logout()
    response = client.post(
        "/accounts/login/", {"username": "ivy", "password": "ivy's own long phrase"}
    )
    assert response.status_code == 302
    # Everyone, a delegate too, is asked to set up the second step before any other page.
    response = client.get("/org/")
    assert response.status_code == 302
    assert response["Location"].startswith("/org/two-factor/setup/")
