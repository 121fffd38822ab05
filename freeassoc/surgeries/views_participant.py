"""Participants' pages: join by code, accept the ground rules, then the board.

No account and no name. A seat is a random key in a cookie scoped to this surgery's pages,
stored server-side only as a hash. Every page works without JavaScript (forms post and
redirect back to the board; a Refresh link); with htmx the board polls for changes and forms
post in place, getting back the same fragments the full page is built from.
"""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from freeassoc.core.ratelimit import hit

from . import selectors, services
from .access import COOKIE, seat_for_request, surgery_for_slug
from .forms import ActionForm, JoinForm, NoteForm, ProblemForm, RulesForm
from .models import Problem, Surgery
from .pdf import plan_pdf_response

POLL_SECONDS = 4


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def add_form_for(surgery: Surgery, data=None):
    """The one form the current stage offers, or None."""
    if surgery.stage == Surgery.Stage.PROBLEMS:
        return ProblemForm(data)
    if surgery.stage == Surgery.Stage.INFORMATION:
        return NoteForm(data, surgery=surgery)
    if surgery.stage == Surgery.Stage.ACTIONS:
        return ActionForm(data, surgery=surgery)
    return None


def board_context(request, surgery: Surgery, *, seat=None, facilitator=False, **extra) -> dict:
    if facilitator:
        poll_url = reverse("surgeries:run_board", args=[surgery.pk])
    else:
        poll_url = reverse("surgeries:board_fragment", args=[surgery.slug])
    return {
        "surgery": surgery,
        "seat": seat,
        "facilitator": facilitator,
        "poll_url": poll_url,
        "poll_seconds": POLL_SECONDS,
        "rights": selectors.resources()["rights"],
        **selectors.board(surgery, seat=seat, facilitator=facilitator),
        **extra,
    }


def poll_response(request, surgery: Surgery, render_board):
    """The answer to a board poll: 204 when nothing changed since the version the page has, a
    full reload when the stage moved (the page's forms change with it), else the fragment."""
    if request.GET.get("stage") and request.GET["stage"] != surgery.stage:
        response = render(request, "surgeries/_reload.html", {"surgery": surgery})
        response["HX-Refresh"] = "true"
        return response
    if request.GET.get("v") == str(surgery.version):
        return _no_store(_no_content())
    return _no_store(render_board())


def _no_content():
    return HttpResponse(status=204)


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def _with_seat_cookie(response, surgery: Surgery, key: str):
    days = max((surgery.delete_on - timezone.localdate()).days + 1, 1)
    response.set_cookie(
        COOKIE,
        key,
        max_age=days * 86400,
        path=reverse("surgeries:board", args=[surgery.slug]),
        secure=settings.HTTPS,
        httponly=True,
        samesite="Lax",
    )
    return response


# --- Joining ------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def join(request):
    form = JoinForm(request.POST or None)
    if request.method == "POST":
        # Every attempt counts, right or wrong: codes are short, so guessing must be slow.
        rate = settings.FREEASSOC_RATELIMIT_SURGERY_JOIN
        if hit(request, "surgery-join", rate):
            return render(request, "surgeries/rate_limited.html", status=429)
        if form.is_valid():
            try:
                surgery = services.surgery_for_code(form.cleaned_data["code"])
            except services.SurgeryError as exc:
                form.add_error("code", str(exc))
            else:
                return redirect("surgeries:rules", surgery.slug)
    return render(
        request, "surgeries/join.html", {"form": form}, status=400 if form.errors else 200
    )


@never_cache
@require_http_methods(["GET", "POST"])
def rules(request, slug):
    surgery = surgery_for_slug(slug)
    seat = seat_for_request(request, surgery)
    form = RulesForm(request.POST or None)
    error = None
    if request.method == "POST" and seat is None and form.is_valid():
        try:
            seat, key = services.seat_take(
                surgery=surgery, pseudonym=form.cleaned_data["pseudonym"]
            )
        except services.SurgeryError as exc:
            error = str(exc)
        else:
            return _with_seat_cookie(redirect("surgeries:board", slug), surgery, key)
    if request.method == "POST" and seat is not None:
        return redirect("surgeries:board", slug)
    return render(
        request,
        "surgeries/rules.html",
        {"surgery": surgery, "seat": seat, "form": form, "error": error},
        status=400 if form.errors or error else 200,
    )


# --- The board ----------------------------------------------------------------------------


def _seated(request, slug):
    surgery = surgery_for_slug(slug)
    return surgery, seat_for_request(request, surgery)


def _to_rules(request, surgery):
    if is_htmx(request):
        response = _no_content()
        response["HX-Redirect"] = reverse("surgeries:rules", args=[surgery.slug])
        return response
    return redirect("surgeries:rules", surgery.slug)


