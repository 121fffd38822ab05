"""Background jobs: Django's tasks API (the `django-tasks` backport) on the database queue of
`django-tasks-db`, run by `freeassoc worker`; plus the two things those libraries leave out.

1. **A worker that dies mid-job.** django-tasks-db marks a job RUNNING when a worker claims it
   and leaves it so if the worker is killed (kill -9, the kernel's out-of-memory killer, a lost
   host). Here every worker holds a lock for as long as its process lives -- an advisory lock
   on a connection of its own on PostgreSQL, an flock on a file beside the SQLite database --
   which the database server or the kernel releases when the process dies, however it dies.
   `recover()` finds workers whose lock is free, and hands each job they were running to its
   `on_lost` hook: queued again while it has retries left, else failed, and the job's own page
   says which. No timeout is guessed: a long import is never mistaken for a dead one.

2. **A schedule.** `schedule_tick()` queues each periodic job when it is due. Its last and next
   run are a row each (PeriodicRun), moved on with a compare-and-set in the same transaction
   that queues the job, so several workers never queue the same run twice.

Jobs are declared with `@job(...)` in each app's tasks.py, and queued with `.enqueue(...)`
(Django's tasks API). Their arguments are ids and tokens, never answers: the queue's table
keeps them for FREEASSOC_JOB_RESULTS_DAYS.
"""

from __future__ import annotations

import datetime
import fcntl
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task, TaskResultStatus

from .models import PeriodicRun, WorkerProcess

log = logging.getLogger(__name__)

# PostgreSQL advisory locks take two int4 keys: this one names ours, the other is the worker's.
LOCK_CLASS = 4642
LOST = "freeassoc.core.jobs.WorkerLost"


class WorkerLost(Exception):
    """Recorded as a job's error when the worker running it stopped before it finished."""


@dataclass(frozen=True)
class JobSpec:
    retries: int  # runs after the first, if a worker dies under it
    on_lost: Callable | None  # on_lost(*args, retrying: bool, **kwargs)


_specs: dict[str, JobSpec] = {}


def job(*, retries: int = 0, on_lost: Callable | None = None) -> Callable[[Callable], Task]:
    """`@task` with what to do if the worker running it dies: `retries` more runs, and
    `on_lost(*args, retrying=..., **kwargs)` to tell the job's own record (its page)."""

    def wrap(func: Callable) -> Task:
        made = task(func)
        _specs[made.module_path] = JobSpec(retries=retries, on_lost=on_lost)
        return made

    return wrap


# Liveness --------------------------------------------------------------------------------------


def _lock_dir() -> Path:
    path = Path(settings.DATA_DIR) / "workers"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _is_postgresql() -> bool:
    return connections[DEFAULT_DB_ALIAS].vendor == "postgresql"


class WorkerLock:
    """This process's claim to be alive. `register()` takes the lock first and only then
    writes the WorkerProcess row, so a row whose lock is free always means a dead worker."""

    def __init__(self) -> None:
        self.worker_id = secrets.token_hex(16)
        self.key = secrets.randbelow(2**31 - 1) + 1
        self._connection = None
        self._fd: int | None = None
        self._checked = 0.0

    def register(self) -> WorkerLock:
        self._lock()
        WorkerProcess.objects.create(
            worker_id=self.worker_id, lock_key=self.key, host=socket.gethostname()[:255],
            pid=os.getpid(),
        )  # fmt: skip
        return self

    def _lock(self) -> None:
        if _is_postgresql():
            # A connection of its own: Django closes and reopens the worker's usual one, and
            # a session's advisory lock lasts exactly as long as its connection.
            self._connection = connections.create_connection(DEFAULT_DB_ALIAS)
            with self._connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_CLASS, self.key])
        else:
            path = _lock_dir() / f"{self.worker_id}.lock"
            self._fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def keep(self) -> None:
        """Called from the worker's loop: if PostgreSQL restarted, the lock went with its
        connection, and another process may already have recovered this worker's jobs; lock
        again, and register again if the row was removed."""
        if self._connection is None or time.monotonic() - self._checked < 10:
            return
        self._checked = time.monotonic()
        if self._connection.is_usable():
            return
        log.warning("worker %s lost its lock connection; locking again", self.worker_id)
        try:
            self._connection.close()
        except Exception:  # noqa: BLE001, S110 - it is already broken
            pass
        self._lock()
        if not WorkerProcess.objects.filter(worker_id=self.worker_id).exists():
            WorkerProcess.objects.create(
                worker_id=self.worker_id, lock_key=self.key, host=socket.gethostname()[:255],
                pid=os.getpid(),
            )  # fmt: skip

    def release(self) -> None:
        WorkerProcess.objects.filter(worker_id=self.worker_id).delete()
        if self._connection is not None:
            self._connection.close()
        if self._fd is not None:
            (_lock_dir() / f"{self.worker_id}.lock").unlink(missing_ok=True)
            os.close(self._fd)


