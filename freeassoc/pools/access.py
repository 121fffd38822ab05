"""The one way pool pages fetch what they show: 404 for what a visitor should not know exists."""

from django.http import Http404

from freeassoc.orgs.models import Membership
from freeassoc.surveys.access import survey_for_user

from . import selectors
from .models import Pool


def pool_for_user(user, slug: str) -> Pool:
    """A pool's page: published, or (before publication) for staff and contributors' members."""
    pool = Pool.objects.filter(slug=slug).first()
    if pool is None or not selectors.pool_visible_to_user(pool, user):
        raise Http404("No such pool.")
    return pool


def survey_for_owner(user, pk: int):
    """Consent is given by an owner of the survey's organisation (403 for other members)."""
    return survey_for_user(user, pk, roles={Membership.Role.OWNER})
