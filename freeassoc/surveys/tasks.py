from freeassoc.core.jobs import job

from . import services


@job()
def drafts_purge() -> int:
    """Delete answers in progress whose resume code has expired (docs/privacy.md)."""
    return services.drafts_purge_expired()
