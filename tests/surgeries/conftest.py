import datetime

import pytest
from django.test import Client
from django.utils import timezone

from freeassoc.surgeries import services
from freeassoc.surgeries.models import Surgery

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    """Most tests join many times from one address; the rate-limit tests turn it back on."""
    settings.FREEASSOC_RATELIMIT = False


@pytest.fixture
def surgery(org):
    return services.surgery_create(
        organisation=org,
        title="Talking therapies team, north of the city",
        kind=Surgery.Kind.TEAM,
        region="north_west",
        sector="nhs",
        delete_on=timezone.localdate() + datetime.timedelta(days=30),
    )


def join(client: Client, surgery: Surgery, pseudonym: str = "", **extra) -> Client:
    """Join by code, accept the ground rules, land on the board."""
    response = client.post("/surgeries/join/", {"code": surgery.code.lower()}, **extra)
    assert response.status_code == 302, response.content[:500]
    rules = response["Location"]
    assert rules == f"/surgeries/s/{surgery.slug}/rules/"
    response = client.post(rules, {"pseudonym": pseudonym, "accept": "on"}, **extra)
    assert response.status_code == 302, response.content[:2000]
    assert response["Location"] == f"/surgeries/s/{surgery.slug}/"
    return client


@pytest.fixture
def participant(surgery):
    return join(Client(), surgery, "Heron")


@pytest.fixture
def another(surgery):
    return join(Client(), surgery, "Maple")


def board_url(surgery, rest=""):
    return f"/surgeries/s/{surgery.slug}/{rest}"


def add_problem(client, surgery, text="Eight clients a day", themes=("caseload",), **extra):
    return client.post(
        board_url(surgery, "problems/"), {"text": text, "themes": list(themes)}, **extra
    )


def move(client, surgery, stage):
    response = client.post(f"/surgeries/{surgery.pk}/stage/", {"stage": stage})
    surgery.refresh_from_db()
    return response
