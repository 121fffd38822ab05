"""What reads organisations, memberships, invitations and the audit log."""

from django.core.paginator import Page, Paginator
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import AuditEvent, Invitation, Membership, Organisation

AUDIT_PAGE_SIZE = 50


def memberships_for_user(user):
    return Membership.objects.filter(user=user).select_related("organisation")


def members_of(organisation: Organisation):
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("user__username")
    )


def pending_invitations(organisation: Organisation):
    return Invitation.objects.filter(
        organisation=organisation, accepted_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def audit_page(organisation: Organisation, number) -> Page:
    """One page of the log, newest first."""
    events = AuditEvent.objects.filter(organisation=organisation).order_by("-at", "-pk")
    return Paginator(events, AUDIT_PAGE_SIZE).get_page(number)


def organisations_to_review():
    return Organisation.objects.filter(approved=False, reviewed_on__isnull=True).order_by(
        "created_on", "name"
    )


def organisations_reviewed(limit: int = 20):
    return Organisation.objects.filter(reviewed_on__isnull=False).order_by("-reviewed_on", "name")[
        :limit
    ]


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
