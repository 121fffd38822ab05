"""The attacker's side of the unlinkability tests: a scenario in which invitees start and send
in a shuffled order, and the ways an employer with a copy of the server, or the organiser's
screens, tries to join an invitation (a named person) to the answers.

Run as a script, it plays the scenario against a file database in a data folder and copies the
folder while the application's connections are open, as a backup or a seized disk would:

    python -m tests.surveys.unlinking <data folder> <copy folder> <out.json>
"""

import hashlib
import json
import random
import re
import shutil
import sqlite3
import struct
import sys
import tempfile
from pathlib import Path

from freeassoc.surveys import instrument as instruments

from .answering import page_data

INVITEES = ["amal", "bea", "cato", "dev", "ema", "finn"]
K = 3  # the scenario survey's disclosure threshold: every join must stay wider than this
PAGES = {p.id: p for p in instruments.get("surviving-work", 1).pages}


def digest(secret: str) -> str:
    """What the attacker computes from a token they mailed: the stored form is its SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


def marker(name: str) -> str:
    return f"marker-{name}"


def schedule(seed: int, names=INVITEES) -> list[tuple[str, str]]:
    """Every invitee starts, then sends; the events of different invitees interleave at random
    (a seeded shuffle, so a failure can be replayed)."""
    rng = random.Random(seed)
    pending = {name: ["start", "send"] for name in names}
    events = []
    while pending:
        name = rng.choice(sorted(pending))
        events.append((name, pending[name].pop(0)))
        if not pending[name]:
            del pending[name]
    return events


def start(client, slug: str, token: str) -> str:
    """Open the invitation link and press Start; returns the draft key the browser keeps."""
    assert client.get(f"/s/{slug}/?t={token}").status_code == 200
    response = client.post(f"/s/{slug}/start/", {"t": token})
    assert response.status_code == 302, response.content[:300]
    return client.cookies["fa_draft"].value


def send(client, slug: str, name: str):
    """Answer every page skip logic shows, then press Send; returns the last response."""
    response = client.post(f"/s/{slug}/start/")  # with a draft here, Start continues it
    while "/p/" in response["Location"]:
        page_id = response["Location"].rstrip("/").split("/")[-1]
        data = page_data(PAGES[page_id], {"comments": marker(name)}) | {"action": "next"}
        response = client.post(response["Location"], data)
        assert response.status_code == 302, response.content.decode()[:2000]
    return client.post(response["Location"], {"action": "submit"})


def play(events, invitees: dict, clients: dict, after_each=None) -> dict:
    """Play the events; `invitees` maps a name to (collector slug, token). Returns each
    invitee's draft key, as their browser held it."""
    keys = {}
    for name, what in events:
        slug, token = invitees[name]
        if what == "start":
            keys[name] = start(clients[name], slug, token)
        else:
            sent = send(clients[name], slug, name)
            assert sent.status_code == 302 and sent["Location"].endswith("/thanks/")
        if after_each:
            after_each(name, what)
    return keys


def narrowest(candidates: dict) -> int:
    """The smallest number of people (or answers) the attacker narrowed anyone down to."""
    return min(len(c) for c in candidates.values())


# PostgreSQL: the system columns of live rows ------------------------------------------------


def xmin_join(cursor, tokens: dict, survey_id: int) -> dict:
    """For each invitee, the responses an attacker with the live rows (system columns
    included) can narrow their token down to. The chain the issue found: a spent token's xmin
    orders the spends, which is the order of the draft ids; the draft's xmin is the
    transaction that stored the response."""
    cursor.execute("SELECT xmin::text::bigint, * FROM surveys_invitationtoken")
    columns = [c.name for c in cursor.description]
    token_rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    spent = sorted(
        (r for r in token_rows if r.get("used")), key=lambda r: (int(r["xmin"]), r["id"])
    )
    cursor.execute("SELECT xmin::text::bigint, id FROM surveys_draft ORDER BY id")
    drafts = cursor.fetchall()
    cursor.execute(
        "SELECT xmin::text::bigint, id FROM surveys_response WHERE survey_id = %s", [survey_id]
    )
    responses = cursor.fetchall()
    everyone = {rid for _, rid in responses}
    found = {}
    for name, token in tokens.items():
        mine = [i for i, r in enumerate(spent) if r["token_hash"] == digest(token)]
        found[name] = set(everyone)
        if not mine or mine[0] >= len(drafts):
            continue
        token_xmin = int(spent[mine[0]]["xmin"])
        draft_xmin = drafts[mine[0]][0]
        joined = {rid for x, rid in responses if x in (token_xmin, draft_xmin)}
        if joined:
            found[name] = joined
    return found


