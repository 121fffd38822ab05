"""What every benchmark here needs from a database: its own PostgreSQL database created (or
dropped and created), a million synthetic responses loaded quickly, and a description of the
machine it all ran on.

Used by findings_bench.py, export_bench.py and submissions.py. Import it as `bench._db` with
the repository root on sys.path (each script puts it there).
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

COPY_LINES = 50_000  # rows handed to COPY or executemany at once


# PostgreSQL databases ---------------------------------------------------------------------


def _admin_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not re.fullmatch(r"\w+", name):
        raise ValueError(f"not a plain database name: {name!r}")
    return name


def with_database(url: str, name: str) -> str:
    """The same server as `url`, another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def create_postgres(url: str, *, replace: bool) -> dict:
    """Make sure the database `url` names exists on its server; with replace, drop it first
    (WITH FORCE: a benchmark's own leftover connections must not block it). Returns the
    server's version and max_connections."""
    import psycopg

    name = database_name(url)
    with psycopg.connect(_admin_url(url), autocommit=True, connect_timeout=10) as conn:
        if replace:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
        return {
            "version": conn.execute("SHOW server_version").fetchone()[0],
            "max_connections": conn.execute("SHOW max_connections").fetchone()[0],
        }


def drop_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database_name(url)}" WITH (FORCE)')


# Loading responses (Django must be set up) ------------------------------------------------


def load_responses(survey, texts, *, days=("2017-03-01",), source: str = "synthetic") -> float:
    """Bulk-load responses to `survey` from JSON texts (a polars Series or a list): COPY on
    PostgreSQL, executemany on SQLite, in one transaction, then the table is left in its
    everyday state (PostgreSQL vacuumed and analysed, SQLite's log checkpointed). The day of
    response i is days[i % len(days)]. Returns the seconds it took."""
    from django.db import connection, transaction

    from freeassoc.surveys.models import Response

    texts = texts if isinstance(texts, list) else texts.to_list()
    table = Response._meta.db_table
    columns = "survey_id, collector_kind, instrument_version, submitted_on, source, answers"
    version = survey.instrument_version
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for i, text in enumerate(texts):
                    copy.write_row((survey.pk, "open", version, days[i % len(days)], source, text))
        else:
            sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s)"  # noqa: S608
            for start in range(0, len(texts), COPY_LINES):
                cursor.executemany(
                    sql,
                    [
                        (survey.pk, "open", version, days[i % len(days)], source, texts[i])
                        for i in range(start, min(start + COPY_LINES, len(texts)))
                    ],
                )
    settle()
    return time.perf_counter() - started


def settle() -> None:
    """Measure a database in its everyday state, not straight after a bulk load: PostgreSQL
    vacuumed (visibility map and hint bits set) and analysed, SQLite analysed with its
    write-ahead log checkpointed into the database file."""
    from django.db import connection

    from freeassoc.surveys.models import Response

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {Response._meta.db_table}")
        else:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def delete_responses(survey_id: int) -> None:
    """A raw delete: the ORM would fetch a million rows to cascade."""
    from django.db import connection

    from freeassoc.surveys.models import Response

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Response._meta.db_table} WHERE survey_id = %s", [survey_id])  # noqa: S608


# The machine ------------------------------------------------------------------------------


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def machine_info(packages: tuple[str, ...] = ()) -> dict:
    """Cores, CPU, memory, Python, kernel, the load before the run and the packages asked for."""
    from importlib.metadata import PackageNotFoundError, version

    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_gb = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    found = {}
    for package in packages:
        with contextlib.suppress(PackageNotFoundError):
            found[package] = version(package)
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "memory_gb": mem_gb,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": found,
        "loadavg_before": loadavg(),
    }


def peak_rss_mb() -> float:
    """This process's own peak resident memory (VmHWM). Linux carries ru_maxrss across fork
    and exec, so a child started by a large parent would report the parent's size."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
