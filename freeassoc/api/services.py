"""What changes state through the API, or about it: keys made and revoked, responses posted."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from freeassoc.orgs.models import AuditEvent, Organisation
from freeassoc.orgs.services import audit_record
from freeassoc.surveys.models import Survey, digest
from freeassoc.surveys.services import answers_hold, held_release_after_hold

from .answers import validate_answers
from .models import ApiKey, IdempotencyRecord

KEY_PREFIX = "fa_"
PREFIX_LENGTH = 11  # "fa_" and 8 characters of the random part: enough to tell keys apart


def api_key_create(*, organisation: Organisation, name: str, user) -> tuple[ApiKey, str]:
    """A new key. The string returned is the only time the key exists in clear: show it now."""
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        organisation=organisation,
        name=name,
        prefix=raw[:PREFIX_LENGTH],
        key_hash=digest(raw),
        created_by=user,
    )
    audit_record(
        organisation=organisation,
        user=user,
        action=AuditEvent.Action.API_KEY_CREATE,
        detail=f"Made the API key “{name}” ({key.prefix}…).",
    )
    return key, raw


def api_key_revoke(*, key: ApiKey, user) -> ApiKey:
    if not ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    ):
        raise ValidationError("That key was already revoked.")
    key.refresh_from_db()
    audit_record(
        organisation=key.organisation,
        user=user,
        action=AuditEvent.Action.API_KEY_REVOKE,
        detail=f"Revoked the API key “{key.name}” ({key.prefix}…).",
    )
    return key


def api_key_authenticate(raw: str) -> ApiKey | None:
    """The live key this string is, or None. Notes the day it was last used (no finer time)."""
    if not raw.startswith(KEY_PREFIX) or len(raw) > 100:
        return None
    key = (
        ApiKey.objects.select_related("organisation")
        .filter(key_hash=digest(raw), revoked_at__isnull=True)
        .first()
    )
    if key is None:
        return None
    today = timezone.localdate()
    if key.last_used_on != today:
        ApiKey.objects.filter(pk=key.pk).update(last_used_on=today)
        key.last_used_on = today
    return key


class SurveyNotOpen(Exception):
    pass


class IdempotencyConflict(Exception):
    pass


def _body_hash(answers: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(answers, sort_keys=True, default=str).encode()).hexdigest()


def response_post(
    *, survey: Survey, answers: dict[str, Any], idempotency_key: str | None = None
) -> bool:
    """Take one completed questionnaire posted by an organisation's system. It is held and
    added to the survey's responses with at least k - 1 others, as web answers are
    (surveys.services.answers_hold): an API client learns no response id.

    Returns True when this call stored the answers. With an Idempotency-Key, a retry of the
    same body stores nothing more and returns False; the same key with different answers is
    refused. Stored like a web response (source "web"), with no collector kind: the API is not
    a collector respondents see.
    """
    if not survey.is_open:
        raise SurveyNotOpen("This survey is not open for answers. Open it, then post again.")
    cleaned = validate_answers(survey.instrument, answers)
    key_hash = digest(idempotency_key) if idempotency_key else None
    body_hash = _body_hash(answers)

    def replayed() -> bool:
        record = IdempotencyRecord.objects.filter(
            organisation=survey.organisation, key_hash=key_hash
        ).first()
        if record is None:
            return False
        if record.body_hash != body_hash or record.survey_id != survey.pk:
            raise IdempotencyConflict(
                "This Idempotency-Key was already used for a different response. Use a new key "
                "for each questionnaire."
            )
        return True

    if key_hash and replayed():
        return False
    try:
        with transaction.atomic():
            if key_hash:
                IdempotencyRecord.objects.create(
                    organisation=survey.organisation,
                    survey=survey,
                    key_hash=key_hash,
                    body_hash=body_hash,
                )
            answers_hold(survey=survey, collector_kind="", answers=cleaned)
    except IntegrityError:
        # Two requests with the same key at once: the other one's insert won.
        if key_hash and replayed():
            return False
        raise
    held_release_after_hold(survey=survey)
    return True
