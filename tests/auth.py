"""Accounts in tests, and signing them in as the real two-step sign-in would leave them.

Every signed-in person needs the second step on every page (freeassoc.orgs.middleware), so
`sign_in` is the one way tests sign someone in; `tests/orgs/conftest.password_sign_in` is the
first step alone, for tests about what a password by itself can and cannot do."""

import time

from django.contrib.auth import get_user_model
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from freeassoc.orgs.models import Membership


def member(org, username, role):
    """A new account with `role` in `org`."""
    user = get_user_model().objects.create_user(username, password="correct horse battery")
    Membership.objects.create(organisation=org, user=user, role=role)
    return user


def authenticator(user) -> TOTPDevice:
    """The user's confirmed authenticator app, made if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test phone", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    """The code the phone would show now. The device refuses a time step it has already
    accepted: after a sign-in a moment ago this gives the next step's code (the device
    tolerates one step of clock drift), or waits for a fresh step."""
    while True:
        device.refresh_from_db()
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        if totp.t() > device.last_t:
            break
        if totp.t() + device.tolerance > device.last_t:
            totp.time += device.step * (device.last_t + 1 - totp.t())
            break
        time.sleep(0.5)
    return f"{totp.token():0{device.digits}d}"


def sign_in(client, user):
    """Password sign-in, then the second factor (an authenticator app, made if the person has
    none), recorded in the session exactly where django_otp.login puts it."""
    client.force_login(user)
    device = authenticator(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def phone_for(username: str) -> TOTPDevice:
    """Give the user an authenticator before they sign in through the form, so the sign-in
    asks for its code (without one, it would ask them to set one up)."""
    from django.contrib.auth import get_user_model

    return authenticator(get_user_model().objects.get(username=username))


def second_step_in_browser(page, username: str) -> None:
    """In a Playwright page just past the password: type the authenticator's code."""
    from playwright.sync_api import expect

    device = phone_for(username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    page.get_by_role("textbox", name="Code").fill(current_code(device))
    page.get_by_role("button", name="Confirm").click()
