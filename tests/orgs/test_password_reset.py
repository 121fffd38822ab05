"""Password reset through Django's own views, by email."""

import re

import pytest
from django.core import mail

from .conftest import password_sign_in

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_offers_a_reset(client):
    assert 'href="/accounts/password_reset/"' in client.get("/accounts/login/").content.decode()


def test_the_reset_email_s_link_sets_a_new_password_once(client, owner):
    response = client.post("/accounts/password_reset/", {"email": "owen@example.org"})
    assert response.status_code == 302
    assert "Check your email" in client.get(response["Location"]).content.decode()
    (message,) = mail.outbox
    assert message.to == ["owen@example.org"]
    assert message.subject == "Reset your Free Association password"
    (link,) = re.findall(r"http://testserver(/accounts/reset/\S+/)", message.body)

    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "a brand new phrase", "new_password2": "a brand new phrase"}
    )
    assert done.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("a brand new phrase")
    assert password_sign_in(client, "owen", "a brand new phrase").status_code == 302

    client.logout()
    again = client.get(link, follow=True)
    assert "This link cannot be used" in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, owner):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert not mail.outbox
