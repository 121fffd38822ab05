"""Background jobs in one process: a worker's liveness, the recovery of jobs whose worker died
(and what their pages then say), and the schedule of periodic jobs. tests/core/test_worker.py
runs the real `freeassoc worker` process."""

import datetime
import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult

from freeassoc.core import jobs
from freeassoc.core.models import PeriodicRun, WorkerProcess
from freeassoc.findings.models import ExportFile
from freeassoc.imports import services as import_services
from freeassoc.imports import tasks as import_tasks
from freeassoc.imports.models import ImportBatch
from freeassoc.schedule import SCHEDULE
from freeassoc.surveys.models import Draft, Response
from tests.auth import sign_in
from tests.imports.conftest import GOOD_ROWS, MAPPING
from tests.imports.test_web import csv_bytes

QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def queue(settings, tmp_path):
    """The database queue instead of the tests' run-at-once backend: jobs wait for a worker."""
    settings.TASKS = QUEUE
    settings.FREEASSOC_IMPORT_DIR = str(tmp_path / "imports")


def die(lock: jobs.WorkerLock) -> None:
    """What the kernel and PostgreSQL do when a worker is killed: its lock goes with it.
    (PostgreSQL's server process ends a moment after its client's connection closes.)"""
    if lock._connection is not None:
        lock._connection.close()
        deadline = time.monotonic() + 10
        while lock.key in jobs._held_postgresql() and time.monotonic() < deadline:
            time.sleep(0.01)
    if lock._fd is not None:
        os.close(lock._fd)


def claim(lock: jobs.WorkerLock) -> DBTaskResult:
    """Take the next job as `freeassoc worker` does, without running it."""
    result = DBTaskResult.objects.ready().get_locked()
    result.claim(lock.worker_id)
    return result


def queue_import(client, organiser, survey) -> ImportBatch:
    sign_in(client, organiser)
    files = {
        "data": SimpleUploadedFile("theirs.csv", csv_bytes(GOOD_ROWS)),
        "mapping": SimpleUploadedFile("map.yaml", MAPPING.encode()),
    }
    checked = client.post(reverse("imports:start", args=[survey.pk]), files)
    token = checked["Location"].rstrip("/").rsplit("/", 1)[1]
    client.post(reverse("imports:confirm", args=[survey.pk, token]))
    return ImportBatch.objects.get(survey=survey)


def test_a_registered_worker_is_alive_until_its_process_dies(db):
    lock = jobs.WorkerLock().register()
    assert jobs.dead_workers() == [] and jobs.workers_alive()
    die(lock)
    assert [w.worker_id for w in jobs.dead_workers()] == [lock.worker_id]
    assert not jobs.workers_alive()
    jobs.recover()
    assert not WorkerProcess.objects.exists()  # the dead are forgotten once recovered


def test_a_worker_that_stops_cleanly_leaves_no_trace(db):
    lock = jobs.WorkerLock().register()
    lock.release()
    assert not WorkerProcess.objects.exists() and jobs.dead_workers() == []


def test_an_import_whose_worker_died_runs_again_then_fails_and_its_page_says_so(
    client, organiser, survey, queue
):
    batch = queue_import(client, organiser, survey)
    page_url = reverse("imports:batch", args=[survey.pk, batch.pk])
    assert "No background worker is running" in client.get(page_url).text

    first = jobs.WorkerLock().register()
    job = claim(first)
    ImportBatch.objects.filter(pk=batch.pk).update(status="running", rows_done=50_000)
    assert jobs.recover() == 0  # its worker is alive: a long import is left alone
    page = client.get(page_url).text
    assert "Importing" in page and "stopped" not in page

    die(first)  # kill -9 in the middle of the import
    page = client.get(page_url).text  # the page itself notices
    assert import_tasks.RESTARTING in page
    batch.refresh_from_db()
    job.refresh_from_db()
    assert batch.status == "queued" and batch.rows_done == 0
    assert job.status == "READY"  # queued again, with the same upload
    assert not Response.objects.exists()

    second = jobs.WorkerLock().register()
    claim(second)
    ImportBatch.objects.filter(pk=batch.pk).update(status="running")
    die(second)
    page = client.get(page_url).text
    assert escape(import_tasks.CUT_OFF) in page
    batch.refresh_from_db()
    job.refresh_from_db()
    assert batch.status == "failed" and job.status == "FAILED"
    assert list(import_services.progress_dir().glob("upload-*")) == []  # the file is gone
    assert "Importing" not in client.get(reverse("imports:batches", args=[survey.pk])).text


