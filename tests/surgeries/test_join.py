"""Joining: a short code, no account, ground rules first, a seat kept only as a hash."""

import pytest
from django.test import Client

from freeassoc.surgeries import services
from freeassoc.surgeries.models import Seat, Surgery

from .conftest import board_url, join


def test_someone_joins_by_code_without_an_account(client, surgery):
    join(client, surgery, "Heron")
    board = client.get(board_url(surgery))
    assert board.status_code == 200
    assert "You are <strong>Heron</strong>" in board.text
    assert "_auth_user_id" not in client.session
    seat = Seat.objects.get()
    assert seat.pseudonym == "Heron"
    assert client.cookies["fa_seat"]["path"] == board_url(surgery)
    assert client.cookies["fa_seat"]["httponly"]


def test_the_code_is_short_and_unambiguous(surgery):
    assert len(surgery.code) == 6
    assert not set(surgery.code) & set("01OIL")


def test_a_pseudonym_is_optional(client, surgery):
    join(client, surgery)
    assert "without a name" in client.get(board_url(surgery)).text
    assert Seat.objects.get().pseudonym == ""


def test_the_code_can_be_typed_with_spaces_and_in_lower_case(client, surgery):
    code = surgery.code.lower()
    response = client.post("/surgeries/join/", {"code": f" {code[:3]} {code[3:]} "})
    assert response["Location"] == f"/surgeries/s/{surgery.slug}/rules/"


def test_a_wrong_code_is_refused_with_a_sentence(client, surgery):
    wrong = "ABCDEF" if surgery.code != "ABCDEF" else "GHJKMN"
    response = client.post("/surgeries/join/", {"code": wrong})
    assert response.status_code == 400
    assert "There is no surgery with that code" in response.text
    response = client.post("/surgeries/join/", {"code": "ABC"})
    assert "has 6 letters and numbers" in response.text


def test_the_ground_rules_come_first_and_must_be_accepted(client, surgery):
    # Straight to the board without a seat: sent to the rules.
    response = client.get(board_url(surgery))
    assert response.status_code == 302 and response["Location"].endswith("/rules/")
    rules = client.get(board_url(surgery, "rules/"))
    for rule in ["Confidentiality.", "Solidarity.", "No names of third parties."]:
        assert rule in rules.text
    refused = client.post(board_url(surgery, "rules/"), {"pseudonym": "Heron"})
    assert refused.status_code == 400
    assert "agree to the ground rules" in refused.text
    assert not Seat.objects.exists()
    assert client.get(board_url(surgery)).status_code == 302


def test_nothing_on_the_board_can_be_posted_without_a_seat(client, surgery):
    response = client.post(board_url(surgery, "problems/"), {"text": "x", "themes": ["pay"]})
    assert response.status_code == 302 and response["Location"].endswith("/rules/")
    assert not surgery.problems.exists()


def test_a_closed_surgery_takes_no_one_new(client, surgery):
    Surgery.objects.filter(pk=surgery.pk).update(stage=Surgery.Stage.CLOSED)
    response = client.post("/surgeries/join/", {"code": surgery.code})
    assert response.status_code == 400 and "has closed" in response.text
    response = client.post(board_url(surgery, "rules/"), {"accept": "on"})
    assert not Seat.objects.exists()


def test_the_seat_key_is_stored_only_as_a_hash(client, surgery):
    join(client, surgery)
    key = client.cookies["fa_seat"].value
    seat = Seat.objects.get()
    assert seat.key_hash == services.digest(key) and key not in seat.key_hash


def test_seats_at_one_surgery_do_not_open_another(client, surgery, org):
    join(client, surgery)
    other = services.surgery_create(
        organisation=org,
        title="Other",
        kind="area",
        region="london",
        sector="nhs",
        delete_on=surgery.delete_on,
    )
    assert client.get(board_url(other)).status_code == 302


@pytest.mark.django_db
def test_joining_is_rate_limited_so_codes_cannot_be_guessed(settings, surgery):
    settings.FREEASSOC_RATELIMIT = True
    settings.FREEASSOC_RATELIMIT_SURGERY_JOIN = "5/h"
    client = Client(REMOTE_ADDR="198.51.100.9")
    statuses = [client.post("/surgeries/join/", {"code": "ZZZZZZ"}).status_code for _ in range(7)]
    assert statuses[:5] == [400] * 5
    assert statuses[5:] == [429, 429]
    # Once over the limit even the right code is refused, or guessing would still pay.
    refused = client.post("/surgeries/join/", {"code": surgery.code})
    assert refused.status_code == 429 and "Too many attempts" in refused.text
    # Another network is not affected.
    other = Client(REMOTE_ADDR="198.51.100.10")
    assert other.post("/surgeries/join/", {"code": surgery.code}).status_code == 302
