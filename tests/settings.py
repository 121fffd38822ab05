"""The application's settings, with the environment a test run needs: Django's test client
speaks plain HTTP, so HTTPS-only behaviour is off unless a test turns it on. The key and the
data folder are given as production requires (they are set in the environment, so the servers
and workers that tests start as child processes get them too). Background jobs run at once,
inside the call that queues them; tests of the worker itself switch to the database queue."""

import os
import tempfile

os.environ.setdefault("FREEASSOC_HTTPS", "0")
os.environ.setdefault("SECRET_KEY", "tests-only-not-secret-" + "x" * 40)
os.environ.setdefault("FREEASSOC_DATA_DIR", tempfile.mkdtemp(prefix="freeassoc-tests-"))

from freeassoc.settings import *  # noqa: E402, F403

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
