"""An owner resets the second factor of a member who lost phone and backup codes: audited in
every organisation the member belongs to, the member told; then, and only then, the member's
password alone sets up a new app."""

import re
from base64 import b32decode

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from freeassoc.orgs.models import AuditEvent, Membership
from tests.auth import authenticator, member, sign_in

from .conftest import password_sign_in

pytestmark = pytest.mark.django_db


def reset_url(membership):
    return reverse(
        "orgs:member_two_factor_reset", args=[membership.organisation.slug, membership.pk]
    )


def lost_everything(user):
    """An app and one backup code, neither of which the person has any more."""
    authenticator(user)
    device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    StaticToken.objects.create(device=device, token="lostcode1")


def test_an_owner_resets_a_member_who_then_sets_up_a_new_app(
    client, owner, analyst, org, other_org, django_capture_on_commit_callbacks
):
    analyst.email = "ana@example.org"
    analyst.save()
    Membership.objects.create(organisation=other_org, user=analyst, role="analyst")
    lost_everything(analyst)
    membership = Membership.objects.get(organisation=org, user=analyst)

    # Before the reset, the password alone cannot set up an app.
    theirs = Client()
    password_sign_in(theirs, "ana")
    assert theirs.get("/org/two-factor/setup/")["Location"].startswith("/org/two-factor/?")

    sign_in(client, owner)
    page = client.get(reverse("orgs:members", args=[org.slug])).content.decode()
    assert f'action="{reset_url(membership)}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reset_url(membership))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=analyst).exists()
    assert not StaticDevice.objects.filter(user=analyst).exists()
    events = AuditEvent.objects.filter(action="two_factor_reset")
    assert {e.organisation for e in events} == {org, other_org}
    assert all(e.user == owner and "ana" in e.detail for e in events)
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    assert "owen" in mail.outbox[0].body

    # Now the member sets up a new app with the password alone.
    setup = theirs.get("/org/two-factor/setup/")
    assert setup.status_code == 200
    key = re.search(r'id="secret">([A-Z2-7 ]+)<', setup.content.decode()).group(1)
    code = TOTP(b32decode(key.replace(" ", ""))).token()
    assert theirs.post("/org/two-factor/setup/", {"code": f"{code:06d}"}).status_code == 200
    assert TOTPDevice.objects.get(user=analyst).confirmed


def test_a_reset_ends_the_members_confirmed_sessions(client, owner, analyst, org, survey):
    lost_everything(analyst)
    theirs = Client()
    sign_in(theirs, analyst)
    assert theirs.get(f"/org/surveys/{survey.pk}/").status_code == 200
    sign_in(client, owner)
    client.post(reset_url(Membership.objects.get(organisation=org, user=analyst)))
    response = theirs.get(f"/org/surveys/{survey.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/org/two-factor/setup/")


def test_only_an_owner_resets_and_never_their_own_or_an_administrators(
    client, owner, organiser, analyst, org
):
    lost_everything(analyst)
    target = Membership.objects.get(organisation=org, user=analyst)
    sign_in(client, organiser)
    assert client.post(reset_url(target)).status_code == 403

    sign_in(client, owner)
    own = Membership.objects.get(organisation=org, user=owner)
    client.post(reset_url(own))
    assert TOTPDevice.objects.filter(user=owner).exists()

    staff = member(org, "stan", "analyst")
    get_user_model().objects.filter(pk=staff.pk).update(is_staff=True)
    lost_everything(staff)
    response = client.post(reset_url(Membership.objects.get(user=staff)), follow=True)
    assert "another administrator" in response.content.decode()
    assert TOTPDevice.objects.filter(user=staff).exists()
    assert TOTPDevice.objects.filter(user=analyst).exists()
    assert not AuditEvent.objects.filter(action="two_factor_reset").exists()
