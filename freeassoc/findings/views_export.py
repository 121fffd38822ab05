"""Microdata downloads for an organisation's owners, organisers and analysts.

Mounted in a urls module with app_name "findings":

    path("org/surveys/<int:pk>/export/<str:fmt>/", views_export.export, name="export"),
    path("org/surveys/<int:pk>/exports/<int:export_id>/", views_export.export_file, ...),
    path("org/surveys/<int:pk>/exports/<int:export_id>/download/", views_export.download, ...),
    path("org/surveys/<int:pk>/codebook/", views_export.codebook, name="codebook"),

Access goes through `survey_for_user` with the roles that see results: 404 for anyone outside
the survey's organisation, 403 for a delegate; anonymous visitors are sent to sign in. CSV is
streamed as it is made. Excel, SPSS and Stata files are made by the background worker: the
export page asks for one (POST), the file's page shows its progress, and its one download (a
POST: it deletes the file) is written to the audit log. Only the member who asked for a file
sees it. The codebook holds no answers and is not audited.
"""

import itertools
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponseNotFound,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from freeassoc.core import jobs
from freeassoc.orgs.models import Membership
from freeassoc.surveys.access import survey_for_user

from . import export_files, exports, tasks
from .models import ExportFile

logger = logging.getLogger(__name__)


def _failed(survey, fmt: str, exc: Exception) -> HttpResponse:
    logger.error("export of survey %s as %s failed: %s", survey.pk, fmt, exc)
    return HttpResponse(
        f"The export could not be made. {exc}",
        status=422,
        content_type="text/plain; charset=utf-8",
    )


def _not_found(message: str) -> HttpResponse:
    # A plain sentence: the site's 404 page would not say what was wrong with the address.
    return HttpResponseNotFound(message, content_type="text/plain; charset=utf-8")


def _survey(request, pk):
    return survey_for_user(request.user, pk, roles=Membership.SEES_RESULTS)


def _export_file(request, survey, export_id) -> ExportFile:
    """One of this member's own export files of this survey; 404 for anyone else's."""
    return get_object_or_404(ExportFile, pk=export_id, survey=survey, requested_by=request.user)


def _stream_csv(request, survey):
    spec = exports.FORMATS["csv"]
    filename = exports.export_filename(survey=survey, extension=spec.extension)
    rows = exports.response_count(survey)
    chunks = exports.csv_chunks(survey, bom=request.GET.get("bom") == "1")
    try:
        # The header and the first chunk of rows are made before anything is sent, so
        # a problem in them (in all of a survey of up to CHUNK_ROWS responses) is an
        # error page, not a broken download. A problem further on cuts the stream short,
        # which the browser reports as a failed download.
        first = next(chunks)
    except exports.ExportError as exc:
        return _failed(survey, "csv", exc)
    # Written before the first byte leaves: a download cut short by the visitor is still
    # a download that started.
    exports.export_audit(survey=survey, user=request.user, fmt="csv", rows=rows)
    response = StreamingHttpResponse(
        itertools.chain([first], chunks), content_type=spec.content_type
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def export(request, pk: int, fmt: str):
    survey = _survey(request, pk)
    if fmt not in exports.FORMATS:
        return _not_found(f"There is no '{fmt}' export. Choose csv, xlsx, sav or dta.")
    if fmt == "csv":
        if request.method != "GET":
            return HttpResponse(status=405, headers={"Allow": "GET"})
        return _stream_csv(request, survey)
    if request.method == "POST":
        made = tasks.export_queue(survey=survey, user=request.user, fmt=fmt)
        return redirect("findings:export_file", survey.pk, made.pk)
    return render(
        request,
        "findings/export_start.html",
        {
            "survey": survey,
            "fmt": fmt,
            "spec": exports.FORMATS[fmt],
            "rows": exports.response_count(survey),
            "keep_minutes": settings.FREEASSOC_EXPORT_KEEP_MINUTES,
            "recent": ExportFile.objects.filter(survey=survey, requested_by=request.user)[:5],
        },
    )


@never_cache
@login_required
@require_GET
def export_file(request, pk: int, export_id: int):
    survey = _survey(request, pk)
    found = _export_file(request, survey, export_id)
    if found.is_active and jobs.recover():
        found.refresh_from_db()
    context = {
        "survey": survey,
        "export": found,
        "spec": exports.FORMATS[found.fmt],
        "no_worker": found.status == ExportFile.Status.QUEUED and not jobs.workers_alive(),
    }
    if request.headers.get("HX-Request") == "true":
        if not found.is_active:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "findings/_export_progress.html", context)
    return render(request, "findings/export_file.html", context)


@never_cache
@login_required
@require_POST
def download(request, pk: int, export_id: int):
    survey = _survey(request, pk)
    found = _export_file(request, survey, export_id)
    try:
        stream = export_files.export_file_take(export=found, user=request.user)
    except export_files.ExportGone as exc:
        return HttpResponse(str(exc), status=410, content_type="text/plain; charset=utf-8")
    spec = exports.FORMATS[found.fmt]
    filename = exports.export_filename(survey=survey, extension=spec.extension)
    return FileResponse(
        stream, as_attachment=True, filename=filename, content_type=spec.content_type
    )


@never_cache
@login_required
@require_GET
def codebook(request, pk: int):
    """The codebook as CSV (default) or JSON (?format=json)."""
    survey = survey_for_user(request.user, pk, roles=Membership.SEES_RESULTS)
    fmt = request.GET.get("format", "csv")
    if fmt not in exports.CODEBOOK_FORMATS:
        return _not_found(f"There is no '{fmt}' codebook. Choose csv or json.")
    body = exports.codebook_csv(survey) if fmt == "csv" else exports.codebook_json(survey)
    response = HttpResponse(body, content_type=exports.CODEBOOK_FORMATS[fmt])
    filename = exports.export_filename(survey=survey, extension=fmt, codebook=True)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
