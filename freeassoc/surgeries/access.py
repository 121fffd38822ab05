"""The ways views fetch a surgery and its contributions.

Facilitators: 404 for anyone outside the surgery's organisation (they should not learn it
exists), 403 for a member whose role does not run meetings. Participants: the surgery by its
random slug, and their seat by the key in their cookie; without a seat, no board.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from freeassoc.orgs.models import Membership

from . import services
from .models import Action, Note, Problem, Seat, Surgery

COOKIE = "fa_seat"

ITEM_MODELS = {"problem": Problem, "note": Note, "action": Action}


def surgery_for_facilitator(user, pk: int) -> Surgery:
    surgery = Surgery.objects.select_related("organisation").filter(pk=pk).first()
    if surgery is None or not user.is_authenticated:
        raise Http404("No such surgery.")
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
