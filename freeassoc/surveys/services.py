"""What changes the state of surveys, collectors, invitations, drafts and responses.

An invitation, or the person it was mailed to, must not be joinable to the answers, even by
someone holding a copy of the server (docs/privacy.md). So: spending a token deletes it in a
transaction of its own; a draft names its survey and the kind of collector only; sending
deletes the draft and holds the answers; held answers become Responses only in groups of at
least the survey's k, in a random order, stamped with the day of the group; and after each of
these writes the SQLite log is folded away (residue_sweep does the rest, on a schedule).
"""

import datetime
import logging
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from freeassoc.core import residue
from freeassoc.orgs.models import Organisation

from . import instrument as instruments
from .models import Collector, Draft, HeldAnswers, InvitationToken, Response, Survey, digest

logger = logging.getLogger(__name__)

# Resume codes are read off a screen and typed back in: no 0/O, 1/I/L.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_GROUPS = 4  # 4 groups of 4 from 31 symbols: about 79 bits


class SurveyError(Exception):
    """A respondent-facing refusal, with a sentence that says what to do."""


def survey_create(*, organisation: Organisation, title: str, instrument_key: str) -> Survey:
    instrument = instruments.available()[instrument_key]
    return Survey.objects.create(
        organisation=organisation,
        title=title,
        instrument_slug=instrument.slug,
        instrument_version=instrument.version,
    )


def survey_set_status(*, survey: Survey, status: str) -> Survey:
    """Open or close. Closing adds every held answer to the responses, however few: a survey
    that has closed takes no more answers, so the last group could never grow to k."""
    allowed = {
        Survey.Status.DRAFT: {Survey.Status.OPEN},
        Survey.Status.OPEN: {Survey.Status.CLOSED},
        Survey.Status.CLOSED: {Survey.Status.OPEN},
    }
    if status not in allowed[survey.status]:
        raise ValidationError(
            f"A survey that is {survey.get_status_display().lower()} cannot be set to {status}."
        )
    survey.status = status
    if status == Survey.Status.OPEN:
        survey.opened_on = survey.opened_on or timezone.localdate()
        survey.closed_on = None
    else:
        survey.closed_on = timezone.localdate()
    survey.save(update_fields=["status", "opened_on", "closed_on"])
    if status == Survey.Status.CLOSED:
        held_release(survey=survey, everything=True)
    return survey


@transaction.atomic
def survey_data_delete(*, survey: Survey, user) -> int:
    """An organisation deletes its data set (DESIGN.md: special-category data): every response,
    held answer and unsent draft of the survey goes, the survey is closed, imported batches are
    marked withdrawn, the findings cache is removed and the deletion is audited. The survey itself
    stays, empty, as the record. Returns how many responses were deleted."""
    from freeassoc.findings import cache as findings_cache
    from freeassoc.imports.models import ImportBatch
    from freeassoc.orgs.models import AuditEvent
    from freeassoc.orgs.services import audit_record

    HeldAnswers.objects.filter(survey=survey).delete()  # before closing would add them
    deleted, _ = Response.objects.filter(survey=survey).delete()
    Draft.objects.filter(survey=survey).delete()
    ImportBatch.objects.filter(survey=survey, status=ImportBatch.Status.COMPLETE).update(
        status=ImportBatch.Status.WITHDRAWN,
        withdrawn_at=timezone.now(),
        withdrawn_by_name=user.get_username(),
    )
    if survey.status == Survey.Status.OPEN:
        survey_set_status(survey=survey, status=Survey.Status.CLOSED)
    audit_record(
        organisation=survey.organisation,
        user=user,
        action=AuditEvent.Action.DELETE,
        detail=f"Deleted the data set of survey {survey.pk} ('{survey.title}'): "
        f"{deleted} responses",
    )
    transaction.on_commit(lambda: findings_cache.forget(survey))
    return deleted


def collector_create(*, survey: Survey, kind: str, name: str) -> Collector:
    return Collector.objects.create(survey=survey, kind=kind, name=name)


def invitations_issue(*, collector: Collector, count: int) -> list[str]:
    """Make `count` single-use tokens. Only their hashes are kept: the list returned is the
    one and only time the tokens exist in clear, so the caller must hand them over now."""
    if collector.kind != Collector.Kind.INVITATIONS:
        raise ValidationError("Invitations can only be issued from an invitation collector.")
    if not 1 <= count <= 10000:
        raise ValidationError("Issue between 1 and 10,000 invitations at a time.")
    tokens = [secrets.token_urlsafe(16) for _ in range(count)]
    with transaction.atomic():
        InvitationToken.objects.bulk_create(
            [InvitationToken(collector=collector, token_hash=digest(t)) for t in tokens]
        )
        Collector.objects.filter(pk=collector.pk).update(
            invitations_issued=F("invitations_issued") + count
        )
    return tokens


