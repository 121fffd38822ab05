import pytest
from django.contrib.auth import get_user_model

from freeassoc.findings.synthetic import generate_answers
from freeassoc.orgs.models import Membership
from freeassoc.pools import selectors, services
from freeassoc.pools.models import Pool
from freeassoc.surveys.models import Response, Survey
from tests.auth import member


def survey_with_answers(org, title, answers, k=10, **extra) -> Survey:
    survey = Survey.objects.create(
        organisation=org, title=title, instrument_slug="surviving-work", instrument_version=1,
        disclosure_k=k, status=Survey.Status.CLOSED, **extra,
    )  # fmt: skip
    Response.objects.bulk_create(
        Response(survey=survey, instrument_version=1, submitted_on="2026-03-01", answers=a)
        for a in answers
    )
    return survey


@pytest.fixture
def owner(org):
    return member(org, "owen", Membership.Role.OWNER)


@pytest.fixture
def pool(db):
    return Pool.objects.create(
        name="National Surviving Work pool",
        slug="national",
        description="Every union's Surviving Work data sets, counted together.",
        instrument_slug="surviving-work",
        instrument_version=1,
    )


@pytest.fixture
def ours(org):
    return survey_with_answers(org, "Counsellors 2026", generate_answers(81, 5))


@pytest.fixture
def theirs(other_org):
    answers = generate_answers(118, 6)
    answers[0]["comments"] = "ZEBRA-SECRET-COMMENT about my manager"
    return survey_with_answers(other_org, "Another Union survey", answers, k=15)


def invite(pool, organisation):
    """The pool's steward (its named owner, or else a member of the platform's staff) invites
    the organisation, as on the pool's invitations page."""
    steward = (
        pool.steward
        or get_user_model().objects.get_or_create(
            username="pool-steward", defaults={"is_staff": True}
        )[0]
    )
    if selectors.open_invitation(pool.pk, organisation) is None:
        services.pool_invitation_send(pool=pool, organisation=organisation, by=steward)


def contribute(pool, survey, user=None):
    """Invite the survey's organisation, then consent for the survey: the one way in."""
    invite(pool, survey.organisation)
    return services.contribution_consent(pool=pool, survey=survey, user=user)
