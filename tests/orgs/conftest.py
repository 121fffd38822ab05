import pytest
from django.contrib.auth import get_user_model

from freeassoc.orgs.models import Membership

# The browser and its pages, for test_browser.py (started only when a test asks for them).
from tests.browser.conftest import chromium, new_context, screenshots, server  # noqa: F401

PASSWORD = "correct horse battery"


@pytest.fixture
def owner(org):
    user = get_user_model().objects.create_user("owen", email="owen@example.org", password=PASSWORD)
    Membership.objects.create(organisation=org, user=user, role=Membership.Role.OWNER)
    return user


@pytest.fixture
def delegate(org):
    user = get_user_model().objects.create_user("dee", password=PASSWORD)
    Membership.objects.create(organisation=org, user=user, role=Membership.Role.DELEGATE)
    return user


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(
        "stella", email="stella@example.org", password=PASSWORD, is_staff=True
    )


def password_sign_in(client, username, password=PASSWORD):
    """The real first step: the sign-in form."""
    return client.post("/accounts/login/", {"username": username, "password": password})