def _expiry() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=settings.FREEASSOC_DRAFT_DAYS)


def drafts_purge_expired() -> int:
    deleted, _ = Draft.objects.filter(expires_on__lt=timezone.localdate()).delete()
    return deleted


def _check_open(collector: Collector) -> None:
    if not collector.is_active or not collector.survey.is_open:
        raise SurveyError("This survey is not open for answers at the moment.")


def invitation_spend(*, collector: Collector, token: str) -> None:
    """Use up an invitation: its row is deleted, in a transaction of its own (not the one that
    makes the draft, so no transaction id or log record joins the two), and the SQLite log is
    folded away at once. The collector's count of invitations issued stays."""
    if not token:
        raise SurveyError("This survey is by invitation. Please use the link in your invitation.")
    with transaction.atomic():
        spent, _ = InvitationToken.objects.filter(
            collector=collector, token_hash=digest(token)
        ).delete()
    if not spent:
        raise SurveyError(
            "This invitation link is not valid or has already been used. If you started "
            "the survey earlier and saved it, resume with your code."
        )
    transaction.on_commit(residue.wal_checkpoint)


def draft_start(*, collector: Collector, token: str = "") -> tuple[Draft, str]:
    """Begin answering. An invitation token is spent here, on a deliberate POST, so that mail
    scanners that follow links cannot use it up; the draft keeps no trace of which token, nor
    of which collector (only its kind)."""
    _check_open(collector)
    if collector.kind == Collector.Kind.INVITATIONS:
        invitation_spend(collector=collector, token=token)
    key = secrets.token_urlsafe(32)
    draft = Draft.objects.create(
        survey=collector.survey,
        collector_kind=collector.kind,
        key_hash=digest(key),
        answers={},
        expires_on=_expiry(),
    )
    return draft, key


def _live(draft: Draft | None) -> Draft | None:
    return None if draft is None or draft.is_expired() else draft


def _drafts_of(collector: Collector):
    """The drafts a collector's pages may use: its survey's, started through its kind."""
    return Draft.objects.filter(survey_id=collector.survey_id, collector_kind=collector.kind)


def draft_for_key(*, collector: Collector, key: str) -> Draft | None:
    if not key:
        return None
    return _live(_drafts_of(collector).filter(key_hash=digest(key)).first())


def draft_for_link(*, slug: str, key: str) -> tuple[Collector, Draft] | None:
    """The collector of the link `slug` (with its survey) and the live draft of this key on it,
    in one query: every page POST starts here (the respondents' hot path). The draft does not
    name a collector, so the link's must be of the draft's survey and kind. The organisation is
    not read: the pages behind this show the survey's title, not its organisation's name."""
    if not key:
        return None
    link = "survey__collectors__"
    found = (
        Draft.objects.select_related("survey")
        .filter(key_hash=digest(key), **{f"{link}slug": slug, f"{link}kind": F("collector_kind")})
        .annotate(
            link_pk=F(f"{link}pk"),
            link_name=F(f"{link}name"),
            link_is_active=F(f"{link}is_active"),
            link_issued=F(f"{link}invitations_issued"),
        )[:1]  # key_hash is unique: no ORDER BY needed
    )
    draft = _live(found[0] if found else None)
    if draft is None:
        return None
    collector = Collector(
        pk=draft.link_pk,
        survey=draft.survey,
        kind=draft.collector_kind,
        name=draft.link_name,
        slug=slug,
        is_active=draft.link_is_active,
        invitations_issued=draft.link_issued,
    )
    return collector, draft


def draft_save_answers(*, draft: Draft, answers: dict, instrument) -> Draft:
    """Merge one page's answers; drop answers that skip logic now hides."""
    merged = {k: v for k, v in {**draft.answers, **answers}.items() if v is not None}
    merged = instrument.prune(merged)
    Draft.objects.filter(pk=draft.pk).update(answers=merged)
    draft.answers = merged
    return draft


def new_resume_code() -> str:
    chars = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(4 * _CODE_GROUPS))
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))


def normalise_code(code: str) -> str:
    chars = "".join(c for c in code.upper() if c.isalnum())
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))


def draft_save_for_later(*, draft: Draft) -> str:
    """A fresh resume code, shown once; only its hash is stored. An earlier code stops working."""
    code = new_resume_code()
    Draft.objects.filter(pk=draft.pk).update(resume_hash=digest(code), expires_on=_expiry())
    return code


