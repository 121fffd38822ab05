from freeassoc.core.jobs import job

from . import throttle


@job()
def sign_in_throttle_sweep() -> int:
    """Delete sign-in failure counters whose lockout is over (docs/organisations.md)."""
    return throttle.sweep()
