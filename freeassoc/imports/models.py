"""Import batches: where a set of imported responses came from, and whether it still counts.

Provenance is per response through Response.batch: the organisation, the file's name, who
imported it and when. A batch is withdrawn by deleting its responses; the batch row itself
stays, as the record that the data was once there and who took it out.
"""

from django.conf import settings
from django.db import models

from freeassoc.orgs.models import Organisation
from freeassoc.surveys.models import Survey


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        COMPLETE = "complete", "Imported"
        FAILED = "failed", "Failed: nothing was imported"
        WITHDRAWN = "withdrawn", "Withdrawn"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="import_batches")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="import_batches"
    )
    filename = models.CharField(max_length=255)  # the name only: the file itself is not kept
    mapping = models.TextField(help_text="The mapping file used, kept to show how codes were read.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_name = models.CharField(max_length=150)  # kept if the account is deleted
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    row_count = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by_name = models.CharField(max_length=150, blank=True)
    # The background job importing a web upload (imports/tasks.py); blank when the command
    # line or the API ran the import in its own process.
    job_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.filename} into survey {self.survey_id}"

    @property
    def is_active(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}

    @property
    def can_withdraw(self) -> bool:
        return self.status == self.Status.COMPLETE

    @property
    def percent(self) -> int:
        if self.status == self.Status.COMPLETE:
            return 100
        return int(100 * self.rows_done / self.row_count) if self.row_count else 0
