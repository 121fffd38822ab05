"""The REST API: an organisation's surveys, posting responses, findings of surveys and pools.

Every request is made with one of the organisation's API keys (`Authorization: Bearer <key>`)
and sees only that organisation's surveys: another organisation's survey is a 404, as on the
web. Every refusal is a 4xx with a JSON body {"message": ...}; no error is left to become a
500. The OpenAPI document is served at /api/openapi.json; ninja's interactive docs page is
off, because it loads its script from a third-party host.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import Count, Q
from django.http import Http404
from ninja import File, Form, Header, NinjaAPI, Status, UploadedFile
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from freeassoc.core import ratelimit
from freeassoc.findings import reports
from freeassoc.imports import services as imports
from freeassoc.pools import selectors as pool_selectors
from freeassoc.surveys.models import Survey

from . import schemas, services
from .answers import AnswersInvalid
from .models import ApiKey

MAX_PROBLEMS_LISTED = 200


class KeyAuth(HttpBearer):
    """An organisation's API key. Counts requests per key: over the rate, 429."""

    def authenticate(self, request, token: str) -> ApiKey | None:
        key = services.api_key_authenticate(token)
        if key is not None and _over_rate(request, key):
            raise HttpError(429, "Too many requests with this key. Wait a minute and try again.")
        return key


def _over_rate(request, key: ApiKey) -> bool:
    return ratelimit.hit(request, "api", settings.FREEASSOC_RATELIMIT_API, who=f"api-key-{key.pk}")


api = NinjaAPI(
    title="Free Association API",
    version="1",
    description="An organisation's surveys, responses and published findings, for its own "
    "systems. Every request carries one of the organisation's API keys.",
    docs_url=None,
    urls_namespace="api:v1",
    auth=KeyAuth(),
)

ERRORS = {400: schemas.ErrorOut, 401: schemas.ErrorOut, 404: schemas.ErrorOut,
          413: schemas.ErrorOut, 422: schemas.ErrorOut, 429: schemas.ErrorOut}  # fmt: skip


def _error(request, status: int, message: str, errors=None, headers=None):
    response = api.create_response(request, {"message": message, "errors": errors}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _error(
        request,
        401,
        "Send one of your organisation's API keys as 'Authorization: Bearer <key>'. The key "
        "given is missing, unknown or revoked.",
        headers={"WWW-Authenticate": "Bearer"},
    )


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, str(exc) or "Not found.")


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc):
    errors = [
        {"where": ".".join(str(p) for p in e.get("loc", ())), "message": str(e.get("msg", ""))}
        for e in exc.errors
    ]
    first = errors[0] if errors else {"where": "request", "message": "not valid"}
    return _error(request, 422, f"The request is not valid: {first['where']}: "
                  f"{first['message']}", errors=errors)  # fmt: skip


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return _error(request, 413, "The request is too big. Send fewer answers at a time.")


def _survey(request, survey_id: int) -> Survey:
    """The key's organisation's survey; 404 for any other, which it should not learn exists."""
    survey = (
        Survey.objects.filter(pk=survey_id, organisation=request.auth.organisation)
        .annotate(response_count=Count("responses"))
        .first()
    )
    if survey is None:
        raise Http404("No such survey.")
    return survey


def _survey_out(survey: Survey) -> dict:
    return {
        "id": survey.pk,
        "title": survey.title,
        "instrument": survey.instrument.key,
        "instrument_title": survey.instrument.title,
        "status": survey.status,
        "disclosure_k": survey.disclosure_k,
        "synthetic": survey.is_synthetic,
        "published": survey.published,
        "opened_on": survey.opened_on,
        "closed_on": survey.closed_on,
        "responses": survey.response_count,
    }


def _condition(condition) -> dict | None:
    if condition is None:
        return None
    return {"question": condition.question, "any_of": list(condition.any_of)}


def _questions(instrument) -> list[dict]:
    return [
        {
            "id": q.id,
            "page": page.id,
            "type": q.type,
            "label": q.label,
            "required": q.required,
            "sensitive": q.sensitive,
            "options": [{"code": c, "label": label} for c, label in q.choices],
            "min": q.min,
            "max": q.max,
            "max_length": q.max_length if q.type == "text" else None,
            "show_if": _condition(q.show_if),
            "page_show_if": _condition(page.show_if),
        }
        for page in instrument.pages
        for q in page.questions
    ]


@api.get("/surveys", response={200: list[schemas.SurveyOut], **ERRORS}, tags=["surveys"])
def list_surveys(request):
    """Your organisation's surveys, newest first."""
    surveys = Survey.objects.filter(organisation=request.auth.organisation).annotate(
        response_count=Count("responses")
    )
    return [_survey_out(s) for s in surveys]


@api.get("/surveys/{survey_id}", response={200: schemas.SurveyDetailOut, **ERRORS},
         tags=["surveys"])  # fmt: skip
def get_survey(request, survey_id: int):
    """One survey, with its questions: what to post as answers."""
    survey = _survey(request, survey_id)
    return {**_survey_out(survey), "questions": _questions(survey.instrument)}


