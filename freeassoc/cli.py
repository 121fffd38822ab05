"""The `freeassoc` command: Django's management commands under one name.

`freeassoc serve`, `freeassoc demo`, `freeassoc worker`, and every other management command;
a dash in a command's name stands for an underscore (`freeassoc import-responses` runs
`import_responses`).
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    if len(argv) > 1 and argv[1] == "demo":
        # The demo runs with no configuration, serves plain HTTP on this machine (secure-only
        # cookies would never be sent) and prints mail instead of sending it.
        os.environ.setdefault("FREEASSOC_DEMO", "1")
        os.environ.setdefault("FREEASSOC_HTTPS", "0")
        os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "freeassoc.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings, which check the environment
    except ImproperlyConfigured as exc:
        sys.exit(f"freeassoc: {exc}")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