def draft_resume(*, collector: Collector, code: str) -> tuple[Draft, str]:
    """Take a saved draft into this browser with a new key; the old browser's key stops working."""
    draft = _live(_drafts_of(collector).filter(resume_hash=digest(normalise_code(code))).first())
    if draft is None:
        raise SurveyError(
            "That code does not match saved answers for this survey. Check it and try again; "
            "codes stop working when the answers are sent or after "
            f"{settings.FREEASSOC_DRAFT_DAYS} days."
        )
    key = secrets.token_urlsafe(32)
    Draft.objects.filter(pk=draft.pk).update(key_hash=digest(key), expires_on=_expiry())
    return draft, key


def draft_submit(*, draft: Draft, collector: Collector) -> bool:
    """Send a draft's answers, whole or not at all, exactly once: the draft is deleted and its
    answers held (answers_hold), in one transaction.

    The delete is the guard: of two concurrent POSTs (a double click, a retry), only one
    deletes the row and holds the answers; the other returns False. Returns True when this
    call sent them.
    """
    survey = draft.survey
    instrument = survey.instrument
    answers = instrument.prune(draft.answers)
    if missing := instrument.missing_required(answers):
        raise SurveyError(
            "Some required questions are not answered yet: "
            + "; ".join(q.label for q in missing[:5])
        )
    with transaction.atomic():
        claimed, _ = Draft.objects.filter(pk=draft.pk).delete()
        if not claimed:
            return False
        _check_open(collector)
        answers_hold(survey=survey, collector_kind=draft.collector_kind, answers=answers)
    held_release_after_hold(survey=survey)
    return True


def answers_hold(*, survey: Survey, collector_kind: str, answers: dict) -> None:
    """Keep one completed questionnaire until it can be added with others (held_release).
    Call it inside the transaction that claims the answers (a deleted draft, an API
    idempotency record), so that they are held exactly once; once that transaction is
    committed, call held_release_after_hold."""
    HeldAnswers.objects.create(
        survey=survey,
        collector_kind=collector_kind,
        instrument_version=survey.instrument_version,
        answers=answers,
    )
    transaction.on_commit(residue.wal_checkpoint)


def held_release(*, survey: Survey, everything: bool = False) -> int:
    """Add the survey's held answers to its responses once there are at least k of them (or,
    with `everything` or once the survey is no longer open, however many there are): all in
    one transaction, in a random order, each stamped with today's date; the held rows are
    deleted. Returns how many were added.

    Safe to call from many processes at once: the held rows are locked (SELECT ... FOR
    UPDATE; on SQLite the write lock is taken at BEGIN) and counted again under the lock, so
    no answer is added twice, and one that is not added stays held."""

    def ready(count: int) -> bool:
        status, k = Survey.objects.values_list("status", "disclosure_k").get(pk=survey.pk)
        return count > 0 and (everything or status != Survey.Status.OPEN or count >= max(k, 1))

    # The common case (fewer than k held) is decided by two reads, without the write lock.
    if not ready(HeldAnswers.objects.filter(survey=survey).count()):
        return 0
    with transaction.atomic():
        held = list(HeldAnswers.objects.select_for_update().filter(survey=survey))
        if not ready(len(held)):
            return 0
        secrets.SystemRandom().shuffle(held)
        today = timezone.localdate()
        Response.objects.bulk_create(
            Response(
                survey_id=survey.pk,
                collector_kind=h.collector_kind,
                instrument_version=h.instrument_version,
                submitted_on=today,
                source=Response.Source.WEB,
                answers=h.answers,
            )
            for h in held
        )
        HeldAnswers.objects.filter(pk__in=[h.pk for h in held]).delete()
    transaction.on_commit(residue.wal_checkpoint)
    return len(held)


def held_release_after_hold(*, survey: Survey) -> int:
    """held_release, after answers were held: the answers are safely kept whatever happens
    here, so a database error (SQLite busy for longer than its timeout) is logged, not shown
    to the person who sent them; the next sending, or the sweep, adds the group."""
    try:
        return held_release(survey=survey)
    except DatabaseError:
        logger.exception("held answers of survey %s not added yet", survey.pk)
        return 0


def residue_sweep() -> None:
    """Remove what the database keeps of deleted and replaced rows in the tables that could
    join an invitation to answers: on PostgreSQL, rewrite the token, draft and held-answers
    tables without their dead row versions (VACUUM FULL); on SQLite, fold the log away,
    waiting for it if need be. First it adds any group that is due (a survey no longer open,
    or one whose adding failed after a sending). Run it on a schedule (every few minutes):
    until it runs, a copy of the PostgreSQL files holds the history of the last writes."""
    for survey in Survey.objects.filter(pk__in=HeldAnswers.objects.values("survey_id")):
        held_release(survey=survey)
    residue.vacuum_full([InvitationToken, Draft, HeldAnswers])
    residue.wal_checkpoint(wait=True)