def test_an_export_whose_worker_died_says_so_and_is_made_again(client, analyst, survey, queue):
    sign_in(client, analyst)
    asked = client.post(f"/org/surveys/{survey.pk}/export/sav/")
    made = ExportFile.objects.get()
    lock = jobs.WorkerLock().register()
    claim(lock)
    ExportFile.objects.filter(pk=made.pk).update(status="running")
    die(lock)
    page = client.get(asked["Location"]).text
    assert "stopped while making this file" in page and "made again" in page
    made.refresh_from_db()
    assert made.status == "queued"


def test_each_periodic_job_is_queued_once_a_period_however_many_workers_tick(db, settings):
    settings.TASKS = QUEUE
    minutes, hour, day = (datetime.timedelta(minutes=5), datetime.timedelta(hours=1),
                          datetime.timedelta(days=1))  # fmt: skip
    tasks = [p.task for p in SCHEDULE[:3]]
    schedule = [jobs.Periodic(tasks[0], minutes), jobs.Periodic(tasks[1], hour),
                jobs.Periodic(tasks[2], day)]  # fmt: skip
    names = [p.name for p in schedule]
    now = timezone.now()
    assert jobs.schedule_tick(schedule, now) == names
    assert jobs.schedule_tick(schedule, now) == []  # a second worker, at the same moment
    assert jobs.schedule_tick(schedule, now + datetime.timedelta(minutes=59)) == names[:1]
    later = now + datetime.timedelta(hours=1, seconds=1)
    # the five-minute job ran at 59 minutes, so it is not due again yet
    assert jobs.schedule_tick(schedule, later) == names[1:2]
    assert DBTaskResult.objects.count() == len(names) + 1 + 1
    run = PeriodicRun.objects.get(name=names[1])
    assert run.last_run_at == later and run.next_run_at == later + hour


def test_the_schedule_runs_every_purge_and_sweep_that_docs_promise():
    scheduled = {p.name.rsplit(".", 1)[1]: p.every for p in SCHEDULE}
    hour = datetime.timedelta(hours=1)
    for name in ("drafts_purge", "join_requests_purge", "surgeries_purge"):
        assert scheduled[name] <= hour, name  # docs/privacy.md: within an hour
    assert scheduled["ratelimit_counters_sweep"] <= datetime.timedelta(minutes=1)
    assert scheduled["residue_sweep"] <= datetime.timedelta(minutes=5)


def test_a_worker_reading_a_stale_schedule_does_not_queue_the_run_again(db, settings):
    settings.TASKS = QUEUE
    now = timezone.now()
    jobs.schedule_tick(SCHEDULE[:1], now)
    PeriodicRun.objects.update(next_run_at=now)  # both workers read "due at now" ...
    assert jobs.schedule_tick(SCHEDULE[:1], now) == [SCHEDULE[0].name]  # ... one moves it on
    assert jobs.schedule_tick(SCHEDULE[:1], now) == []
    assert DBTaskResult.objects.count() == 2


def test_the_schedule_purges_expired_drafts(open_link):
    today = timezone.localdate()
    kept = {"survey": open_link.survey, "collector_kind": open_link.kind}
    Draft.objects.create(**kept, key_hash="a" * 64, expires_on=today)
    Draft.objects.create(**kept, key_hash="b" * 64, expires_on=today - datetime.timedelta(days=1))
    jobs.schedule_tick(SCHEDULE)  # the tests' backend runs each job as it is queued
    assert list(Draft.objects.values_list("key_hash", flat=True)) == ["a" * 64]


def test_old_job_records_are_pruned(db, settings):
    settings.TASKS = QUEUE
    from freeassoc.core.tasks import job_results_prune

    job_results_prune.enqueue()
    DBTaskResult.objects.update(status="SUCCESSFUL", finished_at=timezone.now())
    assert jobs.results_prune() == 0
    DBTaskResult.objects.update(finished_at=timezone.now() - datetime.timedelta(days=8))
    assert jobs.results_prune() == 1
