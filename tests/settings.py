"""The application's settings, with the environment a test run needs: Django's test client
speaks plain HTTP, so HTTPS-only behaviour is off unless a test turns it on."""

import os

os.environ.setdefault("FREEASSOC_HTTPS", "0")

from freeassoc.settings import *  # noqa: E402, F403
