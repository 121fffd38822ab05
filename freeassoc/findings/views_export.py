"""Microdata downloads for an organisation's owners, organisers and analysts.

Mounted in a urls module with app_name "findings":

    path("org/surveys/<int:pk>/export/<str:fmt>/", views_export.export, name="export"),
    path("org/surveys/<int:pk>/codebook/", views_export.codebook, name="codebook"),

Access goes through `survey_for_user` with the roles that see results: 404 for anyone outside
the survey's organisation, 403 for a delegate; anonymous visitors are sent to sign in. Every
export is written to the audit log; the codebook holds no answers and is not. An XLSX export
of more than exports.XLSX_WEB_MAX_ROWS responses is refused with a 422 that points to the
other formats (the command line makes it at any size).
"""

import itertools
import logging

from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponseNotFound,
    StreamingHttpResponse,
)
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from freeassoc.orgs.models import Membership
from freeassoc.surveys.access import survey_for_user

from . import exports

logger = logging.getLogger(__name__)


def _failed(survey, fmt: str, exc: Exception) -> HttpResponse:
    logger.error("export of survey %s as %s failed: %s", survey.pk, fmt, exc)
    return HttpResponse(
        f"The export could not be made. {exc}",
        status=500,
        content_type="text/plain; charset=utf-8",
    )


def _not_found(message: str) -> HttpResponse:
    # A plain sentence: the site's 404 page would not say what was wrong with the address.
    return HttpResponseNotFound(message, content_type="text/plain; charset=utf-8")


@never_cache
@login_required
@require_GET
def export(request, pk: int, fmt: str):
    survey = survey_for_user(request.user, pk, roles=Membership.SEES_RESULTS)
    if fmt not in exports.FORMATS:
        return _not_found(f"There is no '{fmt}' export. Choose csv, xlsx, sav or dta.")
    spec = exports.FORMATS[fmt]
    filename = exports.export_filename(survey=survey, extension=spec.extension)
    if fmt == "csv":
        rows = exports.response_count(survey)
        chunks = exports.csv_chunks(survey, bom=request.GET.get("bom") == "1")
        try:
            # The header and the first chunk of rows are made before anything is sent, so
            # a problem in them (in all of a survey of up to CHUNK_ROWS responses) is an
            # error page, not a broken download. A problem further on cuts the stream short,
            # which the browser reports as a failed download.
            first = next(chunks)
        except exports.ExportError as exc:
            return _failed(survey, fmt, exc)
        # Written before the first byte leaves: a download cut short by the visitor is still
        # a download that started.
        exports.export_audit(survey=survey, user=request.user, fmt=fmt, rows=rows)
        response = StreamingHttpResponse(
            itertools.chain([first], chunks), content_type=spec.content_type
        )
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
    if fmt == "xlsx" and (rows := exports.response_count(survey)) > exports.XLSX_WEB_MAX_ROWS:
        return HttpResponse(
            f"This survey has {rows:,} responses. An Excel workbook of more than "
            f"{exports.XLSX_WEB_MAX_ROWS:,} takes too long to make here: download CSV, "
            "SPSS .sav or Stata .dta instead, or ask your server's administrator to run "
            f"'freeassoc export {survey.pk} --format xlsx'.",
            status=422,
            content_type="text/plain; charset=utf-8",
        )
    try:
        stream, rows = exports.export_to_temporary_file(survey=survey, fmt=fmt)
    except exports.ExportError as exc:
        return _failed(survey, fmt, exc)
    exports.export_audit(survey=survey, user=request.user, fmt=fmt, rows=rows)
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
