"""`freeassoc demo`: what it prints is enough to sign in as the demo owner, second step
included, and to reach the synthetic survey, its findings and its answers."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client


@pytest.mark.django_db
def test_the_printed_sign_in_and_backup_codes_reach_the_demo_survey():
    out = io.StringIO()
    call_command("demo", no_serve=True, responses=60, stdout=out)
    printed = out.getvalue()
    username = re.search(r"username: (\S+)", printed).group(1)
    password = re.search(r"password: (\S+)", printed).group(1)
    codes = re.search(r"each works once: (.+)", printed).group(1).split(", ")
    assert len(codes) == 3

    client = Client()
    signed = client.post("/accounts/login/", {"username": username, "password": password})
    assert signed.status_code == 302
    # Answers are behind the second step.
    held = client.get("/org/")
    assert held.status_code == 302 and "/org/two-factor/" in held["Location"]
    confirmed = client.post("/org/two-factor/", {"code": codes[0]})
    assert confirmed.status_code == 302

    dashboard = client.get("/org/")
    assert dashboard.status_code == 200
    assert "Surviving Work Survey (synthetic demo)" in dashboard.content.decode()
    # A code works once.
    again = Client()
    again.post("/accounts/login/", {"username": username, "password": password})
    assert again.post("/org/two-factor/", {"code": codes[0]}).status_code == 400
    assert again.get("/org/").status_code == 302


@pytest.mark.django_db
def test_the_printed_findings_address_is_public():
    out = io.StringIO()
    call_command("demo", no_serve=True, responses=60, stdout=out)
    address = re.search(r"published findings \(synthetic\):\s+\S+?(/findings/\d+/)", out.getvalue())
    page = Client().get(address.group(1))
    assert page.status_code == 200
    assert "Synthetic demo data" in page.content.decode()
