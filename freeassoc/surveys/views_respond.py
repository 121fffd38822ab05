"""The respondent's pages. They work without JavaScript and set no cookie but CSRF's and the
draft key, which is random, lives only in this browser until the answers are sent (the answer
to Send clears it) and is stored server-side as a hash."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from freeassoc.core.ratelimit import hit, limit

from . import services
from .forms import PageForm, ResumeForm
from .models import Collector, Draft

COOKIE = "fa_draft"


def _collector(slug: str) -> Collector:
    return get_object_or_404(Collector.objects.select_related("survey__organisation"), slug=slug)


def _draft(request, collector: Collector) -> Draft | None:
    return services.draft_for_key(collector=collector, key=request.COOKIES.get(COOKIE, ""))


def _collector_and_draft(request, slug: str) -> tuple[Collector, Draft | None]:
    """This browser's draft and its collector in one query; without a live draft, the
    collector alone (a 404 if there is none)."""
    found = services.draft_for_link(slug=slug, key=request.COOKIES.get(COOKIE, ""))
    return found or (_collector(slug), None)


def _with_draft_cookie(response, collector: Collector, key: str, max_age: int | None = None):
    response.set_cookie(
        COOKIE,
        key,
        max_age=settings.FREEASSOC_DRAFT_DAYS * 86400 if max_age is None else max_age,
        path=reverse("respond:intro", args=[collector.slug]),
        secure=settings.HTTPS,
        httponly=True,
        samesite="Lax",
    )
    return response


def _without_draft_cookie(response, collector: Collector):
    """Sent: the browser forgets the key, so nothing on the device points at the answers."""
    return _with_draft_cookie(response, collector, "", max_age=0)


def _progress(instrument, answers, page=None) -> dict:
    pages = instrument.visible_pages(answers)
    number = pages.index(page) + 1 if page in pages else len(pages) + 1
    return {"number": number, "total": len(pages) + 1}  # +1: the review page


def _first_incomplete(instrument, answers) -> str | None:
    """The first page with nothing answered or a required answer missing; None: review."""
    missing = {q.id for q in instrument.missing_required(answers)}
    for page in instrument.visible_pages(answers):
        ids = {q.id for q in page.questions}
        if ids & missing or not ids & answers.keys():
            return page.id
    return None


def _context(collector: Collector, **extra) -> dict:
    survey = collector.survey
    return {
        "collector": collector,
        "survey": survey,
        "instrument": survey.instrument,
        "days": settings.FREEASSOC_DRAFT_DAYS,
        **extra,
    }


@never_cache
def intro(request, slug):
    collector = _collector(slug)
    draft = _draft(request, collector)
    return render(
        request,
        "surveys/respond/intro.html",
        _context(collector, draft=draft, token=request.GET.get("t", "")[:64]),
    )


@require_POST
@limit("start", "FREEASSOC_RATELIMIT_START")
def start(request, slug):
    collector = _collector(slug)
    if request.POST.get("website"):  # a field people never see: only bots fill it in
        return render(request, "surveys/respond/refused.html", _context(collector), status=400)
    draft = _draft(request, collector)
    if draft:
        page_id = _first_incomplete(collector.survey.instrument, draft.answers)
        return redirect(_page_url(collector, page_id))
    try:
        draft, key = services.draft_start(collector=collector, token=request.POST.get("t", ""))
    except services.SurveyError as exc:
        return render(
            request, "surveys/respond/refused.html", _context(collector, reason=exc), status=403
        )
    first = collector.survey.instrument.pages[0].id
    return _with_draft_cookie(redirect("respond:page", slug, first), collector, key)


def _page_url(collector, page_id):
    if page_id is None:
        return reverse("respond:review", args=[collector.slug])
    return reverse("respond:page", args=[collector.slug, page_id])


def _no_draft(request, collector):
    return render(request, "surveys/respond/no_draft.html", _context(collector), status=400)


@never_cache
@require_http_methods(["GET", "POST"])
def page(request, slug, page_id):
    collector, draft = _collector_and_draft(request, slug)
    if draft is None:
        return _no_draft(request, collector)
    instrument = collector.survey.instrument
    visible = instrument.visible_pages(draft.answers)
    current = next((p for p in visible if p.id == page_id), None)
    if current is None:
        if not any(p.id == page_id for p in instrument.pages):
            raise Http404("No such page in this questionnaire.")
        return redirect(_page_url(collector, _first_incomplete(instrument, draft.answers)))

    form = PageForm(
        request.POST or None, page=current, instrument=instrument, answers=draft.answers
    )
    if request.method == "POST":
        if request.POST.get("action") == "save":
            services.draft_save_answers(
                draft=draft, answers=form.valid_part(), instrument=instrument
            )
            return _saved(request, collector, draft)
        if form.is_valid():
            services.draft_save_answers(
                draft=draft, answers=form.answers_out(), instrument=instrument
            )
            visible = instrument.visible_pages(draft.answers)
            index = visible.index(current) if current in visible else -1
            following = visible[index + 1].id if index + 1 < len(visible) else None
            return redirect(_page_url(collector, following))
    index = visible.index(current)
    previous = visible[index - 1].id if index > 0 else None
    return render(
        request,
        "surveys/respond/page.html",
        _context(
            collector,
            form=form,
            page=current,
            previous_url=_page_url(collector, previous) if previous else None,
            progress=_progress(instrument, draft.answers, current),
        ),
        status=400 if form.is_bound and form.errors else 200,
    )


def _saved(request, collector, draft):
    code = services.draft_save_for_later(draft=draft)
    return render(request, "surveys/respond/saved.html", _context(collector, code=code))


@never_cache
@require_http_methods(["GET", "POST"])
def review(request, slug):
    collector, draft = _collector_and_draft(request, slug)
    if draft is None and request.method == "POST":
        # A second press of Send (a double click, a retry) after the first went through, or
        # answers that expired: nothing here says which, and nothing is sent twice.
        page = render(request, "surveys/respond/sent_or_gone.html", _context(collector))
        return _without_draft_cookie(page, collector)
    if draft is None:
        return _no_draft(request, collector)
    instrument = collector.survey.instrument
    error = None
    if request.method == "POST":
        if request.POST.get("action") == "save":
            return _saved(request, collector, draft)
        if hit(request, "submit", settings.FREEASSOC_RATELIMIT_SUBMIT):
            return render(request, "core/rate_limited.html", status=429)
        try:
            services.draft_submit(draft=draft, collector=collector)
        except services.SurveyError as exc:
            error = str(exc)
        else:
            return _without_draft_cookie(redirect("respond:thanks", slug), collector)
    pages = [
        {
            "page": p,
            "url": _page_url(collector, p.id),
            "answers": [
                (q, _display(q, draft.answers.get(q.id)))
                for q in p.questions
                if q.visible(draft.answers)
            ],
        }
        for p in instrument.visible_pages(draft.answers)
    ]
    return render(
        request,
        "surveys/respond/review.html",
        _context(
            collector,
            pages=pages,
            error=error,
            progress=_progress(instrument, draft.answers),
        ),
        status=400 if error else 200,
    )


def _display(question, value) -> str:
    if value is None:
        return "Not answered"
    if isinstance(value, list):
        return ", ".join(question.label_for(v) for v in value)
    if question.type == "number":
        if value == "prefer_not":
            return "Prefer not to say"
        return f"{value} {question.unit}".strip()
    if question.type == "text":
        return value
    return question.label_for(value)


@never_cache
@require_http_methods(["GET", "POST"])
@limit("resume", "FREEASSOC_RATELIMIT_RESUME")
def resume(request, slug):
    collector = _collector(slug)
    form = ResumeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draft, key = services.draft_resume(collector=collector, code=form.cleaned_data["code"])
        except services.SurveyError as exc:
            form.add_error("code", str(exc))
        else:
            first = _first_incomplete(collector.survey.instrument, draft.answers)
            target = _page_url(collector, first)
            return _with_draft_cookie(redirect(target), collector, key)
    return render(
        request,
        "surveys/respond/resume.html",
        _context(collector, form=form),
        status=400 if form.errors else 200,
    )


@never_cache
def thanks(request, slug):
    collector = _collector(slug)
    return render(request, "surveys/respond/thanks.html", _context(collector))
