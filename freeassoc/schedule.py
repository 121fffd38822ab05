"""Periodic jobs: what `freeassoc worker` queues on a schedule, one line a job.

Each runs on one worker however many are running (core/jobs.py). The purges keep the promises
of docs/privacy.md: they run every hour, so that what expires on a day is gone within an hour
of that day's start.
"""

from datetime import timedelta

from freeassoc.core.jobs import Periodic
from freeassoc.core.tasks import job_results_prune, ratelimit_counters_sweep
from freeassoc.findings.tasks import exports_expire
from freeassoc.groups.tasks import join_requests_purge
from freeassoc.imports.tasks import uploads_sweep
from freeassoc.orgs.tasks import sign_in_throttle_sweep
from freeassoc.surgeries.tasks import surgeries_purge
from freeassoc.surveys.tasks import drafts_purge, residue_sweep

HOURLY = timedelta(hours=1)

SCHEDULE = [
    Periodic(drafts_purge, every=HOURLY),
    Periodic(join_requests_purge, every=HOURLY),
    Periodic(surgeries_purge, every=HOURLY),
    Periodic(uploads_sweep, every=HOURLY),
    Periodic(exports_expire, every=timedelta(minutes=5)),
    Periodic(job_results_prune, every=timedelta(days=1)),
    # No history that joins an invitation to answers (docs/privacy.md, step 7).
    Periodic(residue_sweep, every=timedelta(minutes=5)),
    # No rate-limit key or sign-in counter outlives its window (docs/privacy.md).
    Periodic(ratelimit_counters_sweep, every=timedelta(minutes=1)),
    Periodic(sign_in_throttle_sweep, every=timedelta(minutes=10)),
]
