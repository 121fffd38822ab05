"""The jobs core runs for itself."""

from . import jobs


@jobs.job()
def job_results_prune() -> int:
    return jobs.results_prune()
