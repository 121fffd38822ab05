"""The floor's settings: the bare minimum Django needs to take a POST and insert one row.

No middleware at all (no sessions, no CSRF, no security headers), no templates, no static
files: what any Django view on this database costs, and nothing more. The database is the one
the real site uses (the same DATABASE_URL, the same SQLite options), so the comparison is
between the survey's code and Django itself, not between two databases.
"""

import os

from freeassoc import settings as site

SECRET_KEY = os.environ.get("SECRET_KEY", "bench-floor-only")
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["bench.floorapp"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.floor_urls"
DATABASES = site.DATABASES  # the very same connection settings as the site's
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Europe/London"
