"""Two-factor sign-in: setting it up, the second step, codes and their throttling."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from freeassoc.orgs.models import AuditEvent
from freeassoc.surveys.access import survey_for_user
from tests.auth import authenticator, current_code, sign_in

from .conftest import password_sign_in

pytestmark = pytest.mark.django_db


def export_url(survey):
    return f"/org/surveys/{survey.pk}/export/csv/"


def survey_url(survey):
    return f"/org/surveys/{survey.pk}/"


def test_an_analyst_with_only_a_password_is_turned_away_from_an_export_and_a_survey(
    client, analyst, survey
):
    authenticator(analyst)
    password_sign_in(client, "ana")
    for url in (export_url(survey), survey_url(survey), "/org/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/org/two-factor/?next="), url
    assert not AuditEvent.objects.filter(action="export").exists()


def test_with_a_verified_code_the_analyst_gets_through(client, analyst, survey):
    device = authenticator(analyst)
    password_sign_in(client, "ana")
    response = client.post(
        "/org/two-factor/", {"code": current_code(device), "next": export_url(survey)}
    )
    assert response.status_code == 302 and response["Location"] == export_url(survey)
    export = client.get(export_url(survey))
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    assert client.get(survey_url(survey)).status_code == 200
    assert AuditEvent.objects.filter(
        action="sign_in", detail="Confirmed the sign-in with an authenticator code"
    ).exists()


def test_a_wrong_code_is_refused(client, analyst, survey):
    device = authenticator(analyst)
    password_sign_in(client, "ana")
    right = current_code(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post("/org/two-factor/", {"code": wrong})
    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    assert client.get(export_url(survey)).status_code == 302
    for nonsense in ("", "abc", "1" * 19):
        assert client.post("/org/two-factor/", {"code": nonsense}).status_code == 400
    assert client.get(export_url(survey)).status_code == 302


def test_wrong_codes_are_throttled_even_the_right_one_waits(client, analyst, survey):
    device = authenticator(analyst)
    password_sign_in(client, "ana")
    right = current_code(device)
    for _ in range(3):
        client.post("/org/two-factor/", {"code": "000000" if right != "000000" else "111111"})
    response = client.post("/org/two-factor/", {"code": right})
    assert response.status_code == 400
    assert "Too many wrong codes" in response.content.decode()
    assert client.get(export_url(survey)).status_code == 302
    # Once the wait is over, the right code works.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(hours=1)
    )
    assert client.post("/org/two-factor/", {"code": right}).status_code == 302
    assert client.get(export_url(survey)).status_code == 200


def test_a_code_cannot_be_used_twice(client, analyst, survey):
    device = authenticator(analyst)
    code = current_code(device)
    password_sign_in(client, "ana")
    assert client.post("/org/two-factor/", {"code": code}).status_code == 302
    client.logout()
    password_sign_in(client, "ana")
    assert client.post("/org/two-factor/", {"code": code}).status_code == 400


def test_setting_up_shows_a_qr_code_made_here_and_the_key_then_backup_codes_once(
    client, analyst, survey
):
    password_sign_in(client, "ana")
    response = client.get(export_url(survey))
    assert response["Location"].startswith("/org/two-factor/setup/")
    page = client.get("/org/two-factor/setup/").content.decode()
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert "http" not in svg and "style" not in svg  # drawn here; no inline style under CSP
    assert "<img" not in page
    device = TOTPDevice.objects.get(user=analyst)
    assert not device.confirmed
    # The key in text, as an app would take it by hand, is this device's key.
    shown = re.search(r'<code class="secret" id="secret">([A-Z2-7 ]+)</code>', page).group(1)
    from base64 import b32decode

    assert b32decode(shown.replace(" ", "")) == device.bin_key
    # The same QR code on reload: the pending device is kept.
    assert client.get("/org/two-factor/setup/").content.decode().count(shown) == 1

    wrong = client.post("/org/two-factor/setup/", {"code": "12345"})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    # Another try at once waits for the throttle; we let a second pass.
    assert (
        "Too many wrong codes"
        in client.post("/org/two-factor/setup/", {"code": current_code(device)}).content.decode()
    )
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(seconds=2)
    )
    response = client.post("/org/two-factor/setup/", {"code": current_code(device)})
    assert response.status_code == 200
    page = response.content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", page)
    assert len(codes) == 10
    assert sorted(codes) == sorted(StaticToken.objects.values_list("token", flat=True))
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(export_url(survey)).status_code == 200

    # Later the status page shows how many are left, not the codes.
    status = client.get("/org/two-factor/setup/").content.decode()
    assert "10 unused backup codes" in status and codes[0] not in status

    # A backup code signs in once.
    client.logout()
    password_sign_in(client, "ana")
    assert client.post("/org/two-factor/", {"code": codes[0]}).status_code == 302
    assert client.get(export_url(survey)).status_code == 200
    client.logout()
    password_sign_in(client, "ana")
    assert client.post("/org/two-factor/", {"code": codes[0]}).status_code == 400


def test_a_password_alone_cannot_add_another_authenticator(client, analyst):
    original = authenticator(analyst)
    password_sign_in(client, "ana")
    response = client.get("/org/two-factor/setup/?replace=1")
    assert response["Location"].startswith("/org/two-factor/?")
    client.post("/org/two-factor/setup/", {"code": "123456"})
    assert list(TOTPDevice.objects.filter(user=analyst)) == [original]


def test_new_backup_codes_need_a_confirmed_session(client, analyst):
    authenticator(analyst)
    password_sign_in(client, "ana")
    response = client.post("/org/two-factor/backup-codes/")
    assert response.status_code == 302 and response["Location"] == "/org/two-factor/"
    assert not StaticToken.objects.exists()


def test_an_organiser_needs_it_for_a_surgery_facilitator_page(client, organiser):
    password_sign_in(client, "olive")
    response = client.get("/surgeries/new/")
    assert response.status_code == 302 and "/org/two-factor/" in response["Location"]
    sign_in(client, organiser)
    assert client.get("/surgeries/new/").status_code == 200


def test_the_survey_access_check_refuses_an_unconfirmed_session_behind_the_middleware(
    analyst, outsider, survey
):
    # A user object that never went through the two-factor step (no session, no device).
    with pytest.raises(PermissionDenied):
        survey_for_user(analyst, survey.pk)
    # Outsiders still get a 404 first: the check does not reveal that the survey exists.
    with pytest.raises(Http404):
        survey_for_user(outsider, survey.pk)


def test_the_second_step_needs_a_signed_in_person(client):
    response = client.get("/org/two-factor/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
