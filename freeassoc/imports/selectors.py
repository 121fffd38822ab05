"""What import pages read."""

from .models import ImportBatch
from .services import progress_read


def batches_for_survey(survey):
    return ImportBatch.objects.filter(survey=survey).order_by("-created_at", "-pk")


def batch_progress(batch: ImportBatch) -> dict:
    """Rows done, total and per cent of a batch, readable while its import runs."""
    done = batch.row_count if batch.status == ImportBatch.Status.COMPLETE else progress_read(batch)
    total = batch.row_count
    percent = int(100 * done / total) if total else 0
    return {
        "done": done,
        "total": total,
        "percent": percent,
        "checking": batch.is_active and not total,
    }
