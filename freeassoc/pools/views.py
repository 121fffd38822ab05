"""Pool pages: the public findings of a published pool, and an owner's consent for a survey."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from freeassoc.findings import reports
from freeassoc.findings import views as findings_views
from freeassoc.orgs.models import Membership
from freeassoc.surveys.access import survey_for_user

from . import selectors, services
from .access import pool_for_user, survey_for_owner
from .forms import ConsentForm
from .models import Pool, PoolContribution


def index(request):
    return render(request, "pools/index.html", {"pools": selectors.published_pools()})


def detail(request, slug):
    pool = pool_for_user(request.user, slug)
    findings = selectors.pool_findings(pool)
    k, min_base = findings["k"], findings["min_base"]
    context = {"pool": pool, "findings": findings, "k": k, "min_base": min_base,
               "standalone": True, "suppressed_words": reports.suppressed_words(k),
               "no_percent_words": reports.no_percent_words(min_base)}  # fmt: skip
    if findings["indicators"]:
        # The survey findings page's own tables and charts. A pool has no page per indicator,
        # so each figure links to its own row.
        context.update(findings_views.overview(findings, link=lambda ident: f"#row-{ident}"))
    response = render(request, "pools/detail.html", context)
    if not pool.published:
        response["Cache-Control"] = "no-store"
    return response


def _survey_page(request, survey, consent_forms=None, status=200):
    membership = Membership.objects.get(organisation=survey.organisation, user=request.user)
    consent_forms = consent_forms or {}
    rows = [
        {"pool": pool, "contribution": live, "form": consent_forms.get(pool.pk, ConsentForm())}
        for pool, live in selectors.pools_for_survey(survey)
    ]
    return render(
        request,
        "pools/survey.html",
        {
            "survey": survey,
            "rows": rows,
            "is_owner": membership.role == Membership.Role.OWNER,
        },
        status=status,
    )


@login_required
def survey(request, pk):
    return _survey_page(request, survey_for_user(request.user, pk))


@login_required
@require_POST
def consent(request, pk, pool_id):
    survey = survey_for_owner(request.user, pk)
    pool = get_object_or_404(Pool, pk=pool_id)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return _survey_page(request, survey, consent_forms={pool.pk: form}, status=400)
    try:
        services.contribution_consent(pool=pool, survey=survey, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"“{survey.title}” now contributes to “{pool.name}”.")
    return redirect("pools:survey", survey.pk)


@login_required
@require_POST
def withdraw(request, pk, pool_id):
    survey = survey_for_owner(request.user, pk)
    contribution = PoolContribution.objects.filter(
        pool_id=pool_id, survey=survey, withdrawn_at__isnull=True
    ).select_related("pool", "survey__organisation")
    contribution = get_object_or_404(contribution)
    try:
        services.contribution_withdraw(contribution=contribution, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request,
            f"“{survey.title}” is withdrawn from “{contribution.pool.name}”. The pool's findings "
            "no longer include it.",
        )
    return redirect("pools:survey", survey.pk)
