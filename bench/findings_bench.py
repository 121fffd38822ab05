"""Benchmark: the full findings report (every indicator, interval, comparison, breakdown and
disclosure control) end to end from the database, at 100k and 1M synthetic responses.

    .venv/bin/python bench/findings_bench.py                      # SQLite in a temp folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/freeassoc_findings_bench \\
        .venv/bin/python bench/findings_bench.py                  # PostgreSQL
    .venv/bin/python bench/findings_bench.py --sizes 100000       # one size only

Responses are bulk-loaded (executemany on SQLite, COPY on PostgreSQL) into a synthetic survey
of their own, which is deleted afterwards. Each report is timed in a fresh child process, so
that its peak resident memory (VmHWM) is the report's own plus Python and Django. The
targets (DESIGN.md): < 1 s at 100k, < 5 s at 1M, peak memory < 2 GB, on the 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "freeassoc.settings")
    import django

    django.setup()


def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _ensure_postgres_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def load(n: int, seed: int) -> int:
    """Create a synthetic survey of n responses; return its id."""
    import polars as pl
    from django.db import connection, transaction

    from freeassoc.findings.synthetic import generate_json
    from freeassoc.orgs.models import Organisation
    from freeassoc.surveys.models import Response, Survey

    started = time.perf_counter()
    texts = generate_json(n, seed)
    generated = time.perf_counter() - started
    org, _ = Organisation.objects.get_or_create(
        slug="findings-bench",
        defaults={"name": "Findings benchmark (synthetic)", "kind": "research"},
    )
    survey = Survey.objects.create(
        organisation=org,
        title=f"Findings benchmark, {n:,} synthetic responses",
        instrument_slug="surviving-work",
        instrument_version=1,
        is_synthetic=True,
    )
    meta = Response._meta
    table = meta.db_table
    columns = [
        "survey_id",
        "collector_kind",
        "instrument_version",
        "submitted_on",
        "source",
        "answers",
    ]
    fixed = [survey.pk, "open", 1, "2017-03-01", "synthetic"]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY text format: tab-separated, backslashes doubled. JSON text holds no raw tab
            # or newline, so escaping backslashes is all it needs.
            prefix = "\t".join(str(v) for v in fixed) + "\t"
            lines = pl.select(
                pl.concat_str(
                    pl.lit(prefix), texts.str.replace_all("\\", "\\\\", literal=True), pl.lit("\n")
                )
            ).to_series()
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for start in range(0, len(lines), 50_000):
                    copy.write("".join(lines.slice(start, 50_000).to_list()))
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
            for start in range(0, len(texts), 50_000):
                cursor.executemany(sql, [(*fixed, t) for t in texts.slice(start, 50_000).to_list()])
    with connection.cursor() as cursor:
        # Measure a database in its everyday state, not straight after a bulk load: on
        # PostgreSQL vacuumed (visibility map and hint bits set), on SQLite with the
        # write-ahead log checkpointed into the database file.
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {table}")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(
        f"  loaded {n:,} responses: generated in {generated:.1f} s, "
        f"inserted in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return survey.pk


def measure(survey_id: int) -> dict:
    """Run in a child process: one full report from the database, timed by stage. The stages
    are exactly what reports.survey_findings() does, so their sum is the end-to-end time."""
    from freeassoc.findings import definitions, disclosure, engine, frame
    from freeassoc.surveys.models import Survey

    survey = Survey.objects.get(pk=survey_id)
    marks = [(time.perf_counter(), time.process_time())]
    defs = definitions.for_instrument(survey.instrument)
    answers = frame.frame_from_database([survey.pk], defs.instrument, defs.questions)
    marks.append((time.perf_counter(), time.process_time()))
    report = engine.compute(answers, defs)
    marks.append((time.perf_counter(), time.process_time()))
    text = json.dumps(disclosure.publish(report, k=survey.disclosure_k))
    marks.append((time.perf_counter(), time.process_time()))
    names = ["load", "compute", "disclosure_and_json"]
    return {
        "responses": answers.height,
        "wall_s": round(marks[-1][0] - marks[0][0], 3),
        "cpu_s": round(marks[-1][1] - marks[0][1], 3),
        "stages_wall_s": {n: round(marks[i + 1][0] - marks[i][0], 3) for i, n in enumerate(names)},
        "json_bytes": len(text),
        "peak_rss_mb": peak_rss_mb(),
    }


def peak_rss_mb() -> float:
    """This process's own peak resident memory. Linux carries ru_maxrss across fork and exec,
    so a child started by a large parent would report the parent's size; VmHWM belongs to
    the process's own address space."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def cleanup(survey_id: int) -> None:
    from django.db import connection

    from freeassoc.surveys.models import Response, Survey

    with connection.cursor() as cursor:
        # A raw delete: the ORM would fetch a million rows to cascade.
        cursor.execute(f"DELETE FROM {Response._meta.db_table} WHERE survey_id = %s", [survey_id])  # noqa: S608
    Survey.objects.filter(pk=survey_id).delete()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs per size (fresh process each)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark surveys")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        _setup_django()
        print(json.dumps(measure(args.measure)))
        return

    tmp = None
    if not os.environ.get("DATABASE_URL"):
        tmp = tempfile.TemporaryDirectory(prefix="findings-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp.name}/bench.sqlite3"
    elif os.environ["DATABASE_URL"].startswith("postgres"):
        _ensure_postgres_database(os.environ["DATABASE_URL"])
    os.environ.setdefault(
        "FREEASSOC_DATA_DIR", tmp.name if tmp else tempfile.mkdtemp(prefix="findings-bench-")
    )
    _setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(json.dumps({"machine": machine(), "database": connection.vendor}), flush=True)
    for n in [int(s) for s in args.sizes.split(",")]:
        survey_id = load(n, args.seed)
        try:
            runs = []
            for _ in range(args.repeat):
                child = subprocess.run(
                    [sys.executable, __file__, "--measure", str(survey_id)],
                    capture_output=True,
                    text=True,
                    check=True,
                    env=os.environ.copy(),
                )
                runs.append(json.loads(child.stdout.strip().splitlines()[-1]))
            best = min(runs, key=lambda r: r["wall_s"])
            print(
                json.dumps(
                    {
                        "database": connection.vendor,
                        "responses": n,
                        "best": best,
                        "all_wall_s": [r["wall_s"] for r in runs],
                        "load_average": [round(x, 2) for x in os.getloadavg()],
                    }
                ),
                flush=True,
            )
        finally:
            if not args.keep:
                cleanup(survey_id)
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