# PostgreSQL: dead row versions, read through pageinspect -----------------------------------


def dead_tuple_join(cursor, tokens: dict, markers: dict) -> dict:
    """For each invitee, the answers an attacker reading the tables' pages (dead row versions
    included: what stays in the files until VACUUM) can join to their token: the deleted or
    updated token row's xmax is the spend; the draft row born in that transaction or the next
    one is theirs, and so is every version of it (each carries the same key hash); the
    transaction that ended a version of their draft wrote the answers (a held or response row
    carrying them). Returns the markers found for each invitee."""

    def tuples(table):
        cursor.execute(
            "SELECT t_xmin::text::bigint, t_xmax::text::bigint, t_data "
            "FROM generate_series(0, pg_relation_size(%s) / current_setting('block_size')::int"
            " - 1) AS blk, heap_page_items(get_raw_page(%s, blk::int)) WHERE t_data IS NOT NULL",
            [table, table],
        )
        return [(xmin, xmax, bytes(data)) for xmin, xmax, data in cursor.fetchall()]

    cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE 'surveys_%%' AND relkind='r'")
    tables = {name for (name,) in cursor.fetchall()}
    token_tuples = tuples("surveys_invitationtoken")
    draft_tuples = tuples("surveys_draft")
    answer_tuples = [t for table in ("surveys_response", "surveys_heldanswers") if table in tables
                     for t in tuples(table)]  # fmt: skip
    found = {}
    for name, token in tokens.items():
        spends = {xmax for _, xmax, data in token_tuples if digest(token).encode() in data and xmax}
        first = [data for xmin, _, data in draft_tuples if any(xmin in (s, s + 1) for s in spends)]
        # Every version of that draft (one per saved page) carries the same key hash.
        hashes = {h for data in first for h in re.findall(rb"[0-9a-f]{64}", data)}
        drafts = {xmax for _, xmax, data in draft_tuples if xmax and any(h in data for h in hashes)}
        found[name] = {
            m for xmin, _, data in answer_tuples if xmin in drafts
            for m in markers.values() if m.encode() in data
        }  # fmt: skip
    return found


def raw_pages(cursor, table: str) -> bytes:
    """Every byte of a table's pages, free space included (where pruned row versions lie)."""
    cursor.execute(
        "SELECT get_raw_page(%s, blk::int) FROM generate_series(0, "
        "pg_relation_size(%s) / current_setting('block_size')::int - 1) AS blk",
        [table, table],
    )
    return b"".join(bytes(page) for (page,) in cursor.fetchall())


# SQLite: the write-ahead log, replayed commit by commit ------------------------------------


def wal_states(folder: Path) -> list[bytes]:
    """The database as it was after each commit the WAL holds, starting from the database
    file itself: what anyone with a copy of the data folder can rebuild."""
    db = (folder / "freeassoc.sqlite3").read_bytes()
    wal_path = folder / "freeassoc.sqlite3-wal"
    wal = wal_path.read_bytes() if wal_path.exists() else b""
    states = [db]
    if len(wal) < 32:
        return states
    _, _, page_size, _, salt1, salt2, _, _ = struct.unpack(">8I", wal[:32])
    image = bytearray(db)
    pending: dict[int, bytes] = {}
    offset = 32
    while offset + 24 + page_size <= len(wal):
        pgno, commit_size, s1, s2 = struct.unpack(">4I", wal[offset : offset + 16])
        if (s1, s2) != (salt1, salt2):
            break  # frames of an earlier generation of the log
        pending[pgno] = wal[offset + 24 : offset + 24 + page_size]
        offset += 24 + page_size
        if commit_size:
            need = commit_size * page_size
            image = image[:need] + bytearray(max(0, need - len(image)))
            for number, page in pending.items():
                image[(number - 1) * page_size : number * page_size] = page
            pending = {}
            states.append(bytes(image))
    return states


