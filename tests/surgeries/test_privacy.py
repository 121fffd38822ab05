"""No address, no agent, no names, no times: each attacked directly."""

import logging

from django.db import connection, models
from django.test import Client

from freeassoc.surgeries.models import Action, Note, Problem, Seat, ThemeTally, Vote
from tests.auth import sign_in

from .conftest import add_problem, board_url, join, move

IP = "203.0.113.77"
AGENT = "Mozilla/5.0 (DistinctiveAgent-4242)"
HEADERS = {"REMOTE_ADDR": IP, "HTTP_USER_AGENT": AGENT, "HTTP_X_FORWARDED_FOR": IP}


def database_text() -> str:
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_taking_part_leaves_no_address_or_agent(client, organiser, surgery, caplog, settings):
    settings.FREEASSOC_RATELIMIT = True  # its counters are in the database cache: check them too
    caplog.set_level(logging.DEBUG)
    participant = join(Client(**HEADERS), surgery, "Heron", **HEADERS)
    add_problem(participant, surgery, "Caseloads", ["caseload"], **HEADERS)
    problem = Problem.objects.get()
    participant.post(board_url(surgery, f"problems/{problem.pk}/dot/"), **HEADERS)
    sign_in(client, organiser)
    move(client, surgery, "information")
    participant.post(board_url(surgery, "notes/"), {"problem": problem.pk, "text": "n"}, **HEADERS)
    move(client, surgery, "actions")
    participant.post(board_url(surgery, "actions/"), {"what": "w", "who": "Heron"}, **HEADERS)
    participant.get(board_url(surgery, "plan.pdf"), **HEADERS)
    assert Vote.objects.count() == 1 and Action.objects.count() == 1
    dump = database_text()
    assert IP not in dump and "203.0.113" not in dump
    assert "DistinctiveAgent" not in dump
    assert IP not in caplog.text and "DistinctiveAgent" not in caplog.text
    assert participant.cookies["fa_seat"].value not in dump


def test_contributions_keep_no_author_and_no_time():
    for model in [Seat, Problem, Vote, Note, Action, ThemeTally]:
        for field in model._meta.get_fields():
            assert not isinstance(field, models.DateTimeField | models.TimeField), field
            assert not any(w in field.name for w in ["ip", "agent", "user", "session"]), field
    for model in [Problem, Note, Action, ThemeTally]:
        assert "seat" not in {f.name for f in model._meta.get_fields()}, model
    assert {f.name for f in Seat._meta.get_fields()} == {
        "id",
        "surgery",
        "key_hash",
        "pseudonym",
        "votes",
    }
