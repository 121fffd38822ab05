"""What changes the state of pools: consent to contribute a data set, and its withdrawal.
Both are written to the organisation's audit log."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from freeassoc.orgs.models import AuditEvent
from freeassoc.orgs.services import audit_record
from freeassoc.surveys.models import Survey

from .models import Pool, PoolContribution


def contribution_consent(*, pool: Pool, survey: Survey, user) -> PoolContribution:
    """Put `survey` into `pool`. The caller has checked that `user` owns the survey's
    organisation (pools.access); this checks what makes the data set fit the pool."""
    if not pool.accepts(survey):
        raise ValidationError(
            f"“{pool.name}” pools answers to the questionnaire {pool.instrument_key}; this "
            f"survey uses {survey.instrument_slug}@{survey.instrument_version}, so it cannot join."
        )
    try:
        with transaction.atomic():
            contribution = PoolContribution.objects.create(
                pool=pool, survey=survey, consented_by=user, consented_at=timezone.now()
            )
    except IntegrityError:
        # The partial unique constraint: a second consent (a double click) changes nothing.
        raise ValidationError(f"“{survey.title}” already contributes to “{pool.name}”.") from None
    audit_record(
        organisation=survey.organisation,
        user=user,
        action=AuditEvent.Action.POOL_CONSENT,
        detail=f"Consented to contribute “{survey.title}” to the pool “{pool.name}”.",
    )
    return contribution


def contribution_withdraw(*, contribution: PoolContribution, user) -> PoolContribution:
    """Take a data set out of a pool. From now on the pool's findings are computed without it."""
    updated = PoolContribution.objects.filter(pk=contribution.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now(), withdrawn_by=user
    )
    if not updated:
        raise ValidationError("That data set has already been withdrawn from the pool.")
    contribution.refresh_from_db()
    audit_record(
        organisation=contribution.survey.organisation,
        user=user,
        action=AuditEvent.Action.POOL_WITHDRAW,
        detail=f"Withdrew “{contribution.survey.title}” from the pool “{contribution.pool.name}”.",
    )
    return contribution
