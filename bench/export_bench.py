"""Microdata export benchmark: a million responses to CSV, XLSX, SPSS .sav and Stata .dta.

What it does, for SQLite (a WAL file in a temporary folder) and, when DATABASE_URL is set, for
PostgreSQL (a database named ``freeassoc_export_bench`` on that server, dropped and created):

1. migrates a fresh database, creates an organisation and a synthetic survey of the shipped
   Surviving Work questionnaire, and bulk-loads --rows synthetic responses
   (``freeassoc.findings.synthetic``: valid answers, some free text) with executemany
   (SQLite) or COPY (PostgreSQL), then ANALYZE (bench/_db.py);
2. for each format, runs ``freeassoc export SURVEY --format F --output FILE`` in a child
   process -- the real command, end to end: Django start-up, the query, decoding, writing,
   the audit line -- and takes its wall time, CPU time and peak resident memory (ru_maxrss of
   that child alone, from wait4);
3. checks the file holds every row (CSV: lines; .sav/.dta: the header's row count; XLSX: the
   sheets' dimensions), then prints a table and the machine it ran on.

Run from the repository root::

    .venv/bin/python bench/export_bench.py                       # 1,000,000 rows, SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/freeassoc .venv/bin/python bench/export_bench.py
    .venv/bin/python bench/export_bench.py --rows 100000 --formats csv,sav --json out.json

The exit status is non-zero only when the harness could not measure (setup failed, an export
failed or lost rows), never because something was slow.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _db  # noqa: E402

PG_DATABASE = "freeassoc_export_bench"
FORMATS = ["csv", "xlsx", "sav", "dta"]


# The machine ------------------------------------------------------------------------------


def machine_info() -> dict:
    info = _db.machine_info(("django", "polars", "pyreadstat", "xlsxwriter"))
    # A fixed piece of pure-Python work, to compare this machine's speed with another's.
    started = time.process_time()
    sum(range(20_000_000))
    info["python_loop_cpu_s"] = round(time.process_time() - started, 2)
    return info


# Setting up a database (in a child process, so each database gets its own Django) ----------


def _env(database_url: str, data_dir: Path) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "freeassoc.settings",
        "FREEASSOC_DATA_DIR": str(data_dir),
        "SECRET_KEY": "export-bench-not-secret",
        "PYTHONPATH": str(ROOT),
    }
    return env


def setup_database(rows: int) -> dict:
    """Runs in the child: migrate, create the survey, load the rows. Returns facts as JSON."""
    import django

    django.setup()
    from django.core.management import call_command

    from freeassoc.findings import synthetic
    from freeassoc.orgs.models import Organisation
    from freeassoc.surveys.models import Response, Survey

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    org = Organisation.objects.create(
        name="Export bench", slug="export-bench", kind="research", approved=True
    )
    survey = Survey.objects.create(
        organisation=org,
        title="Export bench",
        instrument_slug=synthetic.INSTRUMENT[0],
        instrument_version=synthetic.INSTRUMENT[1],
        status=Survey.Status.CLOSED,
        is_synthetic=True,
    )
    migrated = time.perf_counter() - started

    import datetime

    first_day = datetime.date(2026, 1, 5)
    days = [(first_day + datetime.timedelta(days=i)).isoformat() for i in range(60)]
    started = time.perf_counter()
    _db.load_responses(survey, synthetic.generate_json(rows, seed=2017), days=days)
    count = Response.objects.filter(survey=survey).count()
    with_text = Response.objects.filter(survey=survey, answers__has_key="comments").count()
    loaded = time.perf_counter() - started
    return {
        "survey": survey.pk,
        "rows": count,
        "rows_with_free_text": with_text,
        "migrate_s": round(migrated, 1),
        "generate_and_load_s": round(loaded, 1),
    }


def _run_setup(env: dict, rows: int) -> dict:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--child-setup", "--rows", str(rows)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"setup failed:\n{proc.stderr[-4000:]}")
    facts = json.loads(proc.stdout.strip().splitlines()[-1])
    facts["setup_wall_s"] = round(time.perf_counter() - started, 1)
    return facts


def _create_pg_database(url: str) -> tuple[str, str]:
    """The benchmark's own database on the server DATABASE_URL names, dropped and created."""
    url = _db.with_database(url, PG_DATABASE)
    return url, _db.create_postgres(url, replace=True)["version"]


# Timing one export ----------------------------------------------------------------------------


