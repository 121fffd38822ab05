"""Pool pages: the findings of a pool (public once published), the steward's invitations, and
an owner's consent, refusal or withdrawal for a survey."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from freeassoc.findings import reports
from freeassoc.findings import views as findings_views
from freeassoc.orgs.models import Membership
from freeassoc.surveys.access import survey_for_user

from . import selectors, services
from .access import invitation_for_survey, pool_for_steward, pool_for_user, survey_for_owner
from .forms import ConsentForm, InviteForm
from .models import PoolContribution


def index(request):
    return render(
        request,
        "pools/index.html",
        {
            "pools": selectors.published_pools(),
            "stewarded": selectors.pools_stewarded_by(request.user),
        },
    )


def detail(request, slug):
    pool = pool_for_user(request.user, slug)
    findings = selectors.pool_findings(pool)
    k, min_base = findings["k"], findings["min_base"]
    context = {"pool": pool, "findings": findings, "k": k, "min_base": min_base,
               "standalone": True, "suppressed_words": reports.suppressed_words(k),
               "no_percent_words": reports.no_percent_words(min_base),
               "is_steward": selectors.is_steward(pool, request.user)}  # fmt: skip
    if findings["indicators"]:
        # The survey findings page's own tables and charts. A pool has no page per indicator,
        # so each figure links to its own row.
        context.update(findings_views.overview(findings, link=lambda ident: f"#row-{ident}"))
    response = render(request, "pools/detail.html", context)
    if not pool.published:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def invitations(request, slug):
    """The steward's page: who is invited, who declined, and inviting another organisation."""
    pool = pool_for_steward(request.user, slug)
    form = InviteForm(request.POST or None, pool=pool)
    if request.method == "POST" and form.is_valid():
        organisation = form.cleaned_data["organisation"]
        try:
            services.pool_invitation_send(pool=pool, organisation=organisation, by=request.user)
        except ValidationError as exc:
            form.add_error("organisation", exc)
        else:
            messages.success(request, f"{organisation.name} is invited to contribute.")
            return redirect("pools:invitations", pool.slug)
    return render(
        request,
        "pools/invitations.html",
        {"pool": pool, "form": form, "invitations": selectors.invitations_of(pool)},
        status=400 if form.errors else 200,
    )


def _survey_page(request, survey, consent_forms=None, status=200):
    membership = Membership.objects.get(organisation=survey.organisation, user=request.user)
    is_owner = membership.role == Membership.Role.OWNER
    consent_forms = consent_forms or {}
    rows = selectors.pools_for_survey(survey, owner=is_owner)
    for row in rows:
        row["form"] = consent_forms.get(row["pool"].pk, ConsentForm())
    return render(
        request,
        "pools/survey.html",
        {"survey": survey, "rows": rows, "is_owner": is_owner},
        status=status,
    )


@login_required
def survey(request, pk):
    return _survey_page(request, survey_for_user(request.user, pk))


@login_required
@require_POST
def consent(request, pk, pool_id):
    survey = survey_for_owner(request.user, pk)
    pool = invitation_for_survey(survey, pool_id).pool
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
def decline(request, pk, pool_id):
    survey = survey_for_owner(request.user, pk)
    invitation = invitation_for_survey(survey, pool_id)
    try:
        services.pool_invitation_decline(invitation=invitation, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request,
            f"{survey.organisation.name} has declined to contribute to “{invitation.pool.name}”.",
        )
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
