"""Microdata export files made by the background worker (export_files.py)."""

from pathlib import Path

from django.conf import settings
from django.db import models

from freeassoc.surveys.models import Survey


class ExportFile(models.Model):
    """One export an organisation member asked for: made by the worker, downloaded once by
    that member, deleted then or when it expires, whichever comes first."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being made"
        READY = "ready", "Ready to download"
        FAILED = "failed", "Failed"
        DOWNLOADED = "downloaded", "Downloaded (the file is deleted)"
        EXPIRED = "expired", "Not downloaded in time (the file is deleted)"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="export_files")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    fmt = models.CharField(max_length=8)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    job_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.fmt} export {self.pk} of survey {self.survey_id}"

    @property
    def path(self) -> Path:
        return Path(settings.FREEASSOC_EXPORT_DIR) / f"export-{int(self.pk)}.{self.fmt}"

    @property
    def is_active(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}

    @property
    def percent(self) -> int:
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0
