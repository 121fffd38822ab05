from freeassoc.core.jobs import job

from . import services


@job()
def join_requests_purge() -> int:
    """Delete join requests nobody answered in time, with the worker's address."""
    return services.join_requests_purge_expired()
