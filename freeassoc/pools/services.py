"""What changes the state of pools: the steward's invitations, an owner's refusal or consent
to contribute a data set, and its withdrawal. Each is written to the invited or contributing
organisation's audit log."""

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from freeassoc.orgs.models import AuditEvent, Membership, Organisation
from freeassoc.orgs.services import audit_record
from freeassoc.surveys.models import Survey

from .models import Pool, PoolContribution, PoolInvitation


def _username(user) -> str:
    return user.get_username() if user is not None else "The platform's administrators"


@transaction.atomic
def pool_invitation_send(*, pool: Pool, organisation: Organisation, by) -> PoolInvitation:
    """Invite `organisation` to contribute to `pool`, or invite it again after a refusal. The
    caller has checked that `by` is the pool's steward (pools.access)."""
    if not organisation.approved:
        raise ValidationError("Only an approved member organisation can be invited.")
    invitation, created = PoolInvitation.objects.select_for_update().get_or_create(
        pool=pool,
        organisation=organisation,
        defaults={"invited_by": by, "invited_at": timezone.now()},
    )
    if not created:
        if invitation.is_open:
            raise ValidationError(f"{organisation.name} is already invited to “{pool.name}”.")
        invitation.invited_by, invitation.invited_at = by, timezone.now()
        invitation.declined_by = invitation.declined_at = None
        invitation.save()
    audit_record(
        organisation=organisation,
        user=by,
        action=AuditEvent.Action.POOL_INVITATION,
        detail=f"{_username(by)}, steward of the pool “{pool.name}”, invited "
        f"{organisation.name} to contribute to it.",
    )
    owners = list(
        Membership.objects.filter(organisation=organisation, role=Membership.Role.OWNER)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if owners:
        message = EmailMessage(
            subject=f"{organisation.name} is invited to contribute to “{pool.name}”",
            body=(
                f"{_username(by)}, the steward of the pool “{pool.name}” on Free Association, "
                f"invites {organisation.name} to contribute its Surviving Work data sets.\n\n"
                "An owner of the organisation accepts, survey by survey, or declines, on a "
                "survey's page: Your surveys, the survey, then Contribute to a pool. Nothing "
                "is shared unless an owner agrees."
            ),
            to=owners,
        )
        transaction.on_commit(lambda: message.send(fail_silently=True))
    return invitation


@transaction.atomic
def pool_invitation_decline(*, invitation: PoolInvitation, by) -> PoolInvitation:
    """An owner declines, for the whole organisation. Data sets already in the pool must be
    withdrawn first: declining does not take them out unseen."""
    invitation = (
        PoolInvitation.objects.select_for_update()
        .select_related("pool", "organisation")
        .get(pk=invitation.pk)
    )
    pool, organisation = invitation.pool, invitation.organisation
    if not invitation.is_open:
        raise ValidationError(f"{organisation.name} has already declined “{pool.name}”.")
    if PoolContribution.objects.filter(
        pool=pool, survey__organisation=organisation, withdrawn_at__isnull=True
    ).exists():
        raise ValidationError(
            f"{organisation.name} contributes to “{pool.name}”: withdraw its data sets first, "
            "then decline."
        )
    invitation.declined_by, invitation.declined_at = by, timezone.now()
    invitation.save(update_fields=["declined_by", "declined_at"])
    audit_record(
        organisation=organisation,
        user=by,
        action=AuditEvent.Action.POOL_DECLINE,
        detail=f"Declined the invitation to contribute to the pool “{pool.name}”.",
    )
    return invitation


def contribution_consent(*, pool: Pool, survey: Survey, user) -> PoolContribution:
    """Put `survey` into `pool`: an owner accepts the steward's invitation for this data set.
    The caller has checked that `user` owns the survey's organisation (pools.access); this
    checks the invitation and what makes the data set fit the pool."""
    if not pool.accepts(survey):
        raise ValidationError(
            f"“{pool.name}” pools answers to the questionnaire {pool.instrument_key}; this "
            f"survey uses {survey.instrument_slug}@{survey.instrument_version}, so it cannot join."
        )
    try:
        with transaction.atomic():
            # Locked so that a refusal cannot cross a consent.
            invitation = (
                PoolInvitation.objects.select_for_update()
                .filter(pool=pool, organisation_id=survey.organisation_id, declined_at=None)
                .first()
            )
            if invitation is None:
                raise ValidationError(
                    f"Only an organisation invited by the steward of “{pool.name}” can "
                    "contribute to it."
                )
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
