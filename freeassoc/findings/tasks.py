"""Findings jobs for `freeassoc worker`: export files, and warming the findings cache."""

from django.db import transaction

from freeassoc.core.jobs import job
from freeassoc.surveys.models import Survey

from . import export_files, exports
from .models import ExportFile


@job(retries=1, on_lost=export_files.export_file_lost)
def export_make(export_id: int) -> str:
    return export_files.export_file_make(export_id)


def export_queue(*, survey: Survey, user, fmt: str) -> ExportFile:
    """An export file for `user`, and the job that makes it, queued together."""
    with transaction.atomic():
        export = ExportFile.objects.create(
            survey=survey, requested_by=user, fmt=fmt, rows_total=exports.response_count(survey)
        )
        result = export_make.enqueue(export.pk)
        ExportFile.objects.filter(pk=export.pk).update(job_id=str(result.id))
    export.refresh_from_db()
    return export


@job()
def exports_expire() -> int:
    return export_files.export_files_expire()


@job()
def cache_rebuild(survey_id: int) -> bool:
    """Bring a survey's findings cache up to date (after an import or a withdrawal), so the
    next reader of its findings does not wait for it. False if the survey has gone."""
    from . import cache
    from . import definitions as defs

    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None or not cache.enabled():
        return False
    cache.survey_frame(survey, defs.for_instrument(survey.instrument))
    return True