@never_cache
@require_GET
def board(request, slug):
    surgery, seat = _seated(request, slug)
    if seat is None:
        return _to_rules(request, surgery)
    return render(
        request,
        "surgeries/board.html",
        board_context(request, surgery, seat=seat, form=add_form_for(surgery)),
    )


@require_GET
def board_fragment(request, slug):
    surgery, seat = _seated(request, slug)
    if seat is None:
        return _to_rules(request, surgery)
    return poll_response(
        request,
        surgery,
        lambda: render(
            request, "surgeries/_board.html", board_context(request, surgery, seat=seat)
        ),
    )


def _after_change(request, surgery, seat, *, anchor: str, status_text: str, fresh_form=False):
    """A contribution went in: the board fragment (and a fresh form) for htmx, or back to the
    board for a plain form post (Post/Redirect/Get)."""
    if not is_htmx(request):
        return redirect(reverse("surgeries:board", args=[surgery.slug]) + f"#{anchor}")
    surgery.refresh_from_db()
    context = board_context(
        request,
        surgery,
        seat=seat,
        form=add_form_for(surgery) if fresh_form else None,
        status_text=status_text,
        oob_form=fresh_form,
    )
    return _no_store(render(request, "surgeries/_board_update.html", context))


def _refused(request, surgery, seat, form, message=None):
    """The form again, with what is wrong: in place for htmx, as the whole page otherwise."""
    if message:
        form.add_error(None, message)
    context = board_context(request, surgery, seat=seat, form=form)
    if is_htmx(request):
        response = render(request, "surgeries/_add_form.html", context)
        response["HX-Retarget"] = "#add-form"
        response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, "surgeries/board.html", context, status=400)


def _contribute(request, slug, stage, add):
    surgery, seat = _seated(request, slug)
    if seat is None:
        return _to_rules(request, surgery)
    form = add_form_for(surgery, request.POST)
    if surgery.stage != stage or form is None:
        # The stage moved on while the form was open: show the current stage's board.
        if is_htmx(request):
            response = _no_content()
            response["HX-Refresh"] = "true"
            return response
        return redirect("surgeries:board", slug)
    if not form.is_valid():
        return _refused(request, surgery, seat, form)
    try:
        item, anchor, text = add(seat, form.cleaned_data)
    except services.SurgeryError as exc:
        return _refused(request, surgery, seat, form, str(exc))
    return _after_change(
        request, surgery, seat, anchor=f"{anchor}-{item.pk}", status_text=text, fresh_form=True
    )


@require_POST
def problem_add(request, slug):
    def add(seat, data):
        problem = services.problem_add(seat=seat, text=data["text"], theme_codes=data["themes"])
        return problem, "problem", "Your problem is on the board."

    return _contribute(request, slug, Surgery.Stage.PROBLEMS, add)


@require_POST
def note_add(request, slug):
    def add(seat, data):
        note = services.note_add(
            seat=seat, text=data["text"], problem=data["problem"], resource=data["resource"]
        )
        return note, "note", "Your note is on the board."

    return _contribute(request, slug, Surgery.Stage.INFORMATION, add)


@require_POST
def action_add(request, slug):
    def add(seat, data):
        action = services.action_add(
            seat=seat,
            what=data["what"],
            who=data["who"],
            by_when=data["by_when"],
            problem=data["problem"],
        )
        return action, "action", "The step is in the plan."

    return _contribute(request, slug, Surgery.Stage.ACTIONS, add)


@require_POST
def dot(request, slug, problem_id):
    surgery, seat = _seated(request, slug)
    if seat is None:
        return _to_rules(request, surgery)
    problem = Problem.objects.filter(pk=problem_id, surgery=surgery).first()
    try:
        if problem is None:
            raise services.SurgeryError("That problem is not on this board.")
        given = services.dot_toggle(seat=seat, problem=problem)
    except services.SurgeryError as exc:
        context = board_context(request, surgery, seat=seat, board_error=str(exc))
        if is_htmx(request):
            return _no_store(render(request, "surgeries/_board.html", context))
        context["form"] = add_form_for(surgery)
        return render(request, "surgeries/board.html", context, status=400)
    return _after_change(
        request,
        surgery,
        seat,
        anchor=f"problem-{problem.pk}",
        status_text="Dot given." if given else "Dot taken back.",
    )


# --- The outcome --------------------------------------------------------------------------


@never_cache
@require_GET
def plan(request, slug):
    surgery, seat = _seated(request, slug)
    if seat is None:
        return _to_rules(request, surgery)
    return render(
        request,
        "surgeries/plan.html",
        {
            "surgery": surgery,
            "seat": seat,
            "pdf_url": reverse("surgeries:plan_pdf", args=[slug]),
            "board_url": reverse("surgeries:board", args=[slug]),
            **selectors.plan(surgery),
        },
    )


@require_GET
def plan_pdf(request, slug):
    surgery, seat = _seated(request, slug)
    if seat is None:
        return _to_rules(request, surgery)
    return plan_pdf_response(surgery)
