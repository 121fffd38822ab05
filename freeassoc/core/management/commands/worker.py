"""`freeassoc worker`: run queued jobs and the schedule of periodic ones, until stopped."""

import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import OperationalError
from django_tasks_db.management.commands.db_worker import Worker

from freeassoc.core import jobs

RECOVER_EVERY = 10.0  # seconds between looks for jobs of dead workers
SCHEDULE_EVERY = 5.0  # seconds between looks at the schedule
log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run background jobs (imports, exports, purges, cache rebuilds) and the schedule of "
        "periodic ones. Run one or more beside the web server; stop with SIGTERM or Ctrl+C "
        "(the job under way finishes first)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between looks at the queue."
        )

    def handle(self, *args, interval, **options):
        from freeassoc.schedule import SCHEDULE

        lock = jobs.WorkerLock().register()
        # django-tasks-db's own worker claims and runs the jobs ("batch": every job ready
        # now, then back here); this loop adds the schedule and recovery around it.
        worker = Worker(
            queue_names=["*"], interval=0, batch=True, backend_name="default",
            startup_delay=False, max_tasks=None, worker_id=lock.worker_id,
            excluded_queue_names=[],
        )  # fmt: skip

        # Stopping only clears `running`: the loop ends at its next turn, after the job under
        # way. (django-tasks-db's own handler exits from inside whatever query is running,
        # which leaves the connection unusable for releasing the lock.) A second signal forces.
        def stop(signum, frame):
            if not worker.running:
                worker.reset_signals()
                raise SystemExit(1)
            worker.running = False

        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, stop)
        # Its worker says "starting" and "no more tasks" each time round this loop.
        logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
        self.stdout.write(f"Worker {lock.worker_id} started; {len(SCHEDULE)} periodic jobs.")
        recovered_at = scheduled_at = 0.0
        try:
            while worker.running:
                lock.keep()
                try:
                    if time.monotonic() - recovered_at >= RECOVER_EVERY:
                        jobs.recover()
                        recovered_at = time.monotonic()
                    if time.monotonic() - scheduled_at >= SCHEDULE_EVERY:
                        jobs.schedule_tick(SCHEDULE)
                        scheduled_at = time.monotonic()
                except OperationalError as exc:
                    # SQLite: another worker's import holds the write lock; try again later.
                    log.warning("worker bookkeeping postponed: %s", exc)
                worker.run()
                if worker.running:
                    time.sleep(interval)
        finally:
            lock.release()
