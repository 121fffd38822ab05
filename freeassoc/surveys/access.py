"""The one way organiser views fetch a survey: 404 for anyone outside its organisation (they
should not learn it exists), 403 for a member whose role does not allow the action, and 403 for
a member who must confirm their sign-in with a second factor and has not (the middleware sends
them to do so first; this check stands behind it)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from freeassoc.orgs.access import require_two_factor
from freeassoc.orgs.models import Membership

from .models import Survey


def survey_for_user(user, pk: int, *, roles=Membership.SEES_RESULTS) -> Survey:
    survey = Survey.objects.select_related("organisation").filter(pk=pk).first()
    if survey is None or not user.is_authenticated:
        raise Http404("No such survey.")
    membership = Membership.objects.filter(organisation=survey.organisation, user=user).first()
    if membership is None:
        raise Http404("No such survey.")
    require_two_factor(user)
    if membership.role not in roles:
        raise PermissionDenied("Your role in this organisation does not allow that.")
    return survey
