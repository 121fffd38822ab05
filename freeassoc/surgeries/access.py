"""The ways views fetch a surgery and its contributions.

Facilitators: 404 for anyone outside the surgery's organisation (they should not learn it
exists), 403 for a member whose role does not run meetings. A surgery run for a local group is
the group's: its contact's account facilitates it, and for everyone else, the organisation's
members included, it does not exist (404); 403 when the group's listing has been withdrawn.
Participants: the surgery by its random slug, and their seat by the key in their cookie;
without a seat, no board.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from freeassoc.groups.models import LocalGroup
from freeassoc.orgs.models import Membership

from . import services
from .models import Action, Note, Problem, Seat, Surgery

COOKIE = "fa_seat"

ITEM_MODELS = {"problem": Problem, "note": Note, "action": Action}


def groups_facilitated_by(user):
    """The local groups whose surgeries this user may create and run: those whose contact
    account it is, while the listing is live (the group and its organisation approved)."""
    if not user.is_authenticated:
        return LocalGroup.objects.none()
    return LocalGroup.objects.filter(
        contact_user=user, approved=True, organisation__approved=True
    ).select_related("organisation")


def surgery_for_facilitator(user, pk: int) -> Surgery:
    surgery = (
        Surgery.objects.select_related("organisation", "group__organisation").filter(pk=pk).first()
    )
    if surgery is None or not user.is_authenticated:
        raise Http404("No such surgery.")
    if surgery.group_id is not None:
        group = surgery.group
        if group.contact_user_id != user.pk:
            raise Http404("No such surgery.")
        if not (group.approved and group.organisation.approved):
            raise PermissionDenied(
                "This group's listing has been withdrawn, so its surgeries cannot be run."
            )
        return surgery
    membership = Membership.objects.filter(organisation=surgery.organisation, user=user).first()
    if membership is None:
        raise Http404("No such surgery.")
    if membership.role not in Membership.RUNS_SURVEYS or not surgery.organisation.approved:
        raise PermissionDenied("Your role in this organisation does not allow that.")
    return surgery


def item_for_facilitator(surgery: Surgery, kind: str, item_id: int):
    model = ITEM_MODELS.get(kind)
    if model is None:
        raise Http404("No such contribution.")
    return get_object_or_404(model.objects.select_related("surgery"), pk=item_id, surgery=surgery)


def surgery_for_slug(slug: str) -> Surgery:
    return get_object_or_404(Surgery.objects.select_related("organisation"), slug=slug)


def seat_for_request(request, surgery: Surgery) -> Seat | None:
    return services.seat_for_key(surgery=surgery, key=request.COOKIES.get(COOKIE, ""))
