"""What core keeps: rate-limit counters (ratelimit.py); and, beside the queue's own table
(django-tasks-db's DBTaskResult), which workers are alive and when each periodic job last ran
(jobs.py)."""

from django.db import models


class RateCounter(models.Model):
    """One client's count for one rate limit in one window (see core/ratelimit.py).

    The key is the limit's name and a digest of the client's network under the window's key,
    which is never stored here. `expires` is the end of the window: the same for every
    counter of the window, so no row says when within it its client came. There is no
    automatic id, whose order would tell who came first."""

    key = models.CharField(max_length=100, primary_key=True)
    expires = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return self.key


class WorkerProcess(models.Model):
    """A running `freeassoc worker`. The row says who it is; whether it is still alive is told
    by a lock it holds for as long as it lives (jobs.WorkerLock), never by the row alone."""

    worker_id = models.CharField(max_length=64, unique=True)
    lock_key = models.PositiveIntegerField(unique=True)  # PostgreSQL: its advisory lock
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"worker {self.worker_id} (pid {self.pid} on {self.host})"


class PeriodicRun(models.Model):
    """When a periodic job was last queued and is next due. Workers move `next_run_at` on
    with a compare-and-set, so however many run the schedule, each run is queued once."""

    name = models.CharField(max_length=200, unique=True)  # the task's dotted path
    last_run_at = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name}: next at {self.next_run_at:%Y-%m-%d %H:%M}"
