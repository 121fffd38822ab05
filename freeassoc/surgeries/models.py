"""Survival Surgery meetings: the surgery, participants' seats, and what they put on the board.

Privacy is in the shape of these tables. A Seat is the hash of a random key kept in one
participant's browser, with an optional pseudonym; no name, address, agent or time. Problems,
notes and actions carry no author and no timestamp (their primary key orders them). Votes
point at a seat, never at a person. When a surgery's delete-on date comes, everything here is
deleted except ThemeTally rows, which keep only which themes a workplace raised.
"""

import secrets

from django.db import models
from django.urls import reverse
from django.utils import timezone

from freeassoc.groups.models import LocalGroup
from freeassoc.orgs.models import Organisation

from .taxonomy import region_choices, sector_choices, themes

# Join codes are read off a screen and typed on a phone: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_slug() -> str:
    return secrets.token_urlsafe(12)


class Surgery(models.Model):
    class Kind(models.TextChoices):
        WORKPLACE = "workplace", "A workplace"
        TEAM = "team", "A team"
        AREA = "area", "An area"

    class Stage(models.TextChoices):
        PROBLEMS = "problems", "1. Name the problems"
        INFORMATION = "information", "2. What we know and what exists"
        ACTIONS = "actions", "3. Plan next steps"
        CLOSED = "closed", "Closed"

    ORDER = [Stage.PROBLEMS, Stage.INFORMATION, Stage.ACTIONS, Stage.CLOSED]

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="surgeries"
    )
    # Set when a local group's contact runs the surgery for the group. Such a surgery is the
    # group's: only the group's contact facilitates it, not the organisation that looks after
    # the group's listing (`organisation` is that one, kept for the record). If the listing
    # is removed, the surgery falls back to that organisation's organisers, to finish or delete.
    group = models.ForeignKey(
        LocalGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="surgeries",
        help_text="The local group whose contact runs it, if it is not run by the organisation.",
    )
    title = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    region = models.CharField(max_length=30, choices=region_choices)
    sector = models.CharField(max_length=30, choices=sector_choices)
    code = models.CharField(max_length=CODE_LENGTH, unique=True, default=new_code)
    slug = models.CharField(max_length=20, unique=True, default=new_slug)
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.PROBLEMS)
    dots = models.PositiveSmallIntegerField(
        default=3, help_text="How many dots each participant may give in stage 1."
    )
    delete_on = models.DateField(
        help_text="On this day everything said at the surgery is deleted, except anonymous "
        "counts of the themes raised."
    )
    created_on = models.DateField(auto_now_add=True)
    # Bumped by every change to the board, so a poll can answer "nothing new" in one query.
    version = models.PositiveIntegerField(default=0)
    is_synthetic = models.BooleanField(
        default=False, help_text="Demo data: made up, labelled as such wherever it appears."
    )

    class Meta:
        ordering = ["-created_on", "-pk"]
        verbose_name_plural = "surgeries"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("surgeries:run", args=[self.pk])

    def get_board_url(self) -> str:
        return reverse("surgeries:board", args=[self.slug])

    @property
    def run_for(self) -> str:
        """Whose surgery it is, as the facilitator's pages name it."""
        return self.group.name if self.group_id else self.organisation.name

    @property
    def stage_number(self) -> int:
        return self.ORDER.index(self.stage) + 1

    @property
    def is_closed(self) -> bool:
        return self.stage == self.Stage.CLOSED

    def next_stage(self) -> str | None:
        i = self.ORDER.index(self.stage)
        return self.ORDER[i + 1] if i + 1 < len(self.ORDER) else None

    def previous_stage(self) -> str | None:
        i = self.ORDER.index(self.stage)
        return self.ORDER[i - 1] if 0 < i < len(self.ORDER) - 1 else None

    def is_due_for_deletion(self) -> bool:
        return self.delete_on <= timezone.localdate()


class Seat(models.Model):
    """One participant's place at one surgery: the hash of a key that lives in their browser."""

    surgery = models.ForeignKey(Surgery, on_delete=models.CASCADE, related_name="seats")
    key_hash = models.CharField(max_length=64, unique=True)
    pseudonym = models.CharField(max_length=40, blank=True)

    def __str__(self) -> str:
        return self.pseudonym or f"Seat {self.pk}"


class Problem(models.Model):
    """Stage 1: a problem named by someone at the surgery, tagged with themes."""

    surgery = models.ForeignKey(Surgery, on_delete=models.CASCADE, related_name="problems")
    text = models.CharField(max_length=500)
    themes = models.JSONField(default=list)
    hidden = models.BooleanField(default=False)
    chosen = models.BooleanField(default=False, help_text="Taken forward to stages 2 and 3.")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def theme_list(self):
        known = themes()
        return [known[c] for c in self.themes if c in known]


class Vote(models.Model):
    """A dot on a problem. One per seat and problem; a seat has `surgery.dots` of them."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="votes")
    seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="votes")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["problem", "seat"], name="one_dot_each")]

    def __str__(self) -> str:
        return f"Dot on problem {self.problem_id}"


class Note(models.Model):
    """Stage 2: what we know about a chosen problem, or a resource that exists."""

    class Resource(models.TextChoices):
        NONE = "", "No link"
        GROUPS = "groups", "Local groups and networks"
        FINDINGS = "findings", "Survey findings"
        RIGHTS = "rights", "Rights information"

    surgery = models.ForeignKey(Surgery, on_delete=models.CASCADE, related_name="notes")
    problem = models.ForeignKey(
        Problem, on_delete=models.CASCADE, related_name="notes", null=True, blank=True
    )
    text = models.CharField(max_length=500)
    resource = models.CharField(max_length=40, blank=True, default="")
    hidden = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text[:60]


class Action(models.Model):
    """Stage 3: a concrete next step: what, who (by pseudonym), by when; ticked off later."""

    surgery = models.ForeignKey(Surgery, on_delete=models.CASCADE, related_name="actions")
    problem = models.ForeignKey(
        Problem, on_delete=models.SET_NULL, related_name="actions", null=True, blank=True
    )
    what = models.CharField(max_length=300)
    who = models.CharField(max_length=40)
    by_when = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.what[:60]


class ThemeTally(models.Model):
    """What outlives a surgery: that one workplace (one surgery) raised a theme, and in how many
    of its problems. No text, no people, no date. `surgery` is cleared when the surgery's
    content is deleted."""

    surgery = models.ForeignKey(
        Surgery, on_delete=models.SET_NULL, related_name="tallies", null=True, blank=True
    )
    region = models.CharField(max_length=30, choices=region_choices)
    sector = models.CharField(max_length=30, choices=sector_choices)
    kind = models.CharField(max_length=10, choices=Surgery.Kind.choices)
    theme = models.CharField(max_length=40)
    problems = models.PositiveIntegerField()
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["theme", "region"]),
            models.Index(fields=["theme", "sector"]),
        ]

    def __str__(self) -> str:
        return f"{self.theme} · {self.region} · {self.sector}"
