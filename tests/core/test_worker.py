"""The real `freeassoc worker` process against a real queue: it runs a queued import, stops
cleanly on SIGTERM, and a worker killed with SIGKILL in the middle of an import leaves nothing
half-done (the next worker runs the import again, once). And `freeassoc demo` runs a worker
beside its server and stops it with the server.

Each test builds a site of its own in child processes (its own database: a SQLite file, or a
fresh PostgreSQL database when DATABASE_URL names PostgreSQL), as an operator would."""

import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.imports.conftest import GOOD_ROWS, MAPPING, write_csv

PYTHON = [sys.executable, "-m", "freeassoc.cli"]


@dataclass
class Site:
    env: dict
    database_url: str
    data: Path

    def run(self, *args, timeout=300) -> str:
        result = subprocess.run(  # noqa: S603
            [*PYTHON, *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def python(self, code: str) -> str:
        return self.run("shell", "--no-imports", "-c", code)

    def query(self, sql: str):
        if self.database_url.startswith("sqlite"):
            with sqlite3.connect(self.database_url.removeprefix("sqlite:///")) as db:
                return db.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as db:
            return db.execute(sql).fetchall()

    def worker(self) -> subprocess.Popen:
        log = (self.data / "worker.log").open("a")
        return subprocess.Popen(  # noqa: S603
            [*PYTHON, "worker", "--interval", "0.2"], env=self.env, stdout=log, stderr=log
        )


def _postgres_admin(url: str):
    import psycopg

    return psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True)


@pytest.fixture
def site(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    name = None
    if url.startswith("postgres"):
        name = f"freeassoc_worker_{secrets.token_hex(4)}"
        with _postgres_admin(url) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = url.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    data = tmp_path / "data"
    data.mkdir()
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": url,
        "SECRET_KEY": "tests-only-not-secret-" + "w" * 40,
        "FREEASSOC_DATA_DIR": str(data),
        "FREEASSOC_HTTPS": "0",
    }
    made = Site(env, url, data)
    made.run("migrate", "--verbosity", "0")
    yield made
    if name:
        with _postgres_admin(url) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [name],
            )
            admin.execute(f'DROP DATABASE "{name}"')


QUEUE_AN_IMPORT = """
import json
from pathlib import Path
from django.core.files.uploadedfile import SimpleUploadedFile
from freeassoc.imports import tasks, uploads
from freeassoc.orgs.models import Organisation
from freeassoc.surveys.models import Survey

org = Organisation.objects.create(name="Org", slug="org", kind="union", approved=True)
survey = Survey.objects.create(
    organisation=org, title="Survey", instrument_slug="surviving-work", instrument_version=1,
    status="open")
upload = uploads.create(
    survey_id=survey.pk, user_id=0, filename="theirs.csv", mapping_text=MAPPING,
    data=SimpleUploadedFile("theirs.csv", Path(DATA).read_bytes()))
upload.claim()
batch = tasks.import_queue(survey=survey, upload=upload, user=None)
print(json.dumps([batch.pk, batch.status]))
"""


def queue_import(site: Site, path: Path) -> int:
    code = QUEUE_AN_IMPORT.replace("MAPPING", repr(MAPPING)).replace("DATA", repr(str(path)))
    batch, status = json.loads(site.python(code).strip().splitlines()[-1])
    assert status == "queued"
    return batch


def wait_for(check, timeout=120.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def batch_state(site: Site, batch: int):
    sql = f"SELECT status, rows_done, error FROM imports_importbatch WHERE id = {int(batch)}"  # noqa: S608
    return site.query(sql)[0]


def responses(site: Site) -> int:
    return site.query("SELECT count(*) FROM surveys_response")[0][0]


def test_the_worker_runs_a_queued_import_and_stops_cleanly(site, tmp_path):
    batch = queue_import(site, write_csv(tmp_path / "theirs.csv", GOOD_ROWS))
    assert responses(site) == 0  # queued: nothing happens without a worker
    worker = site.worker()
    try:
        wait_for(lambda: batch_state(site, batch)[0] == "complete", what="the import")
        assert responses(site) == len(GOOD_ROWS)
        assert list((site.data / "imports").glob("upload-*")) == []
        assert site.query("SELECT count(*) FROM core_workerprocess")[0][0] == 1
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    assert site.query("SELECT count(*) FROM core_workerprocess")[0][0] == 0


def test_a_worker_killed_mid_import_leaves_nothing_and_the_next_runs_it_once(site, tmp_path):
    rows = 150_000  # three chunks of 50,000: killed after the first is stored
    path = write_csv(tmp_path / "big.csv", [[str(i), *GOOD_ROWS[i % 3][1:]] for i in range(rows)])
    batch = queue_import(site, path)
    progress = site.data / "imports" / f"progress-{batch}"

    def mid_import():
        status, done, _ = batch_state(site, batch)
        return status == "running" and (done > 0 or progress.exists())

    worker = site.worker()
    try:
        wait_for(mid_import, what="the first chunk of the import")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    assert responses(site) == 0  # its transaction died with it
    assert batch_state(site, batch)[0] == "running"  # as the dead worker left it

    again = site.worker()  # recovers the lost job, then runs it from the start
    try:
        wait_for(lambda: batch_state(site, batch)[0] == "complete", what="the second run")
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(timeout=30)
    assert responses(site) == rows  # every row, once
    assert batch_state(site, batch)[2] == ""  # the "running again" note is gone
    (status, workers), = site.query(
        "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult "
        "WHERE task_path = 'freeassoc.imports.tasks.import_run'"
    )  # fmt: skip
    assert status == "SUCCESSFUL"
    assert len(json.loads(workers) if isinstance(workers, str) else workers) == 2


def test_the_demo_runs_a_worker_beside_its_server_and_stops_it(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = subprocess.Popen(  # noqa: S603
        [*PYTHON, "demo", "--responses", "60", "--port", str(port)],
        env={"PATH": "/usr/bin:/bin"},  # no configuration at all
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    database = tmp_path / "data" / "freeassoc.sqlite3"

    def worker_pid():
        try:
            with sqlite3.connect(database) as db:
                found = db.execute("SELECT pid FROM core_workerprocess").fetchall()
        except sqlite3.Error:
            return None
        return found[0][0] if found else None

    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), timeout=180, what="the demo")
        pid = wait_for(worker_pid, what="the demo's worker")
        os.kill(pid, 0)  # alive
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=60)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert worker_pid() is None  # it stopped cleanly


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1)  # noqa: S310 - our own server on loopback
    except OSError:
        return False
    return True
