"""The one way pool pages fetch what they show: 404 for what a visitor should not know exists.

A published pool is public. An unpublished one exists only for its steward and for the owners
of organisations invited to it or contributing to it. Consent, refusal and withdrawal are an
owner's (403 for other members); inviting is the steward's.
"""

from django.http import Http404

from freeassoc.orgs.models import Membership
from freeassoc.surveys.access import survey_for_user

from . import selectors
from .models import Pool, PoolInvitation


def pool_for_user(user, slug: str) -> Pool:
    """A pool's page: published, or (before publication) for its steward and the owners of
    invited or contributing organisations."""
    pool = Pool.objects.filter(slug=slug).first()
    if pool is None or not selectors.pool_visible_to_user(pool, user):
        raise Http404("No such pool.")
    return pool


def pool_for_steward(user, slug: str) -> Pool:
    """The pool's invitations page: its steward only."""
    pool = Pool.objects.filter(slug=slug).first()
    if pool is None or not selectors.is_steward(pool, user):
        raise Http404("No such pool.")
    return pool


def survey_for_owner(user, pk: int):
    """Consent is given by an owner of the survey's organisation (403 for other members)."""
    return survey_for_user(user, pk, roles={Membership.Role.OWNER})


def invitation_for_survey(survey, pool_id: int) -> PoolInvitation:
    """The open invitation of the survey's organisation to a pool: without one the pool, for
    this organisation, does not exist."""
    invitation = selectors.open_invitation(pool_id, survey.organisation)
    if invitation is None:
        raise Http404("No such pool.")
    return invitation
