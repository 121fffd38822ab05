"""Imports as background jobs: an upload the organiser confirmed is imported by
`freeassoc worker`, with its progress on the batch's page.

If the worker dies under an import (killed, out of memory, the host restarted), the import's
transaction never committed, so nothing was stored: the import is queued once more from the
upload, which is still there; if that run dies too, the batch fails and says so."""

from django.db import transaction
from django.utils import timezone

from freeassoc.core.jobs import job

from . import services, uploads
from .models import ImportBatch

RESTARTING = (
    "The background worker stopped during this import, so nothing was stored. It is queued "
    "to run again from the start."
)
CUT_OFF = (
    "The import was cut off twice when the background worker stopped (the file may be too "
    "large for the server's memory). Nothing was imported."
)


def _lost(batch_id: int, token: str, *, retrying: bool) -> None:
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None or not batch.is_active:
        return
    services.progress_file(batch_id).unlink(missing_ok=True)
    if retrying:
        ImportBatch.objects.filter(pk=batch_id).update(
            status=ImportBatch.Status.QUEUED, rows_done=0, error=RESTARTING
        )
        return
    ImportBatch.objects.filter(pk=batch_id).update(
        status=ImportBatch.Status.FAILED, finished_at=timezone.now(), error=CUT_OFF
    )
    upload = uploads.for_job(token, survey_id=batch.survey_id)
    if upload is not None:
        upload.discard()


@job(retries=1, on_lost=_lost)
def import_run(batch_id: int, token: str) -> str:
    """Import the confirmed upload into its batch: every row or none. Returns the status."""
    batch = ImportBatch.objects.select_related("survey", "organisation", "created_by").get(
        pk=batch_id
    )
    upload = uploads.for_job(token, survey_id=batch.survey_id)
    if upload is None or not upload.data_path.exists():
        services.import_gone(batch)
        return batch.status
    recorder = services.BatchProgress(batch)
    try:
        services.import_execute(batch, upload.data_path, progress=recorder)
    except (services.ImportRefused, services.MappingError, services.ReadError):
        pass  # the batch says why, in a sentence
    finally:
        recorder.close()
        upload.discard()
    if batch.status == ImportBatch.Status.COMPLETE:
        from freeassoc.findings.tasks import cache_rebuild

        cache_rebuild.enqueue(batch.survey_id)
    return batch.status


def import_queue(*, survey, upload: uploads.Upload, user) -> ImportBatch:
    """A batch for the upload, and the job that imports it, queued together or not at all."""
    mapping_text = upload.mapping_path.read_text(encoding="utf-8")
    with transaction.atomic():
        batch = services.import_prepare(survey, mapping_text, user=user, filename=upload.filename)
        result = import_run.enqueue(batch.pk, upload.token)
        ImportBatch.objects.filter(pk=batch.pk).update(job_id=str(result.id))
    batch.refresh_from_db()
    return batch


@job()
def uploads_sweep() -> int:
    """Delete uploads nobody confirmed or cancelled in time."""
    return uploads.sweep()
