"""What changes the state of surveys, collectors, invitations, drafts and responses."""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from freeassoc.orgs.models import Organisation

from . import instrument as instruments
from .models import Collector, Draft, InvitationToken, Response, Survey, digest

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
    return survey


@transaction.atomic
def survey_data_delete(*, survey: Survey, user) -> int:
    """An organisation deletes its data set (DESIGN.md: special-category data): every response
    and unsent draft of the survey goes, the survey is closed, imported batches are marked
    withdrawn, the findings cache is removed and the deletion is audited. The survey itself
    stays, empty, as the record. Returns how many responses were deleted."""
    from freeassoc.findings import cache as findings_cache
    from freeassoc.imports.models import ImportBatch
    from freeassoc.orgs.models import AuditEvent
    from freeassoc.orgs.services import audit_record

    deleted, _ = Response.objects.filter(survey=survey).delete()
    Draft.objects.filter(collector__survey=survey).delete()
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
    InvitationToken.objects.bulk_create(
        [InvitationToken(collector=collector, token_hash=digest(t)) for t in tokens]
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


def draft_start(*, collector: Collector, token: str = "") -> tuple[Draft, str]:
    """Begin answering. An invitation token is spent here, on a deliberate POST, so that mail
    scanners that follow links cannot use it up; the draft keeps no trace of which token."""
    _check_open(collector)
    with transaction.atomic():
        if collector.kind == Collector.Kind.INVITATIONS:
            if not token:
                raise SurveyError(
                    "This survey is by invitation. Please use the link in your invitation."
                )
            spent = InvitationToken.objects.filter(
                collector=collector, token_hash=digest(token), used=False
            ).update(used=True)
            if not spent:
                raise SurveyError(
                    "This invitation link is not valid or has already been used. If you started "
                    "the survey earlier and saved it, resume with your code."
                )
        key = secrets.token_urlsafe(32)
        draft = Draft.objects.create(
            collector=collector, key_hash=digest(key), answers={}, expires_on=_expiry()
        )
    return draft, key


def _live_draft(drafts, key: str) -> Draft | None:
    if not key:
        return None
    draft = drafts.filter(key_hash=digest(key)).first()
    if draft is None or draft.is_expired():
        return None
    return draft


def draft_for_key(*, collector: Collector, key: str) -> Draft | None:
    return _live_draft(Draft.objects.filter(collector=collector), key)


def draft_for_link(*, slug: str, key: str) -> Draft | None:
    """The live draft of this key on the link `slug`, with its collector, survey and
    organisation, in one query: every page POST starts here (the respondents' hot path)."""
    drafts = Draft.objects.select_related("collector__survey__organisation")
    return _live_draft(drafts.filter(collector__slug=slug), key)


def draft_save_answers(*, draft: Draft, answers: dict, instrument) -> Draft:
    """Merge one page's answers; drop answers that skip logic now hides."""
    merged = {k: v for k, v in {**draft.answers, **answers}.items() if v is not None}
    merged = instrument.prune(merged)
    Draft.objects.filter(pk=draft.pk, submitted=False).update(answers=merged)
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
    draft = Draft.objects.filter(
        collector=collector, resume_hash=digest(normalise_code(code)), submitted=False
    ).first()
    if draft is None or draft.is_expired():
        raise SurveyError(
            "That code does not match saved answers for this survey. Check it and try again; "
            "codes stop working when the answers are sent or after "
            f"{settings.FREEASSOC_DRAFT_DAYS} days."
        )
    key = secrets.token_urlsafe(32)
    Draft.objects.filter(pk=draft.pk).update(key_hash=digest(key), expires_on=_expiry())
    return draft, key


def draft_submit(*, draft: Draft) -> bool:
    """Turn a draft into a Response, whole or not at all, exactly once.

    The conditional UPDATE is the guard: of two concurrent POSTs (a double click, a retry),
    only one sees submitted=False and inserts; the other returns False and the caller shows
    the same thank-you page. Returns True when this call created the response.
    """
    survey = draft.collector.survey
    instrument = survey.instrument
    answers = instrument.prune(draft.answers)
    if missing := instrument.missing_required(answers):
        raise SurveyError(
            "Some required questions are not answered yet: "
            + "; ".join(q.label for q in missing[:5])
        )
    with transaction.atomic():
        claimed = Draft.objects.filter(pk=draft.pk, submitted=False).update(
            submitted=True, answers={}, resume_hash=None
        )
        if not claimed:
            return False
        _check_open(draft.collector)
        Response.objects.create(
            survey=survey,
            collector_kind=draft.collector.kind,
            instrument_version=survey.instrument_version,
            submitted_on=timezone.localdate(),
            answers=answers,
        )
    return True
