"""Settings for the benchmarks: the real settings, plus the floor app and its URL."""

from freeassoc.settings import *  # noqa: F403
from freeassoc.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.floorapp"]
ROOT_URLCONF = "bench.urls_bench"
