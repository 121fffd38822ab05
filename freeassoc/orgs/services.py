"""What changes the state of organisations, memberships, invitations, second factors and the
audit log."""

import datetime
import hashlib
import secrets
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import AuditEvent, Invitation, Membership, Organisation

INVITATION_DAYS = 7
BACKUP_CODES = 10


def digest(secret: str) -> str:
    """Hash of a long random secret: no salt needed, the secret cannot be guessed."""
    return hashlib.sha256(secret.encode()).hexdigest()


def audit_record(
    *, organisation: Organisation, user, action: str, detail: str, group=None
) -> AuditEvent:
    """Write one line of the organisation's audit log (every microdata view and export, and
    every change to one of its local groups, naming the `group`)."""
    return AuditEvent.objects.create(
        organisation=organisation,
        group=group,
        user=user if user is not None and user.is_authenticated else None,
        username=getattr(user, "username", "") or "(command line)",
        action=action,
        detail=detail[:300],
    )


def audit_sign_in(*, user, detail: str) -> None:
    """One line in the log of every organisation the person belongs to: each owner sees who
    could have reached their data, without learning about the person's other memberships."""
    AuditEvent.objects.bulk_create(
        AuditEvent(
            organisation_id=organisation_id,
            user=user,
            username=user.get_username(),
            action=AuditEvent.Action.SIGN_IN,
            detail=detail,
        )
        for organisation_id in Membership.objects.filter(user=user).values_list(
            "organisation_id", flat=True
        )
    )


