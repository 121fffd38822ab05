"""The shipped server as an operator runs it: `freeassoc serve` in a subprocess, on a database
of its own (a fresh PostgreSQL database, or SQLite in a temporary data folder), reached over
real sockets. These tests are slow and carry the `system` mark: CI runs them once, not once
per database, since each test starts both databases itself where it matters.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import pytest

ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(item.fspath).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.system)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Server:
    """`freeassoc serve` as a subprocess in its own process group, logging to a file."""

    def __init__(self, env: dict, workdir: Path, *, workers: int | None = None):
        self.env, self.workdir, self.workers = env, workdir, workers
        self.port = free_port()
        self.log_path = workdir / "serve.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Server:
        command = [sys.executable, "-m", "freeassoc.cli", "serve", "--port", str(self.port)]
        if self.workers:
            command += ["--workers", str(self.workers)]
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(
                command, cwd=self.workdir, env=self.env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"freeassoc serve exited:\n{self.log()[-3000:]}")
            with contextlib.suppress(OSError):
                url = f"http://127.0.0.1:{self.port}/healthz"
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return self
            time.sleep(0.2)
        raise AssertionError(f"freeassoc serve did not answer:\n{self.log()[-3000:]}")

    def workers_pids(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def kill_worker(self) -> int:
        pid = self.workers_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill(self) -> None:
        """kill -9 the whole server, master and workers."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def server_env(workdir: Path, database_url: str | None, **extra) -> dict:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "FREEASSOC_DATA_DIR": str(workdir / "data"),
        "SECRET_KEY": secrets.token_urlsafe(40),
        "FREEASSOC_HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


# Databases ---------------------------------------------------------------------------------


def postgres_base_url() -> str:
    """The PostgreSQL server the suite uses (DATABASE_URL when it names one)."""
    url = os.environ.get("DATABASE_URL", "")
    if urlsplit(url).scheme in {"postgres", "postgresql"}:
        return url
    return "postgres://postgres@127.0.0.1:5432/freeassoc"


def _admin(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


@contextlib.contextmanager
def postgres_database(url: str | None = None):
    """A fresh database of this test's own (its name carries this process's id, so that
    engineers' runs on one server never meet), dropped afterwards."""
    import psycopg

    base = url or postgres_base_url()
    name = f"{urlsplit(base).path.lstrip('/') or 'freeassoc'}_system_{os.getpid()}"
    try:
        admin = psycopg.connect(_admin(base), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable: {exc}")
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(base)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(_admin(base), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def served_database(django_db_blocker):
    """Lets this test process's ORM read and write the served database, under the alias it
    returns (the server made the tables; the test makes a survey and counts what arrived)."""
    from django.db import connections

    opened = []

    def attach(url: str) -> str:
        alias = f"served{len(opened)}"
        config = dj_database_url.parse(url)
        configured = connections.configure_settings({"default": {}, alias: config})
        connections.settings[alias] = configured[alias]
        opened.append(alias)
        return alias

    with django_db_blocker.unblock():
        yield attach
        for alias in opened:
            connections[alias].close()
            del connections[alias]
            del connections.settings[alias]


def open_survey(alias: str) -> tuple[int, str]:
    """An organisation with an open survey of the shipped questionnaire and an open link."""
    from django.utils import timezone

    from freeassoc.orgs.models import Organisation
    from freeassoc.surveys.models import Collector, Survey

    org = Organisation.objects.using(alias).create(
        name="System test workers' network", slug="system", kind="workers_group", approved=True
    )
    survey = Survey.objects.using(alias).create(
        organisation=org,
        title="Surviving Work (system test)",
        instrument_slug="surviving-work",
        instrument_version=1,
        status=Survey.Status.OPEN,
        opened_on=timezone.localdate(),
    )
    collector = Collector.objects.using(alias).create(
        survey=survey, kind=Collector.Kind.OPEN_LINK, name="System test link"
    )
    return survey.pk, collector.slug


def sqlite_url(workdir: Path) -> str:
    return f"sqlite:///{workdir / 'data' / 'freeassoc.sqlite3'}"
