"""Pools: named collections of data sets that organisations contribute, survey by survey.

A pool has a steward: the platform's staff, or a named owner of a member organisation. Only
the steward invites an organisation to contribute; an owner of that organisation then accepts,
survey by survey (a contribution: the consent), or declines. Withdrawing keeps the row (who
consented, when, who withdrew, when) so the history of consent can be shown; only
contributions without `withdrawn_at` count in the pool's findings.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from freeassoc.findings.disclosure import DEFAULT_K
from freeassoc.orgs.models import Membership, Organisation
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
    steward = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pools_stewarded",
        help_text="Who invites organisations to contribute: an owner of an approved member "
        "organisation. Leave empty for the platform's staff.",
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
        if (
            self.steward_id is not None
            and not Membership.objects.filter(
                user_id=self.steward_id, role=Membership.Role.OWNER, organisation__approved=True
            ).exists()
        ):
            raise ValidationError(
                {
                    "steward": "The steward must be an owner of an approved member "
                    "organisation. Leave it empty for the platform's staff."
                }
            )

    def accepts(self, survey: Survey) -> bool:
        return (survey.instrument_slug, survey.instrument_version) == (
            self.instrument_slug,
            self.instrument_version,
        )


class PoolInvitation(models.Model):
    """The steward's invitation to an organisation to contribute its data sets to a pool.
    An owner of the organisation accepts it by contributing a survey (PoolContribution), or
    declines it; the steward may invite again after a refusal."""

    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="invitations")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="pool_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited_at = models.DateTimeField()
    declined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    declined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "organisation"], name="one_invitation_per_pool_and_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} to {self.pool}"

    @property
    def is_open(self) -> bool:
        return self.declined_at is None


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
