"""What changes the state of surgeries: creating one, joining it, the board's contributions,
the facilitator's moves, and the deletion that keeps only anonymous theme counts."""

import datetime
import hashlib
import secrets
from collections import Counter

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from freeassoc.groups.models import LocalGroup
from freeassoc.orgs.models import Organisation

from .models import CODE_ALPHABET, Action, Note, Problem, Seat, Surgery, ThemeTally, Vote
from .taxonomy import rights, themes

MAX_DAYS = 365  # the longest a surgery's content may be kept
MAX_THEMES = 4
MAX_PROBLEMS = 300  # per surgery: a meeting never needs more, a flood is refused
MAX_NOTES = 300
MAX_ACTIONS = 200
MAX_SEATS = 500


class SurgeryError(Exception):
    """A participant-facing refusal, with a sentence that says what to do."""


def digest(secret: str) -> str:
    """Hash of a high-entropy secret (a seat key). No salt needed: the key is long and random."""
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


def _bump(surgery: Surgery) -> None:
    Surgery.objects.filter(pk=surgery.pk).update(version=F("version") + 1)


def _check_delete_on(delete_on: datetime.date) -> None:
    today = timezone.localdate()
    if delete_on <= today:
        raise ValidationError("Choose a deletion date after today.")
    if delete_on > today + datetime.timedelta(days=MAX_DAYS):
        raise ValidationError(f"Content can be kept for at most {MAX_DAYS} days from today.")


# --- Facilitators -------------------------------------------------------------------------


def surgery_create(
    *,
    organisation: Organisation | None = None,
    group: LocalGroup | None = None,
    title: str,
    kind: str,
    region: str,
    sector: str,
    delete_on: datetime.date,
    is_synthetic: bool = False,
) -> Surgery:
    """A surgery run by an organisation's organisers, or by a local group's contact for the
    group's area. Who may do which is decided by the form's choices and by access.py."""
    if (organisation is None) == (group is None):
        raise ValidationError("Choose an organisation or a local group to run the surgery for.")
    if group is not None:
        if group.region and region != group.region:
            raise ValidationError(
                {
                    "region": f"A surgery for {group.name} is in the group's region, "
                    f"{group.get_region_display()}."
                }
            )
        organisation = group.organisation  # the listing's organisation, for the record
    _check_delete_on(delete_on)
    surgery = Surgery(
        organisation=organisation,
        group=group,
        title=title,
        kind=kind,
        region=region,
        sector=sector,
        delete_on=delete_on,
        is_synthetic=is_synthetic,
    )
    surgery.full_clean(exclude=["code", "slug"])
    for _ in range(10):  # a clash among 887 million codes is rare; try again if it happens
        surgery.code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        try:
            with transaction.atomic():
                surgery.save()
            return surgery
        except IntegrityError:
            surgery.pk = None
    raise RuntimeError("Could not find a free join code.")


def surgery_set_stage(*, surgery: Surgery, stage: str) -> Surgery:
    """Move one stage forward, or one back before the surgery is closed. Moving to stage 2
    with no problem chosen takes the three with most dots forward."""
    allowed = {surgery.next_stage(), surgery.previous_stage()} - {None}
    if stage not in allowed:
        raise ValidationError(
            f"A surgery at “{surgery.get_stage_display()}” cannot move to that stage."
        )
    with transaction.atomic():
        if stage == Surgery.Stage.INFORMATION and not surgery.problems.filter(
            chosen=True, hidden=False
        ):
            problems_choose_top(surgery=surgery, count=3)
        surgery.stage = stage
        surgery.save(update_fields=["stage"])
        _bump(surgery)
        if stage == Surgery.Stage.CLOSED:
            tallies_record(surgery=surgery)
    return surgery


def problems_choose_top(*, surgery: Surgery, count: int = 3) -> list[Problem]:
    from .selectors import problems_by_dots

    top = [p for p in problems_by_dots(surgery) if p.dot_count][:count]
    Problem.objects.filter(surgery=surgery).update(chosen=False)
    Problem.objects.filter(pk__in=[p.pk for p in top]).update(chosen=True)
    _bump(surgery)
    return top


def problem_set_chosen(*, problem: Problem, chosen: bool) -> Problem:
    problem.chosen = chosen
    problem.save(update_fields=["chosen"])
    _bump(problem.surgery)
    return problem


def item_set_hidden(*, item: Problem | Note | Action, hidden: bool):
    """Hide a contribution from participants (or show it again). Hidden problems are left
    out of the theme counts."""
    item.hidden = hidden
    item.save(update_fields=["hidden"])
    surgery = item.surgery
    _bump(surgery)
    if isinstance(item, Problem) and surgery.is_closed:
        tallies_record(surgery=surgery)
    return item


def action_set_done(*, action: Action, done: bool) -> Action:
    action.done = done
    action.save(update_fields=["done"])
    _bump(action.surgery)
    return action


def surgery_set_delete_on(*, surgery: Surgery, delete_on: datetime.date) -> Surgery:
    _check_delete_on(delete_on)
    surgery.delete_on = delete_on
    surgery.save(update_fields=["delete_on"])
    return surgery


# --- Participants -------------------------------------------------------------------------


def surgery_for_code(code: str) -> Surgery:
    surgery = Surgery.objects.filter(code=normalise_code(code)).first()
    if surgery is None:
        raise SurgeryError(
            "There is no surgery with that code. Check it with the facilitator and try again."
        )
    if surgery.is_closed:
        raise SurgeryError(
            "That surgery has closed, so nobody new can join it. If you took part, open it "
            "again on the phone you used then."
        )
    return surgery


