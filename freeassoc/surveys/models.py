"""Surveys, collectors, invitations, drafts, held answers and responses.

Privacy is in the shape of these tables (docs/privacy.md): a Response has no address, agent,
cookie, token or time finer than the day; an InvitationToken is the hash of an unspent token
and nothing else, and spending it deletes it; a Draft keeps a hash of its browser key and of
its resume code, its survey and the kind of collector, never the collector; sent answers wait
in HeldAnswers, with nothing that orders or dates them, until at least k can be added at once.
"""

import hashlib
import secrets

from django.db import models
from django.urls import reverse
from django.utils import timezone

from freeassoc.orgs.models import Organisation

from . import instrument as instruments


def digest(secret: str) -> str:
    """Hash of a high-entropy secret (token, resume code, draft key). No salt is needed:
    the secrets are random and long, so the hash cannot be reversed by guessing."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_slug() -> str:
    return secrets.token_urlsafe(9)


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Not yet open"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="surveys")
    title = models.CharField(max_length=200)
    instrument_slug = models.CharField(max_length=80)
    instrument_version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    disclosure_k = models.PositiveSmallIntegerField(
        default=10, help_text="Counts under this number are never published."
    )
    retention = models.CharField(
        max_length=300,
        default="Answers are kept for five years from the survey's close, then deleted.",
    )
    is_synthetic = models.BooleanField(
        default=False, help_text="Demo data: made up, labelled as such wherever it appears."
    )
    published = models.BooleanField(default=False)
    created_on = models.DateField(auto_now_add=True)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_on", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("surveys:detail", args=[self.pk])

    @property
    def instrument(self) -> instruments.Instrument:
        return instruments.get(self.instrument_slug, self.instrument_version)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Collector(models.Model):
    """A way in to a survey: an open link anyone may use, or single-use invitations."""

    class Kind(models.TextChoices):
        OPEN_LINK = "open", "Open link"
        INVITATIONS = "invite", "Invitations"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="collectors")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=120)
    slug = models.CharField(max_length=20, unique=True, default=new_slug)
    is_active = models.BooleanField(default=True)
    # Spending an invitation deletes its token, so how many were ever issued is kept here:
    # used = issued - tokens left.
    invitations_issued = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def get_absolute_url(self) -> str:
        return reverse("respond:intro", args=[self.slug])


class InvitationToken(models.Model):
    """The hash of an invitation not yet used. Spending it deletes the row, in a transaction of
    its own: nothing records when, or which draft it opened."""

    collector = models.ForeignKey(Collector, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return f"Invitation {self.pk}"


class Draft(models.Model):
    """Answers in progress. Identified by the hash of a random key kept in the respondent's
    browser; resumable from elsewhere by the hash of a code shown once. It belongs to the
    survey and records only the kind of collector it came through, so that a collector made
    for one person does not name whose unsent answers these are. Sending deletes it."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="drafts")
    collector_kind = models.CharField(max_length=10, choices=Collector.Kind.choices)
    key_hash = models.CharField(max_length=64, unique=True)
    resume_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    answers = models.JSONField(default=dict)
    expires_on = models.DateField()

    def __str__(self) -> str:
        return f"Draft {self.pk}"

    def is_expired(self) -> bool:
        return self.expires_on < timezone.localdate()


class HeldAnswers(models.Model):
    """A completed questionnaire sent from the web or posted through the API, waiting to be
    added to the survey's responses with at least k - 1 others (services.held_release). No
    time, no collector, no key: only what the Response will keep."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="held_answers")
    collector_kind = models.CharField(max_length=10, choices=Collector.Kind.choices, blank=True)
    instrument_version = models.PositiveIntegerField()
    answers = models.JSONField()

    class Meta:
        verbose_name_plural = "held answers"

    def __str__(self) -> str:
        return f"Held answers {self.pk} to {self.survey_id}"


class Response(models.Model):
    """One completed questionnaire: the answers, which collector kind, and the day only. Web
    and API answers arrive in groups of at least k, all stamped with the day of the group."""

    class Source(models.TextChoices):
        WEB = "web", "Web form"
        IMPORT = "import", "Imported"
        SYNTHETIC = "synthetic", "Synthetic (demo)"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    collector_kind = models.CharField(max_length=10, choices=Collector.Kind.choices, blank=True)
    instrument_version = models.PositiveIntegerField()
    submitted_on = models.DateField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    answers = models.JSONField()
    # Provenance of an imported response (organisation, file, who, when). PROTECT: a batch
    # is withdrawn by deleting its responses first (imports.services.withdraw), never by
    # deleting the batch record out from under them.
    batch = models.ForeignKey(
        "imports.ImportBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responses",
    )

    class Meta:
        indexes = [
            models.Index(fields=["survey", "submitted_on"]),
            # The findings cache's check (count and sum of ids up to the cached highest).
            models.Index(fields=["survey", "id"]),
        ]

    def __str__(self) -> str:
        return f"Response {self.pk} to {self.survey_id}"