def _held_postgresql() -> set[int]:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = %s "
            "AND objsubid = 2 AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [LOCK_CLASS],
        )
        return {int(row[0]) for row in cursor.fetchall()}


def _alive_sqlite(worker: WorkerProcess) -> bool:
    """Whether the worker's lock file is still locked: if this process can lock it, nobody
    holds it. (flock belongs to the open file, so this works within the same process too.)"""
    path = _lock_dir() / f"{worker.worker_id}.lock"
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    path.unlink(missing_ok=True)
    return False


def dead_workers() -> list[WorkerProcess]:
    workers = list(WorkerProcess.objects.all())
    if not workers:
        return []
    if _is_postgresql():
        held = _held_postgresql()
        return [w for w in workers if w.lock_key not in held]
    return [w for w in workers if not _alive_sqlite(w)]


def workers_alive() -> bool:
    """Whether any worker is running to take queued jobs (pages say so when none is)."""
    return WorkerProcess.objects.count() > len(dead_workers())


# Recovering the jobs of dead workers -------------------------------------------------------


def _spec(result) -> JobSpec:
    try:
        result.task  # noqa: B018 - importing the task's module registers its spec
    except Exception:  # noqa: BLE001 - a task that no longer exists: just fail it
        return JobSpec(retries=0, on_lost=None)
    return _specs.get(result.task_path, JobSpec(retries=0, on_lost=None))


def recover() -> int:
    """Hand each job that a dead worker was running to its on_lost hook, queued again or
    failed; then forget the dead workers. Returns how many jobs were recovered. Cheap when
    every worker is alive (one query, and one lock check per worker), so pages that show a
    job's progress call it too: they then tell the truth even when no worker is left."""
    from django_tasks_db.models import DBTaskResult

    dead = dead_workers()
    if not dead:
        return 0
    ids = {w.worker_id for w in dead}
    recovered = 0
    for result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
        if not result.worker_ids or result.worker_ids[-1] not in ids:
            continue
        spec = _spec(result)
        retrying = len(result.worker_ids) <= spec.retries
        now = timezone.now()
        with transaction.atomic():
            # The status condition makes this a compare-and-set: of two processes
            # recovering at once, one wins.
            won = DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING)
            changed = won.update(
                status=TaskResultStatus.READY if retrying else TaskResultStatus.FAILED,
                finished_at=None if retrying else now,
                exception_class_path=LOST,
                traceback="The worker running this job stopped before it finished.",
            )
            if changed and spec.on_lost is not None:
                args = result.args_kwargs
                spec.on_lost(*args["args"], retrying=retrying, **args["kwargs"])
        if changed:
            recovered += 1
            log.warning(
                "job %s (%s) lost with its worker; %s",
                result.pk, result.task_path, "queued again" if retrying else "failed",
            )  # fmt: skip
    WorkerProcess.objects.filter(pk__in=[w.pk for w in dead]).delete()
    return recovered


# The schedule ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Periodic:
    """A job queued every `every`: one line of freeassoc/schedule.py."""

    task: Task
    every: datetime.timedelta

    @property
    def name(self) -> str:
        return self.task.module_path


def schedule_tick(schedule: Iterable[Periodic], now: datetime.datetime | None = None) -> list:
    """Queue each periodic job that is due. Returns the names queued by this call."""
    now = now or timezone.now()
    queued = []
    for periodic in schedule:
        run = PeriodicRun.objects.filter(name=periodic.name).first()
        if run is None:
            try:
                with transaction.atomic():
                    run = PeriodicRun.objects.create(name=periodic.name, next_run_at=now)
            except IntegrityError:  # another worker made it first
                run = PeriodicRun.objects.get(name=periodic.name)
        if run.next_run_at > now:
            continue
        with transaction.atomic():
            moved = PeriodicRun.objects.filter(pk=run.pk, next_run_at=run.next_run_at).update(
                last_run_at=now, next_run_at=now + periodic.every
            )
            if moved:
                periodic.task.enqueue()
                queued.append(periodic.name)
    return queued


def results_prune() -> int:
    """Delete the queue's records of jobs finished more than FREEASSOC_JOB_RESULTS_DAYS ago."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - datetime.timedelta(days=settings.FREEASSOC_JOB_RESULTS_DAYS)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted
