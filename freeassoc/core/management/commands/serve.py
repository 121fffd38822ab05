import gc
import multiprocessing
import sys

from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections
from gunicorn.app.base import BaseApplication

from freeassoc.core import ratelimit  # noqa: F401  (its in-memory secret is made before the fork)
from freeassoc.core.logs import AccessLogger

# The access log never names the client: no %(h)s (address), no %(a)s (agent), and the path
# without its query string (%(U)s), which may carry an invitation token. Respondent pages are
# not logged at all (core/logs.py says why).
ACCESS_LOG_FORMAT = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        """Called once, in this process, before the workers fork (preload_app): the whole
        site is imported here, URLconf and views included, so that the workers share it."""
        from django.urls import get_resolver

        from freeassoc.wsgi import application

        get_resolver().url_patterns  # noqa: B018 (imports every view and what it needs)
        return application


def workers_default() -> int:
    return min(2 * multiprocessing.cpu_count() + 1, 9)


def close_before_fork() -> None:
    """Close everything a forked worker would otherwise share with its siblings.

    gunicorn forks its workers from this process after `migrate` has run here. A database
    connection (kept open by CONN_MAX_AGE) crossing the fork is one socket used by every
    worker at once: under load one worker read another's result (a 500, or worse, another
    respondent's row), and SQLite warns that a connection carried across fork() can corrupt
    the database. Each worker opens its own connections on its first request instead. Output
    still buffered here would be written once by every worker: flush it first."""
    connections.close_all()
    caches.close_all()
    sys.stdout.flush()
    sys.stderr.flush()


def before_each_fork(server, worker) -> None:
    """gunicorn's pre_fork hook, in this process before it forks each worker (the first ones,
    and any that replace a worker that died). Closes what must not be shared, then moves every
    object the site has made so far out of the garbage collector's reach (gc.freeze): the site
    imports the analysis libraries, and a full collection walking all of them paused a page
    POST for 30-100 ms every few dozen requests. Frozen objects are also left alone by the
    workers' collections, so the memory pages they share with this process stay shared."""
    close_before_fork()
    gc.collect()
    gc.freeze()


class Command(BaseCommand):
    help = "Migrate the database, then serve the application with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=workers_default())
        parser.add_argument("--no-access-log", action="store_true")

    def handle(self, *args, host, port, workers, no_access_log, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        self.stdout.write(f"Serving on http://{host}:{port}/ with {workers} workers")
        close_before_fork()
        _Gunicorn(
            {
                "bind": f"{host}:{port}",
                "workers": workers,
                "accesslog": None if no_access_log else "-",
                "access_log_format": ACCESS_LOG_FORMAT,
                "logger_class": AccessLogger,
                "forwarded_allow_ips": ",".join(settings.FREEASSOC_TRUSTED_PROXIES),
                "timeout": 60,
                "preload_app": True,
                "pre_fork": before_each_fork,
            }
        ).run()
