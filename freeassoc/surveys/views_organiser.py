"""Organiser pages: create a survey, open and close it, add collectors, issue invitations."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from freeassoc.core import spreadsheets
from freeassoc.orgs.models import Membership

from . import selectors, services
from .access import survey_for_user
from .forms import CollectorForm, InvitationsForm, SurveyCreateForm
from .models import Collector, Survey


@login_required
def dashboard(request):
    return render(
        request,
        "surveys/organiser/dashboard.html",
        {
            "memberships": selectors.memberships_for_user(request.user),
            "surveys": selectors.surveys_for_user(request.user),
        },
    )


@login_required
def survey_create(request):
    form = SurveyCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        survey = services.survey_create(
            organisation=form.cleaned_data["organisation"],
            title=form.cleaned_data["title"],
            instrument_key=form.cleaned_data["instrument"],
        )
        messages.success(request, "Survey created. Add a way in for respondents, then open it.")
        return redirect(survey)
    return render(request, "surveys/organiser/create.html", {"form": form})


@login_required
def survey_detail(request, pk):
    survey = survey_for_user(request.user, pk)
    membership = Membership.objects.get(organisation=survey.organisation, user=request.user)
    return render(
        request,
        "surveys/organiser/detail.html",
        {
            "survey": survey,
            "can_run": membership.role in Membership.RUNS_SURVEYS,
            "is_owner": membership.role == Membership.Role.OWNER,
            "collectors": selectors.collectors_with_counts(survey),
            "per_day": selectors.responses_per_day(survey),
            "total": survey.responses.count(),
            "collector_form": CollectorForm(),
            "invitations_form": InvitationsForm(),
        },
    )


@login_required
@require_POST
def survey_status(request, pk):
    survey = survey_for_user(request.user, pk, roles=Membership.RUNS_SURVEYS)
    status = request.POST.get("status", "")
    if status not in Survey.Status.values:
        messages.error(request, "Choose whether to open or close the survey.")
        return redirect(survey)
    try:
        services.survey_set_status(survey=survey, status=status)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"The survey is now {survey.get_status_display().lower()}.")
    return redirect(survey)


@login_required
@require_POST
def survey_data_delete(request, pk):
    """Owners only: 404 outside the organisation, 403 for other roles."""
    survey = survey_for_user(request.user, pk, roles={Membership.Role.OWNER})
    if request.POST.get("confirm") != survey.title:
        messages.error(request, "Nothing was deleted: type the survey's title exactly to confirm.")
        return redirect(survey)
    deleted = services.survey_data_delete(survey=survey, user=request.user)
    messages.success(
        request,
        f"Deleted {deleted} response{'s' if deleted != 1 else ''} and every answer not yet "
        "added. The survey is closed and empty.",
    )
    return redirect(survey)


@login_required
@require_POST
def collector_create(request, pk):
    survey = survey_for_user(request.user, pk, roles=Membership.RUNS_SURVEYS)
    form = CollectorForm(request.POST)
    if form.is_valid():
        services.collector_create(survey=survey, **form.cleaned_data)
        messages.success(request, "Added.")
    else:
        messages.error(request, "Choose a kind of collector and give it a name.")
    return redirect(survey)


@login_required
@require_POST
def invitations_create(request, pk, collector_id):
    survey = survey_for_user(request.user, pk, roles=Membership.RUNS_SURVEYS)
    collector = get_object_or_404(Collector, pk=collector_id, survey=survey)
    form = InvitationsForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a number of invitations from 1 to 10,000.")
        return redirect(survey)
    try:
        tokens = services.invitations_issue(collector=collector, count=form.cleaned_data["count"])
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(survey)
    # The only time these links exist in clear: hand them over now, as a mail-merge file.
    base = request.build_absolute_uri(collector.get_absolute_url())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="invitations-{survey.pk}-{collector.pk}.csv"'
    )
    response["Cache-Control"] = "no-store"
    writer = spreadsheets.Writer(response)
    writer.writerow(["invitation_link"])
    writer.writerows([f"{base}?t={token}"] for token in tokens)
    return response
