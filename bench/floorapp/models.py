from django.db import models


class FloorRow(models.Model):
    """One POST as received: the form fields as JSON (as a Response keeps its answers) and
    the day."""

    answers = models.JSONField()
    received_on = models.DateField()

    def __str__(self) -> str:
        return f"floor row {self.pk}"
