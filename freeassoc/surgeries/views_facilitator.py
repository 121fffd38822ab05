"""Facilitators' pages: create a surgery, show the code, move the stages, hide contributions,
choose the problems to take forward, tick actions off, set the deletion date."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services
from .access import item_for_facilitator, surgery_for_facilitator
from .forms import DeleteOnForm, SurgeryCreateForm
from .pdf import plan_pdf_response
from .views_participant import board_context, is_htmx, poll_response


@login_required
def create(request):
    form = SurgeryCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            surgery = services.surgery_create(**form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Surgery created. Show the code to the people joining.")
            return redirect(surgery)
    return render(
        request, "surgeries/create.html", {"form": form}, status=400 if form.errors else 200
    )


def _run_context(request, surgery, **extra):
    return board_context(
        request,
        surgery,
        facilitator=True,
        join_url=request.build_absolute_uri(reverse("surgeries:join")),
        delete_form=DeleteOnForm(initial={"delete_on": surgery.delete_on}),
        **extra,
    )


@never_cache
@login_required
def run(request, pk):
    surgery = surgery_for_facilitator(request.user, pk)
    return render(request, "surgeries/run.html", _run_context(request, surgery))


@login_required
@require_GET
def run_board(request, pk):
    surgery = surgery_for_facilitator(request.user, pk)
    return poll_response(
        request,
        surgery,
        lambda: render(
            request, "surgeries/_board.html", board_context(request, surgery, facilitator=True)
        ),
    )


def _back(request, surgery, status_text=""):
    """Back to the facilitator's page, or the board fragment for htmx."""
    if is_htmx(request):
        surgery.refresh_from_db()
        context = board_context(request, surgery, facilitator=True, status_text=status_text)
        response = render(request, "surgeries/_board_update.html", context)
        response["Cache-Control"] = "no-store"
        return response
    return redirect(surgery)


@login_required
@require_POST
def stage(request, pk):
    surgery = surgery_for_facilitator(request.user, pk)
    target = request.POST.get("stage", "")
    try:
        services.surgery_set_stage(surgery=surgery, stage=target)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"The surgery is now at “{surgery.get_stage_display()}”.")
    return redirect(surgery)


@login_required
@require_POST
def hide(request, pk, kind, item_id):
    surgery = surgery_for_facilitator(request.user, pk)
    item = item_for_facilitator(surgery, kind, item_id)
    hidden = request.POST.get("hidden") == "1"
    services.item_set_hidden(item=item, hidden=hidden)
    return _back(request, surgery, "Hidden from participants." if hidden else "Shown again.")


@login_required
@require_POST
def choose(request, pk, item_id):
    surgery = surgery_for_facilitator(request.user, pk)
    problem = item_for_facilitator(surgery, "problem", item_id)
    chosen = request.POST.get("chosen") == "1"
    services.problem_set_chosen(problem=problem, chosen=chosen)
    return _back(request, surgery, "Taken forward." if chosen else "No longer taken forward.")


@login_required
@require_POST
def choose_top(request, pk):
    surgery = surgery_for_facilitator(request.user, pk)
    top = services.problems_choose_top(surgery=surgery, count=3)
    if not is_htmx(request):
        if top:
            messages.success(request, f"The {len(top)} problems with most dots are taken forward.")
        else:
            messages.error(request, "No problem has a dot yet.")
    return _back(request, surgery, f"{len(top)} problems taken forward.")


@login_required
@require_POST
def done(request, pk, item_id):
    surgery = surgery_for_facilitator(request.user, pk)
    action = item_for_facilitator(surgery, "action", item_id)
    is_done = request.POST.get("done") == "1"
    services.action_set_done(action=action, done=is_done)
    if request.POST.get("next") == "plan":
        return redirect("surgeries:run_plan", surgery.pk)
    return _back(request, surgery, "Marked done." if is_done else "Marked not done.")


@login_required
@require_POST
def delete_on(request, pk):
    surgery = surgery_for_facilitator(request.user, pk)
    form = DeleteOnForm(request.POST)
    if form.is_valid():
        services.surgery_set_delete_on(surgery=surgery, delete_on=form.cleaned_data["delete_on"])
        messages.success(request, f"The content will be deleted on {surgery.delete_on:%-d %B %Y}.")
    else:
        messages.error(request, form.errors["delete_on"][0])
    return redirect(surgery)


@login_required
@require_POST
def purge(request, pk):
    surgery = surgery_for_facilitator(request.user, pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Tick the box to confirm that everything should be deleted now.")
        return redirect(surgery)
    title = surgery.title
    services.surgery_purge(surgery=surgery)
    messages.success(
        request, f"“{title}” is deleted. Only anonymous counts of its themes are kept."
    )
    return redirect("surgeries:index")


@never_cache
@login_required
def run_plan(request, pk):
    surgery = surgery_for_facilitator(request.user, pk)
    return render(
        request,
        "surgeries/plan.html",
        {
            "surgery": surgery,
            "facilitator": True,
            "pdf_url": reverse("surgeries:run_plan_pdf", args=[pk]),
            "board_url": surgery.get_absolute_url(),
            **selectors.plan(surgery),
        },
    )


@login_required
def run_plan_pdf(request, pk):
    surgery = surgery_for_facilitator(request.user, pk)
    return plan_pdf_response(surgery)
