"""Who may list and look after local groups: the owners and organisers of an approved member
organisation (the roles that run surveys); and who may read a group's history of changes:
they, the group's contact and the platform's staff. The one place this is decided."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from freeassoc.orgs.models import Membership, Organisation

from .models import LocalGroup


def organisations_listing_for(user):
    """The approved organisations in which this user may list local groups."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        approved=True, members__user=user, members__role__in=Membership.RUNS_SURVEYS
    ).distinct()


def can_list_groups(user) -> bool:
    return organisations_listing_for(user).exists()


def group_for_organiser(user, slug: str) -> LocalGroup:
    """A group to edit or remove: 404 for anyone outside its organisation (they should not
    learn more than the public page says), 403 for a member whose role does not allow it."""
    group = LocalGroup.objects.select_related("organisation", "network").filter(slug=slug).first()
    if group is None or not user.is_authenticated:
        raise Http404("No such group.")
    membership = Membership.objects.filter(organisation=group.organisation, user=user).first()
    if membership is None:
        raise Http404("No such group.")
    if membership.role not in Membership.RUNS_SURVEYS or not group.organisation.approved:
        raise PermissionDenied("Only owners and organisers of the organisation can change this.")
    return group


def may_change(user, group: LocalGroup) -> bool:
    """For showing a link only; the pages that change a group call group_for_organiser."""
    return (
        user.is_authenticated
        and group.organisation.approved
        and Membership.objects.filter(
            organisation=group.organisation, user=user, role__in=Membership.RUNS_SURVEYS
        ).exists()
    )


def may_see_history(user, group: LocalGroup) -> bool:
    return user.is_authenticated and (
        user.is_staff or group.contact_user_id == user.pk or may_change(user, group)
    )


def group_for_history(user, slug: str) -> LocalGroup:
    """A group's history of changes: 404 for everyone else, who should not learn more than
    the public page says."""
    group = LocalGroup.objects.select_related("organisation").filter(slug=slug).first()
    if group is None or not may_see_history(user, group):
        raise Http404("No such group.")
    return group