def seat_take(*, surgery: Surgery, pseudonym: str = "") -> tuple[Seat, str]:
    """A seat at the surgery, for someone who has accepted the ground rules. Returns the seat
    and its key, which exists in clear only in the participant's cookie."""
    if surgery.is_closed:
        raise SurgeryError("This surgery has closed, so nobody new can join it.")
    if surgery.seats.count() >= MAX_SEATS:
        raise SurgeryError("This surgery is full.")
    key = secrets.token_urlsafe(32)
    seat = Seat.objects.create(surgery=surgery, key_hash=digest(key), pseudonym=pseudonym.strip())
    _bump(surgery)
    return seat, key


def seat_for_key(*, surgery: Surgery, key: str) -> Seat | None:
    if not key:
        return None
    return Seat.objects.filter(surgery=surgery, key_hash=digest(key)).first()


def _check_stage(surgery: Surgery, stage: str, what: str) -> None:
    if surgery.stage != stage:
        raise SurgeryError(
            f"{what} can only be added at “{Surgery.Stage(stage).label}”; the surgery is now at "
            f"“{surgery.get_stage_display()}”."
        )


def problem_add(*, seat: Seat, text: str, theme_codes: list[str]) -> Problem:
    surgery = seat.surgery
    _check_stage(surgery, Surgery.Stage.PROBLEMS, "Problems")
    unknown = set(theme_codes) - themes().keys()
    if unknown or not theme_codes or len(theme_codes) > MAX_THEMES:
        raise SurgeryError(f"Choose from one to {MAX_THEMES} themes from the list.")
    if surgery.problems.count() >= MAX_PROBLEMS:
        raise SurgeryError("This board is full: no more problems can be added.")
    ordered = [code for code in themes() if code in theme_codes]
    problem = Problem.objects.create(surgery=surgery, text=text.strip(), themes=ordered)
    _bump(surgery)
    return problem


def dot_toggle(*, seat: Seat, problem: Problem) -> bool:
    """Give a dot to a problem, or take it back. Returns True when the seat now has a dot on
    it. The seat's row is locked so that two quick taps cannot spend more dots than allowed."""
    surgery = seat.surgery
    if problem.surgery_id != surgery.pk or problem.hidden:
        raise SurgeryError("That problem is not on this board.")
    _check_stage(surgery, Surgery.Stage.PROBLEMS, "Dots")
    with transaction.atomic():
        Seat.objects.select_for_update().filter(pk=seat.pk).first()
        removed, _ = Vote.objects.filter(seat=seat, problem=problem).delete()
        if removed:
            _bump(surgery)
            return False
        if Vote.objects.filter(seat=seat).count() >= surgery.dots:
            raise SurgeryError(
                f"You have used all {surgery.dots} of your dots. Take one back to move it."
            )
        Vote.objects.create(seat=seat, problem=problem)
    _bump(surgery)
    return True


def _chosen(surgery: Surgery, problem: Problem | None) -> Problem | None:
    if problem is not None and (
        problem.surgery_id != surgery.pk or not problem.chosen or problem.hidden
    ):
        raise SurgeryError("Choose one of the problems the surgery took forward.")
    return problem


def note_add(*, seat: Seat, text: str, problem: Problem | None, resource: str = "") -> Note:
    surgery = seat.surgery
    _check_stage(surgery, Surgery.Stage.INFORMATION, "Information and resources")
    valid = {"", Note.Resource.GROUPS, Note.Resource.FINDINGS} | {
        f"rights:{code}" for code in rights()
    }
    if resource not in valid:
        raise SurgeryError("Choose a resource from the list, or none.")
    if surgery.notes.count() >= MAX_NOTES:
        raise SurgeryError("This board is full: no more notes can be added.")
    note = Note.objects.create(
        surgery=surgery, problem=_chosen(surgery, problem), text=text.strip(), resource=resource
    )
    _bump(surgery)
    return note


def action_add(
    *, seat: Seat, what: str, who: str, by_when: datetime.date | None, problem: Problem | None
) -> Action:
    surgery = seat.surgery
    _check_stage(surgery, Surgery.Stage.ACTIONS, "Next steps")
    if surgery.actions.count() >= MAX_ACTIONS:
        raise SurgeryError("This plan is full: no more steps can be added.")
    action = Action.objects.create(
        surgery=surgery,
        problem=_chosen(surgery, problem),
        what=what.strip(),
        who=who.strip(),
        by_when=by_when,
    )
    _bump(surgery)
    return action


# --- Theme counts and deletion ------------------------------------------------------------


def tallies_record(*, surgery: Surgery) -> list[ThemeTally]:
    """(Re)write the surgery's theme counts: one row per theme its visible problems raised."""
    counts = Counter(
        code
        for codes in surgery.problems.filter(hidden=False).values_list("themes", flat=True)
        for code in set(codes)
    )
    with transaction.atomic():
        ThemeTally.objects.filter(surgery=surgery).delete()
        return ThemeTally.objects.bulk_create(
            ThemeTally(
                surgery=surgery,
                region=surgery.region,
                sector=surgery.sector,
                kind=surgery.kind,
                theme=code,
                problems=count,
                is_synthetic=surgery.is_synthetic,
            )
            for code, count in sorted(counts.items())
        )


def surgery_purge(*, surgery: Surgery) -> None:
    """Delete everything said at the surgery, and the surgery itself, keeping only its theme
    counts (which then point at nothing)."""
    with transaction.atomic():
        tallies_record(surgery=surgery)
        ThemeTally.objects.filter(surgery=surgery).update(surgery=None)
        surgery.delete()


def surgeries_purge_due(*, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    due = list(Surgery.objects.filter(delete_on__lte=today))
    for surgery in due:
        surgery_purge(surgery=surgery)
    return len(due)
