"""What the server's logs leave out, so that no log line dates a respondent.

A respondent's request is never written to the access log at all, not even with the time cut
to the day: log lines are in time order, so a dated neighbour (an organiser's page, a health
check) would date it to the second anyway. Static files are left out for the same reason:
a respondent's browser fetches the stylesheet right after the survey's first page. Django's
request log (4xx warnings such as a page sent with a missing answer) skips respondent pages
too; a server error (5xx) is still logged, with its traceback and no address, because an
operator cannot fix a fault they never see.
"""

import logging

from gunicorn.glogging import Logger

RESPONDENT_PREFIXES = ("/s/",)
UNLOGGED_PREFIXES = (*RESPONDENT_PREFIXES, "/static/")


class AccessLogger(Logger):
    """gunicorn's logger, minus the access lines of respondent pages and static files."""

    def access(self, resp, req, environ, request_time):
        if environ.get("PATH_INFO", "").startswith(UNLOGGED_PREFIXES):
            return
        super().access(resp, req, environ, request_time)


class SkipRespondentPages(logging.Filter):
    """Drops Django's request-log records below 500 for respondent pages."""

    def filter(self, record: logging.LogRecord) -> bool:
        path = getattr(getattr(record, "request", None), "path", "")
        if not isinstance(path, str) or not path.startswith(RESPONDENT_PREFIXES):
            return True
        return getattr(record, "status_code", 500) >= 500
