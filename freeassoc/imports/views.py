"""Organiser pages: upload a file and a mapping, read the dry run, confirm, watch, withdraw.

Every page fetches the survey through survey_for_user with the roles that run surveys:
another organisation's members get a 404, an analyst a 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from freeassoc.core import jobs
from freeassoc.orgs.models import Membership
from freeassoc.surveys.access import survey_for_user

from . import selectors, services, tasks, uploads
from .forms import UploadForm, max_upload_bytes
from .models import ImportBatch

SHOWN = 200  # problems listed on the page; the rest are in the downloadable list


def _survey(request, pk):
    return survey_for_user(request.user, pk, roles=Membership.RUNS_SURVEYS)


def _upload(request, survey, token) -> uploads.Upload:
    upload = uploads.find(token, survey_id=survey.pk, user_id=request.user.pk)
    if upload is None or not upload.data_path.exists():
        raise Http404("That upload has expired or was already used. Upload the file again.")
    return upload


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
def start(request, pk):
    survey = _survey(request, pk)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["data"]
        upload = uploads.create(
            survey_id=survey.pk,
            user_id=request.user.pk,
            filename=data.name,
            data=data,
            mapping_text=form.cleaned_data["mapping"],
        )
        try:
            report = services.dry_run(
                survey, upload.data_path, form.cleaned_data["mapping"], filename=upload.filename
            )
        except services.MappingError as exc:
            upload.discard()
            form.add_error("mapping", f"The mapping file has a problem: {exc}")
        except services.ReadError as exc:
            upload.discard()
            form.add_error("data", str(exc))
        else:
            report.problems.write_ipc(upload.problems_path)
            (upload.folder / "summary").write_text(
                f"{report.rows} {report.blank_rows} {report.row_word}"
            )
            return redirect("imports:check", survey.pk, upload.token)
    return render(
        request,
        "imports/start.html",
        {"survey": survey, "form": form, "max_mb": max_upload_bytes() // (1024 * 1024)},
    )


def _report_from(upload: uploads.Upload) -> services.DryRunReport:
    """The dry run's findings as saved at upload time (not recomputed on each view)."""
    import io

    import polars as pl

    rows, blank, word = (upload.folder / "summary").read_text().split()
    problems = pl.read_ipc(io.BytesIO(upload.problems_path.read_bytes()))
    return services.DryRunReport(upload.filename, int(rows), int(blank), word, problems)


@login_required
def check(request, pk, token):
    survey = _survey(request, pk)
    upload = _upload(request, survey, token)
    report = _report_from(upload)
    return render(
        request,
        "imports/check.html",
        {
            "survey": survey,
            "upload": upload,
            "report": report,
            "items": report.items(SHOWN),
            "shown": min(SHOWN, report.problem_count),
        },
    )


@login_required
def problems_csv(request, pk, token):
    survey = _survey(request, pk)
    upload = _upload(request, survey, token)
    report = _report_from(upload)
    response = HttpResponse(report.to_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-problems-{survey.pk}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def confirm(request, pk, token):
    survey = _survey(request, pk)
    upload = _upload(request, survey, token)
    if not _report_from(upload).ok:
        messages.error(request, "This file has problems, so it cannot be imported. Fix them first.")
        return redirect("imports:check", survey.pk, upload.token)
    if not upload.claim():
        messages.info(request, "That file is already being imported.")
        return redirect("imports:batches", survey.pk)
    batch = tasks.import_queue(survey=survey, upload=upload, user=request.user)
    return redirect("imports:batch", survey.pk, batch.pk)


@login_required
@require_POST
def cancel(request, pk, token):
    survey = _survey(request, pk)
    upload = uploads.find(token, survey_id=survey.pk, user_id=request.user.pk)
    if upload is not None:
        upload.discard()
    messages.success(request, "Cancelled. The uploaded file was deleted; nothing was imported.")
    return redirect("imports:start", survey.pk)


@login_required
def batches(request, pk):
    survey = _survey(request, pk)
    services.abandoned_fail(survey=survey)
    jobs.recover()
    return render(
        request,
        "imports/batches.html",
        {"survey": survey, "batches": selectors.batches_for_survey(survey)},
    )


@login_required
def batch(request, pk, batch_id):
    survey = _survey(request, pk)
    services.abandoned_fail(survey=survey)
    found = get_object_or_404(ImportBatch, pk=batch_id, survey=survey)
    if found.is_active and jobs.recover():
        found.refresh_from_db()  # its worker had died: the batch now says so
    context = {
        "survey": survey,
        "batch": found,
        "progress": selectors.batch_progress(found),
        "no_worker": found.status == ImportBatch.Status.QUEUED and not jobs.workers_alive(),
    }
    if _is_htmx(request):
        if not found.is_active:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "imports/_progress.html", context)
    return render(request, "imports/batch.html", context)


@login_required
def withdraw(request, pk, batch_id):
    survey = _survey(request, pk)
    found = get_object_or_404(ImportBatch, pk=batch_id, survey=survey)
    if request.method == "POST":
        try:
            deleted = services.withdraw(found, user=request.user)
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Withdrawn: {deleted:,} imported responses were deleted.")
        return redirect(reverse("imports:batch", args=[survey.pk, found.pk]))
    return render(
        request,
        "imports/withdraw.html",
        {"survey": survey, "batch": found, "count": found.responses.count()},
    )
