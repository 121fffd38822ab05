"""What pages read about surgeries: the board, the action plan, the collective grievances."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q

from freeassoc.groups.models import LocalGroup
from freeassoc.orgs.models import Membership

from .disclosure import K, protect
from .models import Action, Note, Seat, Surgery, ThemeTally, Vote
from .taxonomy import region_choices, rights, sector_choices, themes


def surgeries_for_user(user):
    """The surgeries this user facilitates: their organisations' own (not those run for a
    local group), and those of the groups whose contact they are (access.py decides the same)."""
    runs_for = Membership.objects.filter(user=user, role__in=Membership.RUNS_SURVEYS)
    contact_for = LocalGroup.objects.filter(contact_user=user)
    return (
        Surgery.objects.filter(
            Q(group__isnull=True, organisation__in=runs_for.values("organisation"))
            | Q(group__in=contact_for)
        )
        .select_related("organisation", "group")
        .annotate(seat_count=Count("seats", distinct=True))
        .order_by("-created_on", "-pk")
    )


def problems_by_dots(surgery: Surgery, *, seat: Seat | None = None, include_hidden=False):
    """Problems with their dot counts, most dots first, then in the order they were named."""
    problems = surgery.problems.annotate(dot_count=Count("votes"))
    if not include_hidden:
        problems = problems.filter(hidden=False)
    if seat is not None:
        problems = problems.annotate(
            my_dot=Exists(Vote.objects.filter(problem=OuterRef("pk"), seat=seat))
        )
    return list(problems.order_by("-dot_count", "pk"))


def board(surgery: Surgery, *, seat: Seat | None = None, facilitator: bool = False) -> dict:
    """Everything the board shows, in a fixed number of queries. Participants never see
    hidden contributions; the facilitator sees them marked as hidden."""
    include_hidden = facilitator
    ranked = problems_by_dots(surgery, seat=seat, include_hidden=include_hidden)
    # In the order they were named: a list that reorders itself as dots arrive would move
    # the button under a participant's finger.
    problems = sorted(ranked, key=lambda p: p.pk)
    visible = Q() if include_hidden else Q(hidden=False)
    notes = list(surgery.notes.filter(visible).select_related("problem"))
    actions = list(surgery.actions.filter(visible).select_related("problem"))
    chosen = [p for p in ranked if p.chosen and not p.hidden]
    chosen_ids = {p.pk for p in chosen}
    for p in chosen:
        p.board_notes = [n for n in notes if n.problem_id == p.pk]
        p.board_actions = [a for a in actions if a.problem_id == p.pk]
    general_notes = [n for n in notes if n.problem_id not in chosen_ids]
    other_actions = [a for a in actions if a.problem_id not in chosen_ids]
    used = sum(1 for p in problems if getattr(p, "my_dot", False))
    return {
        "problems": problems,
        "chosen": chosen,
        "not_chosen": [p for p in ranked if not p.chosen or p.hidden],
        "general_notes": general_notes,
        "other_actions": other_actions,
        "actions": actions,
        "dots_left": max(surgery.dots - used, 0) if seat else None,
        "seat_count": surgery.seats.count() if facilitator else None,
        "pseudonyms": sorted(
            {p for p in surgery.seats.exclude(pseudonym="").values_list("pseudonym", flat=True)}
        ),
    }


def plan(surgery: Surgery) -> dict:
    """The action plan: the chosen problems with what we know and the steps, all visible."""
    notes = Prefetch("notes", queryset=Note.objects.filter(hidden=False))
    actions = Prefetch("actions", queryset=Action.objects.filter(hidden=False))
    chosen = list(
        surgery.problems.filter(chosen=True, hidden=False)
        .annotate(dot_count=Count("votes"))
        .prefetch_related(notes, actions)
        .order_by("-dot_count", "pk")
    )
    steps = list(surgery.actions.filter(hidden=False).select_related("problem"))
    return {
        "chosen": chosen,
        "steps": steps,
        "loose_steps": [a for a in steps if a.problem_id is None or a.problem.hidden],
        "general_notes": list(surgery.notes.filter(hidden=False, problem__isnull=True)),
        "other_problems": list(
            surgery.problems.filter(chosen=False, hidden=False)
            .annotate(dot_count=Count("votes"))
            .order_by("-dot_count", "pk")
        ),
        "done": sum(1 for a in steps if a.done),
    }


def resources() -> dict:
    return {"rights": list(rights().values())}


def resource_label(code: str) -> str:
    if code.startswith("rights:"):
        right = rights().get(code.split(":", 1)[1])
        return f"Rights: {right.title}" if right else ""
    return dict(Note.Resource.choices).get(code, "") if code else ""


def resource_choices() -> list[tuple[str, str]]:
    return [
        ("", "No link"),
        (Note.Resource.GROUPS, "Local groups and networks"),
        (Note.Resource.FINDINGS, "Survey findings"),
    ] + [(f"rights:{r.code}", f"Rights: {r.title}") for r in rights().values()]


# --- Collective grievances ----------------------------------------------------------------


def _table(by: str, choices: list[tuple[str, str]], k: int) -> dict:
    """Themes (rows) by region or sector (columns): how many workplaces raised each theme.
    Each tally row is one surgery raising one theme, so counting rows counts workplaces."""
    counts = {
        (row["theme"], row[by]): row["n"]
        for row in ThemeTally.objects.values("theme", by).annotate(n=Count("id"))
    }
    theme_codes = list(themes())
    col_codes = [code for code, _ in choices]
    # Only each theme's total ("All") is published beside the cells: a workplace raises many
    # themes, so a column adds up to nothing meaningful and is not totalled, and protecting
    # columns too would only hide more cells without protecting anyone.
    table = protect(counts, theme_codes, col_codes, k=k, margins=("rows",))
    # Leave out columns and rows that are all zero (no workplace): nothing to protect there.
    cols = [c for c in col_codes if any(table.values[(t, c)] for t in theme_codes)]
    labels = dict(choices)
    rows = []
    for code in theme_codes:
        cells = [{"value": table.shown(code, c), "reason": table.reason(code, c)} for c in cols]
        total = table.row_total(code)
        raw = sum(table.values[(code, c)] for c in col_codes)
        rows.append({"theme": themes()[code], "cells": cells, "total": total, "any": raw > 0})
    rows.sort(key=lambda r: (r["total"] is None, -(r["total"] or 0)))
    return {
        "cols": [{"code": c, "label": labels[c]} for c in cols],
        "rows": [r for r in rows if r["any"]],
    }


def grievances(*, k: int = K) -> dict:
    return {
        "k": k,
        "by_region": _table("region", region_choices(), k),
        "by_sector": _table("sector", sector_choices(), k),
        "any": ThemeTally.objects.exists(),
        "synthetic": ThemeTally.objects.filter(is_synthetic=True).exists(),
    }


def grievances_top(*, limit: int = 5, k: int = K) -> list[dict]:
    """The themes raised by most workplaces, totals only, for a panel beside the findings."""
    rows = [r for r in grievances(k=k)["by_region"]["rows"] if r["total"] is not None]
    return rows[:limit]