# Organisations -----------------------------------------------------------------------------


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "organisation"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _staff_addresses() -> list[str]:
    User = get_user_model()
    return list(
        User.objects.filter(is_staff=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


@transaction.atomic
def organisation_register(
    *, name: str, kind: str, contact_name: str, contact_email: str, owner
) -> Organisation:
    """A new organisation, waiting for a platform administrator; its first owner."""
    if Organisation.objects.filter(name__iexact=name).exists():
        raise ValidationError("An organisation with this name is already registered.")
    organisation = Organisation.objects.create(
        name=name,
        slug=_unique_slug(name),
        kind=kind,
        contact_name=contact_name,
        contact_email=contact_email,
        approved=False,
    )
    Membership.objects.create(organisation=organisation, user=owner, role=Membership.Role.OWNER)
    if staff := _staff_addresses():
        transaction.on_commit(
            lambda: EmailMessage(
                subject=f"New organisation to review: {name}",
                body=(
                    f"{name} ({organisation.get_kind_display()}) asked to join Free "
                    "Association. Approve or refuse it on the platform's approvals page."
                ),
                to=staff,
            ).send(fail_silently=True)
        )
    return organisation


def _tell_contact(organisation: Organisation, subject: str, body: str) -> None:
    if organisation.contact_email:
        EmailMessage(subject=subject, body=body, to=[organisation.contact_email]).send(
            fail_silently=True
        )


def organisation_approve(*, organisation: Organisation) -> None:
    organisation.approved = True
    organisation.reviewed_on = timezone.localdate()
    organisation.save(update_fields=["approved", "reviewed_on"])
    _tell_contact(
        organisation,
        f"{organisation.name} is now a member of Free Association",
        f"{organisation.name} has been approved. Its owners and organisers can now run "
        "surveys and Survival Surgeries.",
    )


def organisation_refuse(*, organisation: Organisation) -> None:
    organisation.approved = False
    organisation.reviewed_on = timezone.localdate()
    organisation.save(update_fields=["approved", "reviewed_on"])
    _tell_contact(
        organisation,
        f"About {organisation.name}'s application to Free Association",
        f"The platform's administrators did not approve {organisation.name}. Free "
        "Association is for workers' and service users' organisations; employers, providers "
        "of services and employers' bodies cannot be members. Reply to this message if you "
        "think this is a mistake.",
    )


# Members -----------------------------------------------------------------------------------


def _other_owners(membership: Membership) -> bool:
    return (
        Membership.objects.filter(organisation=membership.organisation, role=Membership.Role.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def member_set_role(*, membership: Membership, role: str, by) -> Membership:
    if role not in Membership.Role.values:
        raise ValidationError("Choose one of the roles.")
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == role:
        return membership
    if membership.role == Membership.Role.OWNER and not _other_owners(membership):
        raise ValidationError(
            "An organisation needs at least one owner: make someone else an owner first."
        )
    before = membership.get_role_display()
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        organisation=membership.organisation,
        user=by,
        action=AuditEvent.Action.ROLE_CHANGE,
        detail=f"{membership.user.get_username()}: {before} → {membership.get_role_display()}",
    )
    return membership


@transaction.atomic
def member_remove(*, membership: Membership, by) -> None:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Membership.Role.OWNER and not _other_owners(membership):
        raise ValidationError(
            "An organisation needs at least one owner: make someone else an owner first."
        )
    audit_record(
        organisation=membership.organisation,
        user=by,
        action=AuditEvent.Action.MEMBER_REMOVE,
        detail=f"{membership.user.get_username()} ({membership.get_role_display()})",
    )
    membership.delete()


@transaction.atomic
def member_two_factor_reset(*, membership: Membership, by) -> None:
    """Delete every second factor of a member: authenticator app and backup codes. At their
    next sign-in they set up a new app with their password alone. That is the way back for
    someone who lost both phone and codes, and also a way in for whoever knows their
    password until they do; so it is written to the log of every organisation they belong
    to, and they are told by email."""
    person = membership.user
    if person.pk == by.pk:
        raise ValidationError("Replace your own app or backup codes on the two-factor page.")
    if person.is_staff or person.is_superuser:
        raise ValidationError(
            "This person is one of the platform's administrators: another administrator "
            "resets their two-factor sign-in in the admin."
        )
    TOTPDevice.objects.filter(user=person).delete()
    StaticDevice.objects.filter(user=person).delete()
    organisation = membership.organisation
    AuditEvent.objects.bulk_create(
        AuditEvent(
            organisation_id=organisation_id,
            user=by,
            username=by.get_username(),
            action=AuditEvent.Action.TWO_FACTOR_RESET,
            detail=f"Reset {person.get_username()}'s two-factor sign-in, as an owner of "
            f"{organisation.name}"[:300],
        )
        for organisation_id in Membership.objects.filter(user=person).values_list(
            "organisation_id", flat=True
        )
    )
    if person.email:
        message = EmailMessage(
            subject="Your two-factor sign-in on Free Association was reset",
            body=(
                f"{by.get_username()}, an owner of {organisation.name}, reset your two-factor "
                "sign-in. The next time you sign in you will set up your authenticator app "
                "again.\n\nIf you did not ask for this, change your password now and tell the "
                f"owners of {organisation.name}."
            ),
            to=[person.email],
        )
        transaction.on_commit(lambda: message.send(fail_silently=True))


# Invitations -------------------------------------------------------------------------------


class InvitationError(Exception):
    """A refusal to accept an invitation, with a sentence for the person holding the link."""


def invitation_send(
    *, organisation: Organisation, email: str, role: str, by, link_for: Callable[[str], str]
) -> Invitation:
    """Create an invitation and email its link. The token exists only in the email: we keep
    its hash, so the link cannot be read back from the database."""
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        token_hash=digest(token),
        invited_by=by,
        expires_at=timezone.now() + datetime.timedelta(days=INVITATION_DAYS),
    )
    audit_record(
        organisation=organisation,
        user=by,
        action=AuditEvent.Action.INVITATION,
        detail=f"Invited {email} as {invitation.get_role_display().lower()}",
    )
    EmailMessage(
        subject=f"Join {organisation.name} on Free Association",
        body=(
            f"{by.get_username()} invites you to join {organisation.name} on Free Association "
            f"as {invitation.get_role_display().lower()}.\n\n"
            f"Accept within {INVITATION_DAYS} days with this link, which works once:\n\n"
            f"{link_for(token)}\n\n"
            "If you did not expect this, ignore it: nothing happens unless the link is used."
        ),
        to=[email],
    ).send()
    return invitation


def invitation_by_token(token: str) -> Invitation:
    """The pending invitation for a link, or an InvitationError saying why not."""
    invitation = (
        Invitation.objects.select_related("organisation").filter(token_hash=digest(token)).first()
    )
    if invitation is None or invitation.accepted_at is not None:
        raise InvitationError("This invitation link has already been used or does not exist.")
    if timezone.now() >= invitation.expires_at:
        raise InvitationError(
            "This invitation link has expired. Ask an owner of the organisation for a new one."
        )
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user=None, username: str = "", password: str = ""):
    """Spend the invitation and make the person a member: the signed-in `user`, or a new
    account made from `username` and `password`. Returns the membership."""
    found = invitation_by_token(token)
    # Lock the row: two clicks on the same link must not both succeed.
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    if invitation.accepted_at is not None:
        raise InvitationError("This invitation link has already been used or does not exist.")
    if user is None:
        User = get_user_model()
        try:
            with transaction.atomic():
                user = User.objects.create_user(username, email=invitation.email, password=password)
        except IntegrityError as exc:
            raise ValidationError("That username is taken: choose another.") from exc
    elif Membership.objects.filter(organisation=invitation.organisation, user=user).exists():
        raise InvitationError(
            f"You are already a member of {invitation.organisation.name}. The invitation is "
            "still unused."
        )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    membership = Membership.objects.create(
        organisation=invitation.organisation, user=user, role=invitation.role
    )
    audit_record(
        organisation=invitation.organisation,
        user=user,
        action=AuditEvent.Action.INVITATION,
        detail=f"{user.get_username()} accepted an invitation as "
        f"{membership.get_role_display().lower()}",
    )
    return membership


def invitation_revoke(*, invitation: Invitation, by) -> None:
    audit_record(
        organisation=invitation.organisation,
        user=by,
        action=AuditEvent.Action.INVITATION,
        detail=f"Withdrew the invitation to {invitation.email}",
    )
    invitation.delete()


# Two-factor sign-in ------------------------------------------------------------------------


class CodeRefused(Exception):
    """A refused code, with a sentence for the person typing it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def totp_device_for_setup(*, user) -> TOTPDevice:
    """The authenticator being set up: an unconfirmed device, kept until it is confirmed so a
    reload shows the same QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def totp_confirm(*, device: TOTPDevice, code: str) -> None:
    """Confirm the new authenticator with a code from it, or CodeRefused. Wrong codes are
    throttled by the device. On success any older authenticator of the person is removed:
    one app at a time."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, _ = device.verify_is_allowed()
        if allowed and device.verify_token(code):
            TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            return
    # Raised after the transaction, so the wrong attempt's count is committed.
    if not allowed:
        raise CodeRefused("Too many wrong codes. Wait a few seconds, then try again.")
    raise CodeRefused(
        "That code is not right. Check the app shows Free Association and type its newest code."
    )


@transaction.atomic
def backup_codes_replace(*, user) -> list[str]:
    """New single-use backup codes, shown once; any older ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="Backup codes", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def second_factor_check(*, user, code: str):
    """The device that accepts `code` (an authenticator code or a backup code), or
    CodeRefused. Each device throttles its own wrong attempts (1, 2, 4, 8… seconds)."""
    code = "".join(code.split()).lower()
    # A six-digit code goes to the authenticator, anything else to the backup codes.
    model = TOTPDevice if code.isdigit() else StaticDevice
    throttled = False
    # The wrong attempt's count must be committed, so the refusal is raised after the
    # transaction, not inside it.
    with transaction.atomic():
        for device in model.objects.select_for_update().filter(user=user, confirmed=True):
            allowed, _ = device.verify_is_allowed()
            if not allowed:
                throttled = True
            elif device.verify_token(code):
                return device
    if throttled:
        raise CodeRefused("Too many wrong codes. Wait a few seconds, then try again.")
    raise CodeRefused("That code is not right. Check your authenticator app and try again.")


def two_factor_done(*, request, device) -> None:
    """Mark this session as confirmed (what django_otp.login does), give it a new key, and
    log it. The new key means a session id seen before the second step (on a shared
    computer, in a proxy's log) is worth nothing after it."""
    otp_login(request, device)
    request.session.cycle_key()
    how = "a backup code" if isinstance(device, StaticDevice) else "an authenticator code"
    audit_sign_in(user=request.user, detail=f"Confirmed the sign-in with {how}")
