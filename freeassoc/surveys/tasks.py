from freeassoc.core.jobs import job

from . import services


@job()
def drafts_purge() -> int:
    """Delete answers in progress whose resume code has expired (docs/privacy.md)."""
    return services.drafts_purge_expired()


@job()
def residue_sweep() -> None:
    """Add held answers of surveys no longer open, then remove what the database keeps of
    deleted rows that could join an invitation to answers (docs/privacy.md, step 7)."""
    services.residue_sweep()
