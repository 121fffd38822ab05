"""The jobs core runs for itself."""

from . import jobs, ratelimit


@jobs.job()
def job_results_prune() -> int:
    return jobs.results_prune()


@jobs.job()
def ratelimit_counters_sweep() -> int:
    """Delete rate-limit counters whose window has ended (docs/privacy.md: no key outlives
    its window)."""
    return ratelimit.ratelimit_sweep()
