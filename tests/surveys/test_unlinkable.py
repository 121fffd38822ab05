"""An invitation, or the named person it was mailed to, cannot be joined to their answers more
tightly than "one of at least k" -- by an employer holding a copy of the server (PostgreSQL's
system columns and dead row versions, SQLite's write-ahead log and free space), by the
organiser's own screens and exports, or from the respondent's browser afterwards.

Each test plays the attack the issue found; see docs/privacy.md for the design it checks."""

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from freeassoc.core import residue
from freeassoc.surveys import services
from freeassoc.surveys.models import Collector, Response, Survey
from tests.auth import sign_in

from .answering import complete
from .test_privacy import database_text
from .unlinking import (
    INVITEES,
    K,
    dead_tuple_join,
    digest,
    marker,
    narrowest,
    organiser_join,
    play,
    raw_pages,
    schedule,
    wal_join,
    xmin_join,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """Everyone here answers from the same address; the limits are not what is tested."""
    settings.FREEASSOC_RATELIMIT = False


def invitation_survey(org):
    """A survey of threshold K with one invitation collector per invitee (the organiser's
    trick: a 'collector' per named person), and each invitee's link."""
    survey = Survey.objects.create(
        organisation=org, title="Named invitations", instrument_slug="surviving-work",
        instrument_version=1, status=Survey.Status.OPEN, disclosure_k=K,
    )  # fmt: skip
    invitees, tokens, collectors = {}, {}, {}
    for name in INVITEES:
        collector = Collector.objects.create(survey=survey, kind="invite", name=f"Only {name}")
        (tokens[name],) = services.invitations_issue(collector=collector, count=1)
        invitees[name] = (collector.slug, tokens[name])
        collectors[collector.pk] = name
    return survey, invitees, tokens, collectors


def play_and_close(org, seed):
    survey, invitees, tokens, _ = invitation_survey(org)
    keys = play(schedule(seed), invitees, {name: Client() for name in INVITEES})
    services.survey_set_status(survey=Survey.objects.get(pk=survey.pk), status="closed")
    return survey, tokens, keys


def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's system columns and row versions: run with a PostgreSQL URL")


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.django_db(transaction=True)
def test_postgresql_system_columns_of_live_rows_join_no_invitation_to_answers(org, seed):
    postgresql_only()
    survey, tokens, _ = play_and_close(org, seed)
    with connection.cursor() as cursor:
        found = xmin_join(cursor, tokens, survey.pk)
    truth = dict(Response.objects.values_list("pk", "answers__comments"))
    assert narrowest(found) >= K, (found, truth)


@pytest.mark.django_db(transaction=True)
def test_postgresql_dead_row_versions_join_nothing_after_the_residue_sweep(org):
    """Dead row versions keep their transaction ids and content in the table's pages (and,
    once pruned, their bytes in its free space) until a VACUUM FULL rewrites the table."""
    postgresql_only()
    _, tokens, keys = play_and_close(org, seed=3)
    holders = residue.open_transactions()
    services.residue_sweep()
    if holders := holders + residue.open_transactions():
        pytest.skip(
            f"another session on this PostgreSQL server held a transaction open {holders}: "
            "VACUUM must keep the row versions it may see (docs/privacy.md, What remains)"
        )
    markers = {n: marker(n) for n in INVITEES}
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pageinspect'")
        if cursor.fetchone() is None:
            pytest.skip("the pageinspect extension (postgresql-contrib) is not installed")
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        found = dead_tuple_join(cursor, tokens, markers)
        raw = b"".join(
            raw_pages(cursor, table)
            for table in ("surveys_invitationtoken", "surveys_draft", "surveys_heldanswers")
        )
    assert not any(found.values()), found
    for name in INVITEES:
        assert digest(tokens[name]).encode() not in raw, name
        assert digest(keys[name]).encode() not in raw, name
        assert markers[name].encode() not in raw, name


@pytest.fixture(scope="module")
def copied_data_folder(tmp_path_factory):
    """The scenario played by the real application on a file database in its own process,
    and a copy of its data folder taken while it runs."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("SQLite's write-ahead log: this run is on PostgreSQL")
    tmp = tmp_path_factory.mktemp("seized")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "FREEASSOC_DATA_DIR": str(tmp / "data"),
        "FREEASSOC_RATELIMIT": "0",
    }
    out = tmp / "truth.json"
    run = subprocess.run(
        [sys.executable, "-m", "tests.surveys.unlinking", tmp / "data", tmp / "copy", out],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    import json

    return tmp / "copy", json.loads(out.read_text())


def test_sqlite_wal_replayed_commit_by_commit_joins_no_invitation_to_answers(
    copied_data_folder,
):
    folder, truth = copied_data_folder
    found = wal_join(folder, truth["tokens"], {n: marker(n) for n in INVITEES})
    assert not any(found.values()), found


def test_sqlite_data_folder_keeps_no_spent_invitation_or_sent_draft_in_its_bytes(
    copied_data_folder,
):
    """Free space and old log frames are readable too: with the hash of a token they mailed,
    or of a draft key found in a seized browser, an employer searches every byte."""
    folder, truth = copied_data_folder
    raw = b"".join(path.read_bytes() for path in folder.glob("freeassoc.sqlite3*"))
    for name in INVITEES:
        assert digest(truth["tokens"][name]).encode() not in raw, name
        assert digest(truth["keys"][name]).encode() not in raw, name


def _export_csv(client, survey) -> str:
    response = client.get(f"/org/surveys/{survey.pk}/export/csv/")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def test_the_organisers_screens_and_export_do_not_tell_whose_answers_are_whose(
    client, org, organiser
):
    """One invitation per collector, watched after every start and send: the per-collector
    counts say who has started, the live total and the export's ids say which answers are
    new. An answer can only be someone's who had started when it appeared, and everyone has
    one answer: every assignment of answers to people that fits both is still possible, so
    the attacker's candidates for an answer are the people some such assignment gives it."""
    survey, invitees, _, collectors = invitation_survey(org)
    sign_in(client, organiser)
    allowed: dict[int, set[str]] = {}  # response id: who had started when it appeared

    def watch(name, what):
        page = client.get(f"/org/surveys/{survey.pk}/").text
        started, ids = organiser_join(page, _export_csv(client, survey), collectors)
        for rid in ids - allowed.keys():
            allowed[rid] = set(INVITEES) if started is None else started

    play(schedule(seed=5), invitees, {name: Client() for name in INVITEES}, after_each=watch)
    assert len(allowed) == len(INVITEES)
    ids = sorted(allowed)
    candidates: dict[int, set[str]] = {rid: set() for rid in ids}
    for people in itertools.permutations(INVITEES):
        if all(person in allowed[rid] for rid, person in zip(ids, people, strict=True)):
            for rid, person in zip(ids, people, strict=True):
                candidates[rid].add(person)
    assert narrowest(candidates) >= K, candidates


def test_after_sending_the_browser_keeps_no_key_that_matches_a_stored_row(client, open_link):
    """A seized phone: the draft cookie is cleared by the answer to Send, and no row keeps
    the hash of the key it held."""
    client.post(f"/s/{open_link.slug}/start/")
    key = client.cookies["fa_draft"].value
    final = complete(client, open_link.slug)
    cookie = final.cookies["fa_draft"]
    assert cookie.value == "" and int(cookie["max-age"]) == 0
    assert cookie["path"] == f"/s/{open_link.slug}/"
    assert digest(key) not in database_text()


def test_a_draft_does_not_record_which_collector_it_came_through(client, org):
    """With one collector per named person, a draft tied to its collector would make their
    unsent answers readable from a copy of the database."""
    survey, invitees, _, _ = invitation_survey(org)
    slug, token = invitees["amal"]
    client.get(f"/s/{slug}/?t={token}")
    client.post(f"/s/{slug}/start/", {"t": token})
    with connection.cursor() as cursor:
        relations = connection.introspection.get_relations(cursor, "surveys_draft")
    assert "surveys_collector" not in {table for _, table in relations.values()}
