"""Faults in the middle of a 100-respondent load: a worker killed, the whole server killed and
restarted, PostgreSQL restarted. Respondents behave as people do: while the site does not
answer, or answers "try again" (503), they press reload. Afterwards every answer set the
client saw acknowledged is stored, none twice, and nobody was ever shown a wrong page."""

import contextlib
import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from .conftest import Server, free_port, open_survey, postgres_database, server_env, sqlite_url
from .respondents import direct, run_respondents
from .test_load import RESPONDENTS, check_stored_exactly_once

PATIENCE = 90  # seconds a respondent keeps pressing reload


def in_background(target, slug: str, run: str):
    result = {}
    thread = threading.Thread(
        target=lambda: result.update(
            outcomes=run_respondents(target, slug, RESPONDENTS, run=run, retry_for=PATIENCE)
        )
    )
    thread.start()
    return thread, result


def assert_no_wrong_page(outcomes) -> None:
    errors = [e for o in outcomes for e in o.errors]
    assert not errors, f"{len(errors)} respondents saw a wrong page: {errors[:3]}"


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_killed_workers_and_a_killed_server_lose_no_acknowledged_answers(
    database, tmp_path, served_database
):
    with postgres_database() if database == "postgresql" else contextlib.nullcontext() as url:
        server = Server(server_env(tmp_path, url), tmp_path).start()
        try:
            alias = served_database(url or sqlite_url(tmp_path))
            survey_id, slug = open_survey(alias)
            thread, result = in_background(direct(server.port), slug, "kill")
            time.sleep(3)
            server.kill_worker()  # gunicorn starts another in its place
            time.sleep(3)
            server.kill()  # master and workers, kill -9
            time.sleep(1)
            server.start()  # as systemd's Restart= would
            thread.join(timeout=PATIENCE * 3)
            assert not thread.is_alive()
        finally:
            server.stop()
        outcomes = result["outcomes"]
        assert_no_wrong_page(outcomes)
        assert any(o.retried for o in outcomes), "the faults came too late to matter"
        assert all(o.acknowledged for o in outcomes)  # pressing reload got everyone through
        check_stored_exactly_once(alias, survey_id, outcomes)
        if database == "sqlite":
            with sqlite3.connect(sqlite_url(tmp_path).removeprefix("sqlite:///")) as db:
                assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


class Cluster:
    """A throwaway PostgreSQL cluster (the shared one on 5432 is never touched)."""

    def __init__(self):
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not binaries:
            pytest.skip("PostgreSQL's server programs are not installed")
        if os.geteuid() != 0:
            pytest.skip("making a cluster as the postgres user needs root")
        self.bin = Path(binaries[-1])
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="freeassoc-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        self.pg("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/freeassoc"

    def pg(self, program: str, *args) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", self.bin / program, *map(str, args)],
            check=True, capture_output=True, cwd=self.dir,
        )  # fmt: skip

    def ctl(self, *args) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.pg("pg_ctl", "-D", self.data, "-l", self.dir / "log", "-o", options, "-w", *args)

    def start(self) -> "Cluster":
        self.ctl("start")
        import psycopg

        url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE freeassoc")
        return self

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.ctl("stop", "-m", "immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


def test_postgresql_restarted_under_load_costs_a_retry_never_a_wrong_page(
    tmp_path, served_database
):
    cluster = Cluster().start()
    try:
        server = Server(server_env(tmp_path, cluster.url), tmp_path).start()
        try:
            alias = served_database(cluster.url)
            survey_id, slug = open_survey(alias)
            from django.db import connections

            connections[alias].close()  # the test's own connection is not the point here
            thread, result = in_background(direct(server.port), slug, "pg")
            time.sleep(3)
            cluster.ctl("stop", "-m", "fast")  # every connection is cut
            time.sleep(3)  # and the database stays away a while
            cluster.ctl("start")
            thread.join(timeout=PATIENCE * 3)
            assert not thread.is_alive()
        finally:
            server.stop()
        outcomes = result["outcomes"]
        assert_no_wrong_page(outcomes)
        assert all(o.acknowledged for o in outcomes)
        assert any("HTTP 503" in r for o in outcomes for r in o.retried)
        check_stored_exactly_once(alias, survey_id, outcomes)
        log = server.log()
        assert "Service Unavailable" in log  # the outage is logged as such...
        assert "Internal Server Error" not in log  # ...and nothing became a bare 500
    finally:
        cluster.destroy()
