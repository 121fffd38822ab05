"""What reads pools: who contributes, and the pool's published findings.

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
from freeassoc.orgs.models import Membership
from freeassoc.surveys.models import Survey

from .models import Pool, PoolContribution


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


def pools_for_survey(survey: Survey) -> list[tuple[Pool, PoolContribution | None]]:
    """Every pool the survey could join, with its live contribution to each (or None)."""
    pools = Pool.objects.filter(
        instrument_slug=survey.instrument_slug, instrument_version=survey.instrument_version
    )
    live = {c.pool_id: c for c in live_contributions_of_survey(survey)}
    return [(pool, live.get(pool.pk)) for pool in pools]


def live_contributions_of_survey(survey: Survey):
    return PoolContribution.objects.filter(survey=survey, withdrawn_at__isnull=True).select_related(
        "pool", "consented_by"
    )


def published_pools():
    return Pool.objects.filter(published=True).annotate(
        data_sets=Count("contributions", filter=Q(contributions__withdrawn_at__isnull=True))
    )


def pools_visible_to_organisation(organisation):
    """Published pools, and any pool the organisation contributes to (its members may look at
    the pool's published figures before the platform publishes the page)."""
    contributing = PoolContribution.objects.filter(
        survey__organisation=organisation, withdrawn_at__isnull=True
    ).values("pool_id")
    return Pool.objects.filter(published=True) | Pool.objects.filter(pk__in=contributing)


def pool_visible_to_user(pool: Pool, user) -> bool:
    if pool.published:
        return True
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return (
        live_contributions(pool)
        .filter(
            survey__organisation__members__user=user,
            survey__organisation__members__role__in=Membership.SEES_RESULTS,
        )
        .exists()
    )