@api.post(
    "/surveys/{survey_id}/responses",
    response={202: schemas.ResponseOut, 409: schemas.ErrorOut, **ERRORS},
    tags=["surveys"],
)
def post_response(
    request,
    survey_id: int,
    payload: schemas.ResponseIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        max_length=200,
        description="Any unique, random string per questionnaire. A retry with the same key "
        "and answers stores nothing more.",
    ),
):
    """Post one completed questionnaire. It is checked with the web form's rules; a bad answer
    is a 422 listing every question that was wrong. Accepted answers (202) are held and added
    to the survey's responses with others, in groups of at least the survey's disclosure_k,
    as answers from the web are: the survey's response count moves when a group is added."""
    survey = _survey(request, survey_id)
    try:
        created = services.response_post(
            survey=survey, answers=payload.answers, idempotency_key=idempotency_key
        )
    except AnswersInvalid as exc:
        count = len(exc.errors)
        message = f"{count} answer{'s' if count != 1 else ''} could not be accepted."
        return Status(422, {"message": message, "errors": exc.errors})
    except (services.SurveyNotOpen, services.IdempotencyConflict) as exc:
        return Status(409, {"message": str(exc)})
    message = (
        f"Accepted. The answers are added to the survey's responses in a group of at least "
        f"{survey.disclosure_k}, or when the survey closes."
    )
    return Status(202, {"survey": survey.pk, "replayed": not created, "message": message})


def _import_out(report, *, dry_run: bool, batch=None) -> dict:
    return {
        "dry_run": dry_run,
        "ok": report.ok,
        "rows": report.rows,
        "blank_rows": report.blank_rows,
        "problem_count": report.problem_count,
        "problems": report.items(MAX_PROBLEMS_LISTED),
        "batch": batch.pk if batch else None,
        "status": batch.status if batch else None,
    }


@api.post(
    "/surveys/{survey_id}/imports",
    response={200: schemas.ImportOut, 201: schemas.ImportOut, **ERRORS},
    tags=["surveys"],
)
def import_batch(
    request,
    survey_id: int,
    file: File[UploadedFile],
    mapping: str = Form(..., min_length=1, description="The mapping file's text (YAML)."),
    dry_run: Form[bool] = True,
):
    """Import a data set from another survey tool (CSV, XLSX or SPSS .sav) through a mapping
    file (its text, in the form field `mapping`). A dry run (the default) writes nothing and
    lists every problem by row; with dry_run=false the file is imported whole or not at all,
    as one batch that the organisation can withdraw later."""
    survey = _survey(request, survey_id)
    limit = settings.FREEASSOC_API_MAX_IMPORT_BYTES
    if file.size > limit:
        raise HttpError(413, f"The file is too big: at most {limit // (1024 * 1024)} MB.")
    filename = Path(file.name or "upload").name
    key = request.auth
    # Who ran it, as the batch records it: the key, since no person signed in.
    who = SimpleNamespace(username=f"API key {key.prefix}… ({key.name})"[:150],
                          is_authenticated=False)  # fmt: skip
    with tempfile.NamedTemporaryFile(
        dir=imports.progress_dir(), suffix=Path(filename).suffix.lower()
    ) as copy:
        for chunk in file.chunks():
            copy.write(chunk)
        copy.flush()
        try:
            if dry_run:
                report = imports.dry_run(survey, copy.name, mapping, filename=filename)
                return Status(200, _import_out(report, dry_run=True))
            batch = imports.run_import(survey, copy.name, mapping, user=who, filename=filename)
        except imports.ImportRefused as exc:
            out = _import_out(exc.report, dry_run=False)
            return Status(422, {"message": str(exc), "errors": out["problems"]})
        except (imports.MappingError, imports.ReadError) as exc:
            return Status(422, {"message": str(exc)})
    return Status(201, {"dry_run": False, "ok": True, "rows": batch.row_count, "blank_rows": None,
                        "problem_count": 0, "problems": [], "batch": batch.pk,
                        "status": batch.status})  # fmt: skip


@api.get("/surveys/{survey_id}/findings", response={200: schemas.FindingsOut, **ERRORS},
         tags=["findings"])  # fmt: skip
def survey_findings(request, survey_id: int):
    """The survey's findings as published: every figure through disclosure control at the
    survey's threshold. The same figures as the findings page and its CSV."""
    return reports.survey_findings(_survey(request, survey_id))


@api.get("/pools", response={200: list[schemas.PoolOut], **ERRORS}, tags=["pools"])
def list_pools(request):
    """Published pools, and the pools your organisation is invited to or contributes to."""
    pools = pool_selectors.pools_visible_to_organisation(request.auth.organisation)
    pools = pools.distinct().annotate(
        data_sets=Count("contributions", filter=Q(contributions__withdrawn_at__isnull=True))
    )
    return [
        {"slug": p.slug, "name": p.name, "description": p.description,
         "instrument": p.instrument_key, "published": p.published, "data_sets": p.data_sets}
        for p in pools
    ]  # fmt: skip


@api.get("/pools/{slug}/findings", response={200: schemas.PoolFindingsOut, **ERRORS},
         tags=["pools"])  # fmt: skip
def pool_findings(request, slug: str):
    """A pool's findings over every contributing data set, at the strictest threshold among
    them. Never a figure for one organisation, never a response."""
    pool = (
        pool_selectors.pools_visible_to_organisation(request.auth.organisation)
        .filter(slug=slug)
        .first()
    )
    if pool is None:
        raise Http404("No such pool.")
    return pool_selectors.pool_findings(pool)
