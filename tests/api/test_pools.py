"""Pools through the API: the pool's published findings, to invited and contributing
organisations (and to everyone once published), and nothing of one organisation's."""

import json

import pytest

from freeassoc.findings.synthetic import generate_answers
from freeassoc.pools import selectors, services
from freeassoc.pools.models import Pool
from tests.pools.conftest import contribute, invite, survey_with_answers

from .conftest import auth

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(org, other_org, owner):
    pool = Pool.objects.create(
        name="National pool", slug="national", instrument_slug="surviving-work",
        instrument_version=1,
    )  # fmt: skip
    answers = generate_answers(90, 11)
    answers[0]["comments"] = "ZEBRA-SECRET-COMMENT"
    theirs = survey_with_answers(other_org, "Theirs", answers)
    contribute(pool, theirs)
    return pool


def test_an_unpublished_pool_is_404_to_a_non_contributor(client, pool, raw_key):
    response = client.get("/api/pools/national/findings", headers=auth(raw_key))
    assert response.status_code == 404
    assert response.json()["message"] == "No such pool."
    assert client.get("/api/pools", headers=auth(raw_key)).json() == []


def test_a_contributor_reads_the_pools_findings(client, pool, their_key):
    response = client.get("/api/pools/national/findings", headers=auth(their_key))
    assert response.status_code == 200
    expected = json.loads(json.dumps(selectors.pool_findings(pool)))
    expected["pool"].setdefault("notice", None)
    assert response.json() == expected
    assert response.json()["respondents"] == 90
    listed = client.get("/api/pools", headers=auth(their_key)).json()
    assert [(p["slug"], p["data_sets"]) for p in listed] == [("national", 1)]


def test_a_published_pool_is_open_to_every_key_and_holds_no_answers(client, pool, raw_key):
    Pool.objects.filter(pk=pool.pk).update(published=True)
    response = client.get("/api/pools/national/findings", headers=auth(raw_key))
    assert response.status_code == 200
    assert response.json()["pool"]["contributors"] == [
        {"organisation": "Another Union", "data_sets": 1}
    ]
    assert "ZEBRA-SECRET-COMMENT" not in response.content.decode()


def test_an_invited_organisation_sees_the_pool_until_it_declines(client, pool, raw_key, org):
    invite(pool, org)
    assert client.get("/api/pools/national/findings", headers=auth(raw_key)).status_code == 200
    assert [p["slug"] for p in client.get("/api/pools", headers=auth(raw_key)).json()] == [
        "national"
    ]
    invitation = selectors.open_invitation(pool.pk, org)
    services.pool_invitation_decline(invitation=invitation, by=None)
    assert client.get("/api/pools/national/findings", headers=auth(raw_key)).status_code == 404
    assert client.get("/api/pools", headers=auth(raw_key)).json() == []
