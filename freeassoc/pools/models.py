"""Pools: named collections of data sets that organisations contribute, survey by survey.

A contribution is a consent given by an owner of the survey's organisation. Withdrawing keeps
the row (who consented, when, who withdrew, when) so the history of consent can be shown; only
contributions without `withdrawn_at` count in the pool's findings.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from freeassoc.findings.disclosure import DEFAULT_K
from freeassoc.surveys import instrument as instruments
from freeassoc.surveys.models import Survey


class Pool(models.Model):
    """For example "National Surviving Work pool". Created by the platform's staff."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    instrument_slug = models.CharField(
        max_length=80, help_text="Only surveys of this questionnaire can join the pool."
    )
    instrument_version = models.PositiveIntegerField()
    disclosure_k = models.PositiveSmallIntegerField(
        default=DEFAULT_K,
        help_text="The pool's least threshold. If a contributing survey's own threshold is "
        "higher, that one applies to the whole pool.",
    )
    published = models.BooleanField(
        default=False, help_text="Show the pool's findings page to everyone."
    )
    created_on = models.DateField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("pools:detail", args=[self.slug])

    @property
    def instrument_key(self) -> str:
        return f"{self.instrument_slug}@{self.instrument_version}"

    @property
    def instrument(self) -> instruments.Instrument:
        return instruments.get(self.instrument_slug, self.instrument_version)

    def clean(self):
        if self.instrument_key not in instruments.available():
            raise ValidationError(
                {"instrument_slug": f"There is no questionnaire {self.instrument_key}."}
            )

    def accepts(self, survey: Survey) -> bool:
        return (survey.instrument_slug, survey.instrument_version) == (
            self.instrument_slug,
            self.instrument_version,
        )


class PoolContribution(models.Model):
    """One data set in one pool, with the consent that put it there."""

    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="contributions")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="pool_contributions")
    consented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    consented_at = models.DateTimeField()
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-consented_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "survey"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_live_contribution_per_pool_and_survey",
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey} in {self.pool}"

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None
