"""The directory of networks, the local groups they run, and join requests in transit.

A JoinRequest is the only place a worker's address is ever held, and only until the group's
contact answers (or for FREEASSOC_JOIN_REQUEST_DAYS); it keeps no network address, agent or
time finer than the day. A group's contact address is never rendered on any page.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.urls import reverse

from freeassoc.orgs.models import Organisation

from . import postcodes


def digest(secret: str) -> str:
    """Hash of a long random secret (a reply link's token): no salt needed, nothing to guess."""
    return hashlib.sha256(secret.encode()).hexdigest()


class Network(models.Model):
    """An entry in the directory: a union, network, group or campaign that workers can join.

    Employers and providers of services are never listed: the platform belongs to the people
    who work in and use services.
    """

    OTHER = "other"
    KIND_CHOICES = [*Organisation.Kind.choices, (OTHER, "Other workers' or service users' group")]

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=20, blank=True, help_text="For example DPAC, RCN.")
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    description = models.CharField(
        max_length=300, help_text="One line, in our own words: who they are and what they do."
    )
    website = models.URLField(
        blank=True, help_text="Only as given by the organisation itself. Never guessed."
    )
    approved = models.BooleanField(
        default=False, help_text="Shown in the directory. Requests wait here until approved."
    )
    named_in_essay = models.BooleanField(
        default=False, help_text="Named in “The future of mental health services” (Cotton)."
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="networks",
        help_text="The member organisation, if this network is one.",
    )
    # Filled only by a listing request; for the administrators, never shown on the site.
    contact_email = models.EmailField(blank=True)
    note = models.TextField(blank=True, max_length=1000)
    requested_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("groups:network", args=[self.slug])

    @property
    def display_name(self) -> str:
        if self.short_name and self.short_name.lower() not in self.name.lower():
            return f"{self.name} ({self.short_name})"
        return self.name


class LocalGroup(models.Model):
    class Meets(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        ONLINE = "online", "Online"

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "Every week"
        FORTNIGHTLY = "fortnightly", "Every two weeks"
        MONTHLY = "monthly", "Every month"
        OCCASIONALLY = "occasionally", "Every few months, or when needed"

    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="groups")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="local_groups",
        help_text="Whose organisers look after this listing.",
    )
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    region = models.CharField(
        max_length=20,
        choices=postcodes.REGIONS,
        blank=True,
        help_text="Empty only for an online group open to anyone in the UK.",
    )
    meets = models.CharField(max_length=10, choices=Meets.choices)
    town = models.CharField(max_length=80, blank=True)
    frequency = models.CharField(max_length=15, choices=Frequency.choices)
    who_for = models.CharField("Who it is for", max_length=300)
    contact_email = models.EmailField(help_text="Join requests go here. Never shown.")
    approved = models.BooleanField(default=True)
    is_synthetic = models.BooleanField(
        default=False, help_text="Demo data: made up, labelled as such wherever it appears."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The contact need not belong to any organisation; this account lets them run Survival
    # Surgeries for the group (and only for it). Linked by the platform's administrators, who
    # create accounts: there is no sign-up, so an address typed into a form grants nothing.
    contact_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact_for_groups",
        verbose_name="contact's account",
        help_text="The account the group's contact signs in with to run surgeries for the "
        "group. Optional.",
    )
    created_on = models.DateField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(meets="online") | (~models.Q(town="") & ~models.Q(region="")),
                name="in_person_group_has_town_and_region",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("groups:detail", args=[self.slug])

    @property
    def is_online(self) -> bool:
        return self.meets == self.Meets.ONLINE

    @property
    def area_codes(self) -> list[str]:
        return [a.area for a in self.areas.all()]

    @property
    def where(self) -> str:
        if self.is_online:
            return f"Online, {self.get_region_display()}" if self.region else "Online, UK-wide"
        return f"{self.town}, {self.get_region_display()}"


class GroupArea(models.Model):
    """A postcode area a local group covers (the letters only: M, SK, EH)."""

    group = models.ForeignKey(LocalGroup, on_delete=models.CASCADE, related_name="areas")
    area = models.CharField(max_length=2, db_index=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["group", "area"], name="one_row_per_group_area")
        ]

    def __str__(self) -> str:
        return f"{self.area} ({self.group})"


class JoinRequest(models.Model):
    """A worker's message to a group's contact, waiting for the contact to answer.

    Deleted as soon as the answer has been passed on, when the contact deletes it, or when it
    expires. The reply link's token is stored only hashed: the link in the contact's email is
    the one place it exists in clear.
    """

    group = models.ForeignKey(LocalGroup, on_delete=models.CASCADE, related_name="join_requests")
    message = models.TextField(max_length=2000)
    worker_email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    expires_on = models.DateField(db_index=True)

    def __str__(self) -> str:
        return f"Join request {self.pk} to {self.group_id}"
