"""Benchmark: import a 1M-row CSV exported by another survey tool, through a mapping file.

    nice .venv/bin/python bench/import_bench.py                          # SQLite, temp folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/freeassoc_import_bench \\
        nice .venv/bin/python bench/import_bench.py                      # PostgreSQL
    .venv/bin/python bench/import_bench.py --rows 100000                 # a smaller run

The CSV is made from the synthetic Surviving Work answers (freeassoc.findings.synthetic),
turned into the other tool's shape by running the example mapping backwards: numbered codes,
0/1 columns and delimited columns, "99" for prefer-not-to-say, plus the columns the mapping
ignores (respondent number, times, an IP address). The database is created fresh (the SQLite
file in a temporary folder; the PostgreSQL database dropped and created) and migrated.

It times the dry run and the real import (service functions, as the command and the web
run them), checks the row count, and prints rows/s, seconds, peak resident memory and the
machine. The target (DESIGN.md) is under 60 s for 1M rows, with a progress bar.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EXAMPLE = ROOT / "freeassoc" / "imports" / "examples" / "other-tool-surviving-work-v1.yaml"
DB_NAME = "freeassoc_import_bench"


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


def _fresh_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def other_tool_frame(n: int, mapping_text: str, seed: int = 2017):
    """n synthetic respondents as the other tool would export them (all text columns)."""
    import polars as pl

    from freeassoc.findings.synthetic import generate_json
    from freeassoc.imports import mapping as mappings
    from freeassoc.surveys import instrument as instruments

    instrument = instruments.get("surviving-work", 1)
    mapping = mappings.parse(mapping_text, instrument)
    schema = {
        q.id: pl.List(pl.String) if q.type == "multiple" else pl.String
        for q in instrument.questions.values()
    }
    answers = (
        generate_json(n, seed)
        .str.json_decode(pl.Struct(schema))
        .struct.unnest()
        .with_columns(
            # numbers arrive as JSON numbers; as text, ints print without a decimal point
            [pl.col(q).cast(pl.String) for q, t in schema.items() if t == pl.String]
        )
    )
    columns = {
        "RespondentID": pl.int_range(1, n + 1, eager=True).cast(pl.String),
        "StartDate": pl.repeat("2017-03-01 10:02:13", n, eager=True),
        "EndDate": pl.repeat("2017-03-01 10:19:40", n, eager=True),
        "IPAddress": pl.repeat("192.0.2.1", n, eager=True),
    }
    for rule in mapping.rules:
        value = answers[rule.question]
        inverse = {ours: theirs for theirs, ours in rule.values.items()}
        if rule.kind == mappings.TICK:
            out = value.list.contains(rule.code).cast(pl.Int8).cast(pl.String)
        elif rule.kind == mappings.DELIMITED:
            out = value.list.eval(
                pl.element().replace_strict(list(inverse), list(inverse.values()))
            ).list.join(rule.separator)
        elif inverse:
            out = value.replace(list(inverse), list(inverse.values()))
        else:
            out = value
        columns[rule.column] = out.fill_null("").alias(rule.column)
    return pl.DataFrame(columns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--make", metavar="CSV", help=argparse.SUPPRESS)  # the child's job
    parser.add_argument("--csv", help="import this file (made earlier by --keep) instead")
    parser.add_argument("--keep", metavar="CSV", help="keep the generated file here")
    args = parser.parse_args()
    if args.make:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "freeassoc.settings")
        import django

        django.setup()
        other_tool_frame(args.rows, EXAMPLE.read_text()).write_csv(args.make)
        return
    url = os.environ.get("DATABASE_URL", "")
    workdir = Path(tempfile.mkdtemp(prefix="import-bench-"))
    if url.startswith("postgres"):
        url = url.rsplit("/", 1)[0] + "/" + DB_NAME
        _fresh_postgres(url)
    else:
        url = f"sqlite:///{workdir / (DB_NAME + '.sqlite3')}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "freeassoc.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from freeassoc.imports import services
    from freeassoc.orgs.models import Organisation
    from freeassoc.surveys.models import Response, Survey

    call_command("migrate", verbosity=0)
    mapping_text = EXAMPLE.read_text()
    started = time.perf_counter()
    csv_path = Path(args.csv or args.keep or workdir / "other-tool-export.csv")
    if not args.csv:
        # Made in a child process, so that the peak memory measured here is the import's own.
        subprocess.run(
            [sys.executable, __file__, "--rows", str(args.rows), "--make", str(csv_path)],
            check=True,
        )
    size = csv_path.stat().st_size
    made = "reused" if args.csv else f"made in {time.perf_counter() - started:.1f} s"
    print(f"{args.rows:,} rows, {size / 1e6:.0f} MB of CSV, {made} (not timed)", flush=True)
    org = Organisation.objects.create(
        name="Import benchmark (synthetic)", slug="import-bench", kind="research"
    )
    survey = Survey.objects.create(
        organisation=org,
        title="Import benchmark",
        instrument_slug="surviving-work",
        instrument_version=1,
        is_synthetic=True,
    )

    started = time.perf_counter()
    report = services.dry_run(survey, csv_path, mapping_text)
    dry = time.perf_counter() - started
    if not report.ok:
        print("\n".join(report.lines(20)))
        raise SystemExit("the dry run found problems")

    last = [time.perf_counter()]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 5 or done == total:
            print(f"  {done:,} / {total:,}", flush=True)
            last[0] = now

    started, cpu = time.perf_counter(), time.process_time()
    batch = services.run_import(
        survey, csv_path, mapping_text, user=None, filename=csv_path.name, progress=progress
    )
    real, cpu = time.perf_counter() - started, time.process_time() - cpu
    stored = Response.objects.filter(batch=batch).count()
    assert stored == args.rows, (stored, args.rows)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"database: {connection.vendor}")
    print(f"dry run: {dry:.1f} s ({args.rows / dry:,.0f} rows/s)")
    print(f"import (read, check, recode, insert, commit): {real:.1f} s "
          f"({args.rows / real:,.0f} rows/s); CPU time in this process {cpu:.1f} s")  # fmt: skip
    print(f"rows stored: {stored:,}; peak resident memory {peak_mb:,.0f} MB")
    print(f"machine: {machine()}")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
