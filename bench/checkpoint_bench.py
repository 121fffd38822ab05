"""Benchmark: what folding SQLite's write-ahead log away costs per submission.

After each invitation spent, each submission and each group of answers added, the services
run `PRAGMA wal_checkpoint(TRUNCATE)` (freeassoc/core/residue.py) so that a copy of the data
folder holds no history of which write followed which (docs/privacy.md). This measures, on
a file database in a temporary data folder, with the shipped settings (WAL, synchronous
NORMAL, secure_delete on):

- send: one draft's answers sent (draft deleted, answers held, in one transaction) and the
  check for a group to add, without the checkpoint;
- checkpoint: the checkpoint that follows it.

The respondent's page does both, so the cost to a submission is their sum; the ratio says
what the checkpoint adds. Run from the repository root:

    .venv/bin/python bench/checkpoint_bench.py --submissions 300
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _db  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=300)
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="freeassoc-checkpoint-"))
    os.environ.pop("DATABASE_URL", None)
    os.environ["FREEASSOC_DATA_DIR"] = str(data)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "freeassoc.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from freeassoc.core import residue
    from freeassoc.findings.synthetic import generate_answers
    from freeassoc.orgs.models import Organisation
    from freeassoc.surveys import services
    from freeassoc.surveys.models import Draft, Survey

    call_command("migrate", verbosity=0)
    org = Organisation.objects.create(name="Bench", slug="bench", kind="union", approved=True)
    survey = Survey.objects.create(
        organisation=org, title="Checkpoint bench", instrument_slug="surviving-work",
        instrument_version=1, status=Survey.Status.OPEN, disclosure_k=10,
    )  # fmt: skip
    answers = generate_answers(args.submissions, 7)
    checkpoint = residue.wal_checkpoint
    residue.wal_checkpoint = lambda **_: True  # the services' own calls: timed apart below
    send_s, checkpoint_s, emptied = [], [], 0
    for i in range(args.submissions):
        draft = Draft.objects.create(
            survey=survey, collector_kind="open", key_hash=f"{i:064d}", answers=answers[i],
            expires_on="2099-01-01",
        )  # fmt: skip
        started = time.perf_counter()
        with transaction.atomic():
            Draft.objects.filter(pk=draft.pk).delete()
            services.answers_hold(survey=survey, collector_kind="open", answers=answers[i])
        services.held_release(survey=survey)  # every tenth adds a group
        middle = time.perf_counter()
        emptied += checkpoint()
        checkpoint_s.append(time.perf_counter() - middle)
        send_s.append(middle - started)

    def ms(values, q):
        return round(statistics.quantiles(values, n=100)[q - 1] * 1000, 2)

    print("SQLite checkpoint cost per submission", _db.machine_info())
    print(f"  submissions {args.submissions}, log emptied {emptied} times")
    print(f"  send        p50 {ms(send_s, 50)} ms  p95 {ms(send_s, 95)} ms")
    print(f"  checkpoint  p50 {ms(checkpoint_s, 50)} ms  p95 {ms(checkpoint_s, 95)} ms")
    ratio = statistics.median(checkpoint_s) / statistics.median(send_s)
    print(f"  checkpoint / send (medians) {ratio:.2f}")


if __name__ == "__main__":
    main()
