"""Who may do what with an organisation, and whether a session has passed the second step.

Owners' pages: 404 for anyone outside the organisation (they should not learn it exists), 403
for a member whose role is not owner. Two-factor: everyone who signs in, whatever their role
(enforced for every page by middleware.TwoFactorMiddleware; checked again here for code that
hands out microdata).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Membership, Organisation


def organisation_for_owner(user, slug: str) -> Organisation:
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None or not user.is_authenticated:
        raise Http404("No such organisation.")
    membership = Membership.objects.filter(organisation=organisation, user=user).first()
    if membership is None:
        raise Http404("No such organisation.")
    if membership.role != Membership.Role.OWNER:
        raise PermissionDenied("Only the organisation's owners can do that.")
    return organisation


def require_staff(user) -> None:
    """Platform administration: a 404 for everyone else, who need not know the page exists."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise Http404("No such page.")


def can_run_surveys(organisation: Organisation) -> bool:
    """An organisation runs surveys, surgeries and group listings only once approved."""
    return organisation.approved


def is_verified(user) -> bool:
    """True once this session has been confirmed with a code. A user object that did not come
    through OTPMiddleware (no `is_verified`) counts as unverified: fail closed."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def require_two_factor(user) -> None:
    """Defence in depth behind the middleware, for code that hands out microdata."""
    if user.is_authenticated and not is_verified(user):
        raise PermissionDenied("Confirm your sign-in with a code from your authenticator app.")
