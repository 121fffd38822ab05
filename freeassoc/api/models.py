"""API keys, one organisation each, and the idempotency records of posted responses.

A key is shown once, when it is made; only the SHA-256 of it is stored. The key is 32 random
bytes, so its hash cannot be reversed by guessing and needs no salt (as with invitation
tokens). The prefix is the key's first characters, kept so an owner can tell keys apart.
"""

from django.conf import settings
from django.db import models

from freeassoc.orgs.models import Organisation
from freeassoc.surveys.models import Survey


class ApiKey(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=120, help_text="What it is for, e.g. “Branch database”.")
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_on = models.DateField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(models.Model):
    """A posted questionnaire's Idempotency-Key, so that a retried POST does not count one
    questionnaire twice. The key is chosen by the organisation's own system, not by the
    respondent, and is stored hashed with a hash of the body it came with. It names the survey,
    never the response: posted answers are held and added with others (surveys.services)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64)
    body_hash = models.CharField(max_length=64)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    created_on = models.DateField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key_hash"], name="one_response_per_idempotency_key"
            )
        ]

    def __str__(self) -> str:
        return f"Idempotency record {self.pk}"
