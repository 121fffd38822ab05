"""Benchmark: the full findings report (every indicator, interval, comparison, breakdown and
disclosure control) end to end from the database, at 100k and 1M synthetic responses, cold
and warm.

    .venv/bin/python bench/findings_bench.py                      # SQLite in a temp folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/freeassoc_findings_bench \\
        .venv/bin/python bench/findings_bench.py                  # PostgreSQL
    .venv/bin/python bench/findings_bench.py --sizes 100000       # one size only

Responses are bulk-loaded (executemany on SQLite, COPY on PostgreSQL) into a synthetic survey
of their own, which is deleted afterwards. Each report runs in a fresh child process, so that
its peak resident memory (VmHWM) is the report's own plus Python and Django, and is measured
in four states of the survey's answer cache (freeassoc/findings/cache.py):

- no cache: the cache switched off, every answer decoded (what a report cost before it);
- cold: no cache file yet, so every answer is decoded and the file written;
- warm: the file is there and nothing changed;
- warm + new: the file is there and --new-share more responses (1% by default) arrived
  since, so those are decoded, appended and the file rewritten.

The targets (DESIGN.md): < 1 s at 100k, < 5 s at 1M, peak memory < 2 GB, on the 2-core
machine. The best of --repeat runs is reported, with every run's wall time beside it.
"""

from __future__ import annotations

import argparse
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

STATES = ["no_cache", "cold", "warm", "warm_new"]


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "freeassoc.settings")
    import django

    django.setup()


def create_survey(n: int):
    from freeassoc.orgs.models import Organisation
    from freeassoc.surveys.models import Survey

    org, _ = Organisation.objects.get_or_create(
        slug="findings-bench",
        defaults={"name": "Findings benchmark (synthetic)", "kind": "research"},
    )
    return Survey.objects.create(
        organisation=org,
        title=f"Findings benchmark, {n:,} synthetic responses",
        instrument_slug="surviving-work",
        instrument_version=1,
        is_synthetic=True,
    )


def measure(survey_id: int, use_cache: bool) -> dict:
    """Run in a child process: one full report from the database, timed by stage. The stages
    are exactly what reports.survey_findings() does, so their sum is the end-to-end time."""
    from django.conf import settings

    from freeassoc.findings import cache, definitions, disclosure, engine
    from freeassoc.surveys.models import Survey

    settings.FINDINGS_CACHE = use_cache
    survey = Survey.objects.get(pk=survey_id)
    marks = [(time.perf_counter(), time.process_time())]
    defs = definitions.for_instrument(survey.instrument)
    answers = cache.survey_frame(survey, defs)
    marks.append((time.perf_counter(), time.process_time()))
    report = engine.compute(answers, defs)
    marks.append((time.perf_counter(), time.process_time()))
    text = json.dumps(disclosure.publish(report, k=survey.disclosure_k))
    marks.append((time.perf_counter(), time.process_time()))
    names = ["answers", "compute", "disclosure_and_json"]
    return {
        "responses": answers.height,
        "wall_s": round(marks[-1][0] - marks[0][0], 3),
        "cpu_s": round(marks[-1][1] - marks[0][1], 3),
        "stages_wall_s": {n: round(marks[i + 1][0] - marks[i][0], 3) for i, n in enumerate(names)},
        "json_bytes": len(text),
        "peak_rss_mb": _db.peak_rss_mb(),
    }


def _child(survey_id: int, use_cache: bool) -> dict:
    command = [sys.executable, __file__, "--measure", str(survey_id)]
    if not use_cache:
        command.append("--no-cache")
    child = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())
    if child.returncode != 0:
        raise SystemExit(f"the report failed:\n{child.stderr[-4000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def bench_size(n: int, seed: int, repeat: int, new_share: float, keep: bool) -> None:
    from django.db import connection

    from freeassoc.findings import cache
    from freeassoc.findings.synthetic import generate_json

    started = time.perf_counter()
    texts = generate_json(n, seed)
    extra = generate_json(max(50, int(n * new_share)), seed + 1)
    generated = time.perf_counter() - started
    survey = create_survey(n)
    inserted = _db.load_responses(survey, texts)
    print(
        f"  loaded {n:,} responses: generated in {generated:.1f} s, inserted in {inserted:.1f} s",
        flush=True,
    )
    path = cache.path_for(survey)
    saved = path.with_suffix(".saved")
    runs: dict[str, list[dict]] = {state: [] for state in STATES}
    try:
        for _ in range(repeat):
            runs["no_cache"].append(_child(survey.pk, use_cache=False))
        for _ in range(repeat):
            path.unlink(missing_ok=True)
            runs["cold"].append(_child(survey.pk, use_cache=True))
        for _ in range(repeat):
            runs["warm"].append(_child(survey.pk, use_cache=True))
        shutil.copyfile(path, saved)
        _db.load_responses(survey, extra)
        for _ in range(repeat):
            # The file as it was before the new responses, each time.
            shutil.copyfile(saved, path)
            runs["warm_new"].append(_child(survey.pk, use_cache=True))
        for state, results in runs.items():
            best = min(results, key=lambda r: r["wall_s"])
            print(
                json.dumps(
                    {
                        "database": connection.vendor,
                        "responses": n,
                        "state": state,
                        "best": best,
                        "all_wall_s": [r["wall_s"] for r in results],
                        "cache_file_mb": round(path.stat().st_size / 1e6, 1),
                        "load_average": _db.loadavg(),
                    }
                ),
                flush=True,
            )
    finally:
        saved.unlink(missing_ok=True)
        if not keep:
            cache.forget(survey)
            _db.delete_responses(survey.pk)
            survey.delete()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs per size and state (fresh process each)"
    )
    parser.add_argument(
        "--new-share", type=float, default=0.01, help="responses added for the warm + new state"
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark surveys")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--no-cache", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        _setup_django()
        print(json.dumps(measure(args.measure, use_cache=not args.no_cache)))
        return

    tmp = tempfile.TemporaryDirectory(prefix="findings-bench-")
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp.name}/bench.sqlite3"
    elif os.environ["DATABASE_URL"].startswith("postgres"):
        _db.create_postgres(os.environ["DATABASE_URL"], replace=False)
    # The cache files go to a folder of the benchmark's own.
    os.environ["FREEASSOC_DATA_DIR"] = tmp.name
    _setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    machine = _db.machine_info(("django", "polars"))
    print(json.dumps({"machine": machine, "database": connection.vendor}), flush=True)
    try:
        for n in [int(s) for s in args.sizes.split(",")]:
            bench_size(n, args.seed, args.repeat, args.new_share, args.keep)
    finally:
        tmp.cleanup()


if __name__ == "__main__":
    main()
