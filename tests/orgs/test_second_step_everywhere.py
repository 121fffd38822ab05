"""The second step guards everything a signed-in person can reach, whoever they are.

Each test plays someone who has learnt a password (phished, reused, shoulder-surfed) but not
the second factor, and tries what worked before the second step covered the whole site.
"""

import re
from base64 import b32decode

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from freeassoc.groups import services as group_services
from freeassoc.groups.models import LocalGroup, Network
from freeassoc.orgs.models import Membership
from freeassoc.surveys.models import Survey
from tests.auth import authenticator, current_code

from .conftest import PASSWORD, password_sign_in

pytestmark = pytest.mark.django_db

ATTACKER = "attacker@elsewhere.example"


@pytest.fixture
def group(org):
    network = Network.objects.create(
        name="Counsellors Together UK", slug="ctuk", kind="workers_group",
        description="Counsellors organising.", approved=True,
    )  # fmt: skip
    return group_services.local_group_create(
        organisation=org, network=network, name="Leeds counsellors", meets="in_person",
        region="yorkshire", town="Leeds", frequency="monthly", who_for="Counsellors.",
        contact_email="real.contact@group.example", areas=["LS"],
    )  # fmt: skip


def _edit_form(group, **change):
    return {
        "organisation": group.organisation.pk, "network": group.network.pk,
        "name": group.name, "meets": "in_person", "town": "Leeds", "region": "yorkshire",
        "areas": "LS", "frequency": "monthly", "who_for": group.who_for,
        "contact_email": group.contact_email, **change,
    }  # fmt: skip


def _to_second_step(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/org/two-factor/")


def test_a_password_alone_cannot_redirect_a_groups_join_requests(client, organiser, group):
    authenticator(organiser)
    password_sign_in(client, "olive")
    assert _to_second_step(client.get(f"/groups/{group.slug}/edit/"))
    response = client.post(f"/groups/{group.slug}/edit/", _edit_form(group, contact_email=ATTACKER))
    assert _to_second_step(response)
    group.refresh_from_db()
    assert group.contact_email == "real.contact@group.example"
    # A worker's join request still goes to the real contact.
    Client().post(
        f"/groups/{group.slug}/", {"message": "I'd like to join", "email": "w@example.org"}
    )
    assert [m.to for m in mail.outbox] == [["real.contact@group.example"]]
    assert client.post(f"/groups/{group.slug}/remove/").status_code == 302
    assert LocalGroup.objects.filter(pk=group.pk).exists()


def test_a_password_alone_reaches_neither_the_password_change_nor_unpublished_titles(
    client, analyst, org
):
    Survey.objects.create(
        organisation=org, title="Bullying at Trust X (not published)",
        instrument_slug="surviving-work", instrument_version=1,
    )  # fmt: skip
    authenticator(analyst)
    password_sign_in(client, "ana")
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": "taken over now", "new_password2":
         "taken over now"},
    )  # fmt: skip
    assert _to_second_step(response)
    assert get_user_model().objects.get(pk=analyst.pk).check_password(PASSWORD)
    for url in ("/accounts/password_change/", "/org/", "/findings/", "/pools/", "/groups/mine/"):
        response = client.get(url)
        assert _to_second_step(response), url
        assert "Bullying at Trust X" not in response.content.decode()


def test_a_password_alone_cannot_enrol_an_app_when_backup_codes_are_the_only_factor(
    client, analyst, survey
):
    device = StaticDevice.objects.create(user=analyst, name="Backup codes", confirmed=True)
    StaticToken.objects.create(device=device, token="realcode1")
    password_sign_in(client, "ana")
    page = client.get("/org/two-factor/setup/")
    # Whatever the page offers, try to finish an enrolment of the attacker's own app.
    shown = re.search(r'id="secret">([A-Z2-7 ]+)<', page.content.decode())
    if shown:
        key = b32decode(shown.group(1).replace(" ", ""))
        client.post("/org/two-factor/setup/", {"code": f"{TOTP(key).token():06d}"})
    else:
        assert _to_second_step(page) and page["Location"].startswith("/org/two-factor/?")
        client.post("/org/two-factor/setup/", {"code": "123456"})
    assert not TOTPDevice.objects.filter(user=analyst, confirmed=True).exists()
    assert _to_second_step(client.get(f"/org/surveys/{survey.pk}/export/csv/"))


def test_the_session_key_changes_with_the_second_step(client, analyst, survey):
    device = authenticator(analyst)
    password_sign_in(client, "ana")
    before = client.cookies["sessionid"].value
    assert client.post("/org/two-factor/", {"code": current_code(device)}).status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    assert client.get(f"/org/surveys/{survey.pk}/").status_code == 200
    # Whoever saw the cookie before the second step holds nothing now.
    stale = Client()
    stale.cookies["sessionid"] = before
    response = stale.get(f"/org/surveys/{survey.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_delegate_needs_the_second_step_too(client, delegate):
    password_sign_in(client, "dee")
    response = client.get("/org/")
    assert response.status_code == 302 and response["Location"].startswith("/org/two-factor/setup/")


def test_a_group_contact_outside_any_organisation_needs_it_to_run_surgeries(client, group):
    contact = get_user_model().objects.create_user("convenor", password=PASSWORD)
    LocalGroup.objects.filter(pk=group.pk).update(contact_user=contact)
    assert not Membership.objects.filter(user=contact).exists()
    password_sign_in(client, "convenor")
    for url in ("/surgeries/", "/surgeries/new/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/org/two-factor/setup/"), url
    assert "Leeds counsellors" not in client.get("/surgeries/new/").content.decode()


def test_staff_need_it_for_the_admin(client, staff):
    authenticator(staff)
    password_sign_in(client, "stella")
    for url in ("/admin/", "/admin/auth/user/", "/org/approvals/"):
        assert _to_second_step(client.get(url)), url


def test_pages_that_show_nothing_private_stay_open_between_the_two_steps(client, analyst):
    authenticator(analyst)
    password_sign_in(client, "ana")
    for url in ("/", "/privacy/", "/org/two-factor/"):
        assert client.get(url).status_code == 200, url
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/org/two-factor/").status_code == 302  # signed out now