def time_export(env: dict, survey: int, fmt: str, output: Path) -> dict:
    command = [
        sys.executable,
        "-m",
        "freeassoc.cli",
        "export",
        str(survey),
        "--format",
        fmt,
        "--output",
        str(output),
    ]
    started = time.perf_counter()
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and command
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    # wait4: the resources of this child alone (RUSAGE_CHILDREN would mix the formats).
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        return {"format": fmt, "error": (err or out)[-2000:]}
    return {
        "format": fmt,
        "wall_s": round(wall, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),  # Linux: kilobytes
        "size_mb": round(output.stat().st_size / 1e6, 1),
        "message": out.strip(),
    }


def count_rows(fmt: str, path: Path) -> int:
    """Rows in the file, read cheaply (no full parse of a million rows)."""
    if fmt == "csv":
        with open(path, "rb") as f:
            # The synthetic free text holds no line breaks, so lines are rows.
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b"")) - 1
    if fmt in {"sav", "dta"}:
        import pyreadstat

        read = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
        return read(str(path), metadataonly=True)[1].number_rows
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)  # max_row: the sheet's dimension
    return sum(s.max_row - 1 for s in book.worksheets if s.title.startswith("Responses"))


# The run ------------------------------------------------------------------------------------


def bench_database(name: str, url: str, rows: int, formats: list[str], keep: bool) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"freeassoc-export-bench-{name}-"))
    result: dict = {"database": name}
    try:
        if name == "sqlite":
            url = f"sqlite:///{work / 'bench.sqlite3'}"
        else:
            url, result["server_version"] = _create_pg_database(url)
        env = _env(url, work)
        print(f"[{name}] loading {rows:,} synthetic responses ...", flush=True)
        result["setup"] = _run_setup(env, rows)
        print(f"[{name}] {json.dumps(result['setup'])}", flush=True)
        result["exports"] = []
        for fmt in formats:
            output = work / f"export.{fmt}"
            print(f"[{name}] {fmt} ...", flush=True)
            figures = time_export(env, result["setup"]["survey"], fmt, output)
            if "error" not in figures:
                figures["rows_in_file"] = count_rows(fmt, output)
                figures["rows_per_s"] = round(figures["rows_in_file"] / figures["wall_s"])
                output.unlink()
            print(f"[{name}] {json.dumps(figures)}", flush=True)
            result["exports"].append(figures)
    finally:
        if keep:
            print(f"[{name}] kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
            if name == "postgres":
                with contextlib.suppress(Exception):
                    _db.drop_postgres(url)
    return result


def print_table(results: list[dict], machine: dict) -> None:
    print()
    print(
        f"Machine: {machine['nproc']} cores, {machine['cpu_model']}, {machine['memory_gb']} GB, "
        f"Python {machine['python']}, kernel {machine['kernel']}; load before "
        f"{machine['loadavg_before']}, after {machine.get('loadavg_after')}; "
        f"pure-Python reference loop {machine['python_loop_cpu_s']} s CPU"
    )
    print(f"Packages: {machine['packages']}")
    header = f"{'database':10} {'format':6} {'rows':>10} {'wall s':>8} {'CPU s':>8} "
    header += f"{'rows/s':>9} {'size MB':>9} {'peak RSS MB':>12}"
    print(header)
    print("-" * len(header))
    for result in results:
        for e in result.get("exports", []):
            if "error" in e:
                print(f"{result['database']:10} {e['format']:6} ERROR {e['error'][-300:]}")
                continue
            print(
                f"{result['database']:10} {e['format']:6} {e['rows_in_file']:>10,} "
                f"{e['wall_s']:>8} {e['cpu_s']:>8} {e['rows_per_s']:>9,} {e['size_mb']:>9} "
                f"{e['peak_rss_mb']:>12,}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument(
        "--database",
        choices=["auto", "sqlite", "postgres"],
        default="auto",
        help="auto: SQLite, and PostgreSQL too when DATABASE_URL is set",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and files")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--child-setup", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child_setup:
        print(json.dumps(setup_database(args.rows)))
        return 0

    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    pg_url = os.environ.get("DATABASE_URL", "")
    databases = []
    if args.database in {"auto", "sqlite"}:
        databases.append(("sqlite", ""))
    if args.database == "postgres" or (args.database == "auto" and pg_url.startswith("postgres")):
        databases.append(("postgres", pg_url or "postgres://postgres@127.0.0.1:5432/postgres"))
    machine = machine_info()
    results = [bench_database(name, url, args.rows, formats, args.keep) for name, url in databases]
    machine["loadavg_after"] = _db.loadavg()
    print_table(results, machine)
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine, "results": results}, indent=2))
    failed = any(
        "error" in e or e["rows_in_file"] != r["setup"]["rows"]
        for r in results
        for e in r.get("exports", [])
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
