"""The one way organiser views fetch a survey: 404 for anyone outside its organisation (they
should not learn it exists), 403 for a member whose role does not allow the action."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from freeassoc.orgs.models import Membership

from .models import Survey


def survey_for_user(user, pk: int, *, roles=Membership.SEES_RESULTS) -> Survey:
    survey = Survey.objects.select_related("organisation").filter(pk=pk).first()
    if survey is None or not user.is_authenticated:
        raise Http404("No such survey.")
    membership = Membership.objects.filter(organisation=survey.organisation, user=user).first()
    if membership is None:
        raise Http404("No such survey.")
    if membership.role not in roles:
        raise PermissionDenied("Your role in this organisation does not allow that.")
    return survey