def _rows(connection, table: str, columns: str) -> list[dict]:
    try:
        cursor = connection.execute(f"SELECT {columns} FROM {table}")  # noqa: S608
    except sqlite3.DatabaseError:
        return []  # the table does not exist in this version of the schema
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def snapshot(image: bytes) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state.sqlite3"
        path.write_bytes(image)
        connection = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        try:
            return {
                "tokens": _rows(connection, "surveys_invitationtoken", "*"),
                "drafts": _rows(connection, "surveys_draft", "*"),
                "answers": _rows(connection, "surveys_heldanswers", "'held' AS t, id, answers")
                + _rows(connection, "surveys_response", "'response' AS t, id, answers"),
            }
        except sqlite3.DatabaseError:
            return {"tokens": [], "drafts": [], "answers": []}
        finally:
            connection.close()


def wal_join(folder: Path, tokens: dict, markers: dict) -> dict:
    """For each invitee, the markers (answers) the WAL replay joins to their token: the commit
    that spent it (the token row disappears or turns used), the draft that commit or the next
    one created, the commit that ended that draft, and the answers that commit wrote."""
    states = [snapshot(image) for image in wal_states(folder)]

    def usable(state):
        return {r["token_hash"] for r in state["tokens"] if not r.get("used")}

    def drafts(state):
        return {r["id"] for r in state["drafts"] if not r.get("submitted")}

    def answers(state):
        return {(r["t"], r["id"]): r["answers"] for r in state["answers"]}

    found = {name: set() for name in tokens}
    for name, token in tokens.items():
        for i in range(1, len(states)):
            if digest(token) not in usable(states[i - 1]) or digest(token) in usable(states[i]):
                continue
            opened = set()
            for j in (i, i + 1):
                if j < len(states):
                    opened |= drafts(states[j]) - drafts(states[j - 1])
            for j in range(i + 1, len(states)):
                if opened & (drafts(states[j - 1]) - drafts(states[j])):
                    new = answers(states[j]).keys() - answers(states[j - 1]).keys()
                    for key in new:
                        text = answers(states[j])[key] or ""
                        found[name] |= {m for m in markers.values() if m in text}
    return found


# The scenario on a file database, run in its own process -----------------------------------


def _main(data: Path, copy: Path, out: Path) -> None:
    import os

    import django

    os.environ["ALLOWED_HOSTS"] = "testserver"  # Django's test client's host
    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from freeassoc.orgs.models import Organisation
    from freeassoc.surveys import services
    from freeassoc.surveys.models import Collector, Survey

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    org = Organisation.objects.create(name="Branch", slug="branch", kind="union", approved=True)
    survey = Survey.objects.create(
        organisation=org, title="Copy of the disk", instrument_slug="surviving-work",
        instrument_version=1, status=Survey.Status.OPEN, disclosure_k=K,
    )  # fmt: skip
    invitees, tokens = {}, {}
    for name in INVITEES:
        collector = Collector.objects.create(survey=survey, kind="invite", name=f"Only {name}")
        (tokens[name],) = services.invitations_issue(collector=collector, count=1)
        invitees[name] = (collector.slug, tokens[name])
    # Another worker's connection stays open, as on a running server: without one, the last
    # connection to close would fold the log into the database and delete it.
    other_worker = sqlite3.connect(data / "freeassoc.sqlite3")
    other_worker.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the server starts afresh
    clients = {name: Client() for name in INVITEES}
    keys = play(schedule(seed=11), invitees, clients)
    services.survey_set_status(survey=Survey.objects.get(pk=survey.pk), status="closed")
    shutil.copytree(data, copy)
    other_worker.close()
    out.write_text(json.dumps({"tokens": tokens, "keys": keys, "survey": survey.pk}))


def organiser_join(detail_html: str, export_csv: str, names_by_collector: dict) -> tuple:
    """What the organiser's screens show: who has used their invitation (per-collector
    counts) and which response ids exist (the export). Returns (started names or None when
    the page does not say, response ids)."""
    started = set()
    for pk, name in names_by_collector.items():
        panel = re.search(rf'id="collector-{pk}">(.*?)</div>', detail_html, re.S)
        used = re.search(r"issued, (\d+) used", panel.group(1)) if panel else None
        if used is None:
            return None, _ids(export_csv)
        if int(used.group(1)):
            started.add(name)
    return started, _ids(export_csv)


def _ids(export_csv: str) -> set[int]:
    import csv
    import io

    rows = csv.DictReader(io.StringIO(export_csv.lstrip("\ufeff")))
    return {int(row["response_id"]) for row in rows}


if __name__ == "__main__":
    _main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
