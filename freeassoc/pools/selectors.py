"""What reads pools: who may see them and who is invited, who contributes, and the pool's
published findings.

A pool's findings are made exactly as one survey's (reports.survey_findings): the findings
engine over the contributing surveys' responses, then disclosure control. The threshold is the
strictest among the pool's own and every contributing survey's, so that pooling never
publishes a figure that any contributor's own rule would have hidden. Nothing here returns a
figure for one organisation, or any response.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from freeassoc.findings import disclosure, engine
from freeassoc.findings.reports import SYNTHETIC_NOTICE
from freeassoc.orgs.models import Membership, Organisation
from freeassoc.surveys.models import Survey

from .models import Pool, PoolContribution, PoolInvitation


def live_contributions(pool: Pool):
    return PoolContribution.objects.filter(pool=pool, withdrawn_at__isnull=True)


def contributing_surveys(pool: Pool) -> list[Survey]:
    return list(
        Survey.objects.filter(
            pool_contributions__pool=pool, pool_contributions__withdrawn_at__isnull=True
        )
        .select_related("organisation")
        .order_by("pk")
    )


def contributors(pool: Pool) -> list[dict[str, Any]]:
    """Organisations by name with how many data sets each contributes: never a figure."""
    rows = (
        live_contributions(pool)
        .values("survey__organisation__name")
        .annotate(data_sets=Count("id"))
        .order_by("survey__organisation__name")
    )
    return [
        {"organisation": r["survey__organisation__name"], "data_sets": r["data_sets"]} for r in rows
    ]


def pool_k(pool: Pool, surveys: list[Survey]) -> int:
    return max([pool.disclosure_k, *(s.disclosure_k for s in surveys)])


def pool_findings(pool: Pool, using: str = "default") -> dict[str, Any]:
    """The publishable findings of a pool, shaped like reports.survey_findings with "pool" in
    place of "survey". With no data set contributed yet there are no figures at all."""
    surveys = contributing_surveys(pool)
    k = pool_k(pool, surveys)
    synthetic = any(s.is_synthetic for s in surveys)
    meta: dict[str, Any] = {
        "slug": pool.slug,
        "name": pool.name,
        "description": pool.description,
        "synthetic": synthetic,
        "data_sets": len(surveys),
        "contributors": contributors(pool),
    }
    if synthetic:
        meta["notice"] = (
            SYNTHETIC_NOTICE
            if all(s.is_synthetic for s in surveys)
            else "Some data sets in this pool are synthetic demo data: made up, not a survey."
        )
    if not surveys:
        empty = {"instrument": pool.instrument_key, "k": k, "min_base": disclosure.MIN_BASE,
                 "respondents": 0, "indicators": [], "comparisons": []}  # fmt: skip
        return {"pool": meta, **empty}
    report = engine.report_for_surveys(surveys, using=using)
    return {"pool": meta, **disclosure.publish(report, k=k)}


def is_steward(pool: Pool, user) -> bool:
    """The pool's steward: its named owner (while an owner of an approved organisation), or,
    when none is named, the platform's staff."""
    if not user.is_authenticated:
        return False
    if pool.steward_id is None:
        return user.is_staff
    return (
        pool.steward_id == user.pk
        and Membership.objects.filter(
            user=user, role=Membership.Role.OWNER, organisation__approved=True
        ).exists()
    )


def open_invitations():
    return PoolInvitation.objects.filter(declined_at__isnull=True)


def open_invitation(pool_id: int, organisation) -> PoolInvitation | None:
    return (
        open_invitations()
        .select_related("pool")
        .filter(pool_id=pool_id, organisation=organisation)
        .first()
    )


def invitations_of(pool: Pool):
    return PoolInvitation.objects.filter(pool=pool).select_related(
        "organisation", "invited_by", "declined_by"
    )


def organisations_to_invite(pool: Pool):
    """Approved member organisations the steward may invite: all but those already invited
    and not refused."""
    invited = open_invitations().filter(pool=pool).values("organisation_id")
    return Organisation.objects.filter(approved=True).exclude(pk__in=invited).order_by("name")


def pools_for_survey(survey: Survey, *, owner: bool) -> list[dict[str, Any]]:
    """The pools this survey could contribute to or does: those of its questionnaire to which
    its organisation is invited (and has not declined), or to which it contributes. Members
    who are not owners see only published ones: an unpublished pool is the steward's and the
    invited owners' business."""
    organisation = survey.organisation
    invitations = {i.pool_id: i for i in open_invitations().filter(organisation=organisation)}
    live = {c.pool_id: c for c in live_contributions_of_survey(survey)}
    others = set(
        PoolContribution.objects.filter(
            survey__organisation=organisation, withdrawn_at__isnull=True
        ).values_list("pool_id", flat=True)
    )
    pools = Pool.objects.filter(
        Q(pk__in=invitations) | Q(pk__in=live),
        instrument_slug=survey.instrument_slug,
        instrument_version=survey.instrument_version,
    ).select_related("steward")
    if not owner:
        pools = pools.filter(published=True)
    return [
        {
            "pool": pool,
            "contribution": live.get(pool.pk),
            "invitation": invitations.get(pool.pk),
            "can_decline": pool.pk in invitations and pool.pk not in others,
        }
        for pool in pools
    ]


def live_contributions_of_survey(survey: Survey):
    return PoolContribution.objects.filter(survey=survey, withdrawn_at__isnull=True).select_related(
        "pool", "consented_by"
    )


def published_pools():
    return Pool.objects.filter(published=True).annotate(
        data_sets=Count("contributions", filter=Q(contributions__withdrawn_at__isnull=True))
    )


def pools_stewarded_by(user) -> list[Pool]:
    """Pools this person looks after (unpublished ones included), for their index page."""
    if not user.is_authenticated:
        return []
    mine = Q(steward=user) | Q(steward__isnull=True) if user.is_staff else Q(steward=user)
    return [pool for pool in Pool.objects.filter(mine) if is_steward(pool, user)]


def _pools_of_organisations(organisations):
    """Pools to which any of these organisations is invited (not declined) or contributes."""
    invited = open_invitations().filter(organisation__in=organisations).values("pool_id")
    contributing = PoolContribution.objects.filter(
        survey__organisation__in=organisations, withdrawn_at__isnull=True
    ).values("pool_id")
    return Pool.objects.filter(Q(pk__in=invited) | Q(pk__in=contributing))


def pools_visible_to_organisation(organisation):
    """Through the organisation's API key: published pools, and any pool the organisation is
    invited to or contributes to (as its owners see on the web)."""
    return Pool.objects.filter(
        Q(published=True) | Q(pk__in=_pools_of_organisations([organisation]).values("pk"))
    )


def pool_visible_to_user(pool: Pool, user) -> bool:
    """Published, or seen by the steward and by the owners of organisations invited to the
    pool or contributing to it. Everyone else must not learn an unpublished pool exists."""
    if pool.published:
        return True
    if not user.is_authenticated:
        return False
    if is_steward(pool, user):
        return True
    owned = Membership.objects.filter(user=user, role=Membership.Role.OWNER).values(
        "organisation_id"
    )
    return _pools_of_organisations(owned).filter(pk=pool.pk).exists()
