"""The floor as a WSGI application, for gunicorn."""

import os

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.floor_settings"

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
