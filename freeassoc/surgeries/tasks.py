from freeassoc.core.jobs import job

from . import services


@job()
def surgeries_purge() -> int:
    """Delete what was said at surgeries whose deletion day has come, keeping theme counts."""
    return services.surgeries_purge_due()
