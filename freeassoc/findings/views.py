"""The findings pages: one per survey, public once its organisation publishes it.

What a page shows is survey_findings() -- the figures after disclosure control -- and nothing
else: an analyst of the organisation sees exactly what the public will, only earlier. The
page offers the breakdowns the indicator file predefines (region, sector, profession), one
indicator at a time, and no filter a visitor could choose: two freely filtered totals can be
differenced to single out one person.

Access: a published survey's findings are public. Before publication they are visible only
to the organisation's owners, organisers and analysts (with a notice saying so); everyone else
gets a 404, so they do not learn the survey exists. Owners and organisers publish and
unpublish from the page.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from freeassoc.orgs.access import is_verified, require_two_factor
from freeassoc.orgs.models import Membership
from freeassoc.surveys.access import survey_for_user
from freeassoc.surveys.models import Survey

from . import charts, reports, services
from .pdf import findings_pdf

# --- Access --------------------------------------------------------------------------------


def survey_for_findings(user, pk: int) -> tuple[Survey, Membership | None]:
    """The survey whose findings `user` may read, and their membership of its organisation
    (None for the public). 404 for a survey that does not exist, and for an unpublished one
    unless the user is its organisation's owner, organiser or analyst."""
    survey = Survey.objects.select_related("organisation").filter(pk=pk).first()
    if survey is None:
        raise Http404("No such survey.")
    membership = None
    if user.is_authenticated:
        membership = Membership.objects.filter(organisation=survey.organisation, user=user).first()
    sees_results = membership is not None and membership.role in Membership.SEES_RESULTS
    if not survey.published:
        if not sees_results:
            raise Http404("No such survey.")
        # Behind the second factor, like everything else only the organisation sees.
        require_two_factor(user)
    return survey, membership


def _private(response: HttpResponse, survey: Survey) -> HttpResponse:
    """Findings not yet published must not linger in a shared cache or the browser's."""
    if not survey.published:
        response["Cache-Control"] = "no-store"
    return response


# --- What the pages show ------------------------------------------------------------------


def _indicator_bar(ind: dict[str, Any], label: str, view: dict[str, Any], k: int) -> charts.Bar:
    if view["state"] == "shown":
        return charts.Bar(label, ind["percent"], ind["ci_low"], ind["ci_high"], view["short"])
    if view["state"] == "suppressed":
        return charts.Bar(label, None, text=f"suppressed (fewer than {k}, or protects one)")
    return charts.Bar(label, None, text=view["short"])


CHART_HELP = (
    "Each bar is a percentage on a scale from 0 to 100%, with a whisker for its 95% interval. "
    "A figure that is suppressed or rests on too few people has no bar. The numbers follow "
    "in a table."
)


def overview(findings: dict[str, Any], link: Callable[[str], str]) -> dict[str, Any]:
    """The survey page: every indicator's overall figure, grouped by denominator so that each
    chart has one base stated in words, then the comparisons with their tests."""
    k = findings["k"]
    sections: list[dict[str, Any]] = []
    for i, (heading, indicators) in enumerate(reports.by_denominator(findings["indicators"])):
        section: dict[str, Any] = {"id": f"of-{i + 1}", "heading": heading, "rows": [],
                                   "bands": []}  # fmt: skip
        for ind in indicators:
            entry = {"ind": ind, "url": link(ind["id"])}
            if ind["kind"] == "median_band":
                section["bands"].append({**entry, "view": reports.band_view(ind)})
            else:
                section["rows"].append({**entry, "view": reports.cell_view(ind)})
        sections.append(section)
    for section in sections:
        if section["rows"]:
            bars = [_indicator_bar(r["ind"], r["ind"]["label"], r["view"], k)
                    for r in section["rows"]]  # fmt: skip
            section["chart"] = charts.bar_chart(
                bars,
                chart_id=f"chart-{section['id']}",
                title=f"{section['heading']}: the per cent for each figure",
                description=CHART_HELP,
            )
        section["has_suppressed"] = any(r["view"]["state"] == "suppressed"
                                        for r in section["rows"] + section["bands"])  # fmt: skip
    return {
        "sections": sections,
        "comparisons": [comparison(c, k) for c in findings["comparisons"]],
    }


def comparison(comp: dict[str, Any], k: int) -> dict[str, Any]:
    """A comparison: a chart of each row group's percentages (for a yes/no column only the
    first, since the second is its complement), a table of every cell, and the test in
    words."""
    out: dict[str, Any] = {"comp": comp, "chart_id": f"chart-{comp['id']}", "groups": []}
    if comp["suppressed"]:
        return out
    bars = []
    columns = comp["rows"][0]["cells"] if comp["rows"] else []
    charted = columns[:1] if len(columns) == 2 else columns
    for row in comp["rows"]:
        row_words = f"{row['label']} ({reports.number(row['base'])})"
        lines: list[dict[str, Any]] = []
        out["groups"].append({"row": row, "base": reports.number(row["base"]), "lines": lines})
        for cell in row["cells"]:
            view = reports.cell_view({**cell, "base": row["base"], "suppressed": False})
            lines.append({"cell": cell, "view": view})
            if cell["code"] not in {c["code"] for c in charted}:
                continue
            if len(charted) == 1:
                bars.append(_indicator_bar(cell, row_words, view, k))
            else:
                bar = _indicator_bar(cell, cell["label"], view, k)
                bars.append(charts.Bar(**{**bar.__dict__, "group": row_words}))
    if bars:
        what = charted[0]["label"] if len(charted) == 1 else "by answer"
        out["chart"] = charts.bar_chart(
            bars,
            chart_id=out["chart_id"],
            title=f"{comp['label']}: per cent ({what})",
            description=CHART_HELP,
        )
        out["charted"] = what
    out["method"] = reports.method_words(comp)
    out["meaning"] = reports.p_value_words(comp["p_value"]) if comp["test"] else ""
    return out


def indicator_detail(findings: dict[str, Any], ident: str) -> dict[str, Any]:
    """One indicator, overall and in each predefined breakdown."""
    ind = next((i for i in findings["indicators"] if i["id"] == ident), None)
    if ind is None:
        raise Http404("No such indicator.")
    k = findings["k"]
    band = ind["kind"] == "median_band"
    breakdowns = []
    for question, breakdown in ind["breakdowns"].items():
        name = reports.breakdown_name(question)
        rows = [
            {"cell": c, "view": reports.band_view(c) if band else reports.cell_view(c)}
            for c in breakdown["cells"]
        ]
        entry = {
            "id": f"{ident}-by-{slugify(question)}",
            "name": name,
            "question": breakdown["label"],
            "in_each": reports.in_each_words(ind["denominator_label"], name),
            "rows": rows,
            "has_suppressed": any(r["view"]["state"] == "suppressed" for r in rows),
            "has_small": any(r["view"]["state"] == "no_percent" for r in rows),
        }
        if not band:
            entry["chart"] = charts.bar_chart(
                [_indicator_bar(r["cell"], r["cell"]["label"], r["view"], k) for r in rows],
                chart_id=f"chart-{entry['id']}",
                title=f"{ind['label']}, by {name}: per cent {entry['in_each']}",
                description=CHART_HELP,
            )
        breakdowns.append(entry)
    return {
        "ind": ind,
        "band": band,
        "view": reports.band_view(ind) if band else reports.cell_view(ind),
        "sentence": reports.figure_sentence(ind),
        "breakdowns": breakdowns,
    }


def page_context(survey: Survey, findings: dict[str, Any], **extra) -> dict[str, Any]:
    k, min_base = findings["k"], findings["min_base"]
    return {
        "survey": survey,
        "findings": findings,
        "k": k,
        "min_base": min_base,
        "suppressed_words": reports.suppressed_words(k),
        "no_percent_words": reports.no_percent_words(min_base),
        "respondents": (
            reports.number(findings["respondents"]) if findings["respondents"] is not None else None
        ),
        **extra,
    }


def _viewer(user, membership: Membership | None) -> dict[str, Any]:
    """What the page offers this reader: the organisation's confirmed (two-factor) owners and
    organisers get the publish control; its analysts a link back to the survey."""
    role = membership.role if membership is not None and is_verified(user) else None
    return {
        "is_member": role in Membership.SEES_RESULTS,
        "can_publish": role in Membership.RUNS_SURVEYS,
    }


def _filename(survey: Survey, extension: str) -> str:
    return f"{slugify(survey.title)[:60] or 'survey'}-findings.{extension}"


# --- Views ---------------------------------------------------------------------------------


@require_GET
def index(request):
    """Published findings for everyone; a signed-in member also sees their organisations'
    findings that are not published yet."""
    published = Survey.objects.filter(published=True).select_related("organisation")
    unpublished = Survey.objects.none()
    if request.user.is_authenticated:
        unpublished = (
            Survey.objects.filter(
                published=False,
                organisation__members__user=request.user,
                organisation__members__role__in=Membership.SEES_RESULTS,
            )
            .select_related("organisation")
            .distinct()
        )
    response = render(
        request,
        "findings/index.html",
        {"published": published, "unpublished": unpublished},
    )
    if request.user.is_authenticated:
        response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def rules(request):
    from .disclosure import DEFAULT_K, MIN_BASE

    return render(request, "findings/rules.html", {"k": DEFAULT_K, "min_base": MIN_BASE})


@require_GET
def survey_page(request, pk: int):
    survey, membership = survey_for_findings(request.user, pk)
    findings = reports.survey_findings(survey)
    context = page_context(
        survey,
        findings,
        **overview(findings, lambda ident: reverse("findings:indicator", args=[pk, ident])),
        **_viewer(request.user, membership),
    )
    return _private(render(request, "findings/survey.html", context), survey)


@require_GET
def indicator_page(request, pk: int, ident: str):
    survey, membership = survey_for_findings(request.user, pk)
    findings = reports.survey_findings(survey)
    context = page_context(
        survey, findings, **indicator_detail(findings, ident), **_viewer(request.user, membership)
    )
    return _private(render(request, "findings/indicator.html", context), survey)


@require_GET
def download(request, pk: int, fmt: str):
    survey, _ = survey_for_findings(request.user, pk)
    findings = reports.survey_findings(survey)
    if fmt == "json":
        response = JsonResponse(findings, json_dumps_params={"indent": 2, "ensure_ascii": False})
    elif fmt == "csv":
        response = HttpResponse(reports.as_csv(findings), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{_filename(survey, "csv")}"'
    elif fmt == "pdf":
        pdf = findings_pdf(
            survey, findings, rules_url=request.build_absolute_uri(reverse("findings:rules"))
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{_filename(survey, "pdf")}"'
    else:
        raise Http404("There is no such download: choose json, csv or pdf.")
    response["X-Content-Type-Options"] = "nosniff"
    return _private(response, survey)


@login_required
@require_POST
def publish(request, pk: int):
    """Owners and organisers publish or unpublish; 404 outside the organisation, 403 for an
    analyst or a delegate."""
    survey = survey_for_user(request.user, pk, roles=Membership.RUNS_SURVEYS)
    action = request.POST.get("action", "")
    if action not in {"publish", "unpublish"}:
        messages.error(request, "Choose whether to publish or unpublish the findings.")
        return redirect("findings:survey", pk=pk)
    services.survey_set_published(survey=survey, published=action == "publish", user=request.user)
    if survey.published:
        messages.success(
            request, "The findings are published: anyone with the address can now read them."
        )
    else:
        messages.success(
            request, "The findings are no longer published: only your organisation sees them."
        )
    return redirect("findings:survey", pk=pk)


def standalone_html(survey: Survey, findings: dict[str, Any]) -> str:
    """The findings as one self-contained HTML document (for `freeassoc findings --format
    html`): the same templates, the stylesheets inlined, every indicator's breakdowns and the
    disclosure rules on the one page, linked by anchors."""
    from django.contrib.staticfiles import finders
    from django.template.loader import render_to_string

    css = "\n".join(
        Path(finders.find(path)).read_text(encoding="utf-8")
        for path in ("freeassoc/site.css", "findings/findings.css")
    )
    context = page_context(
        survey,
        findings,
        **overview(findings, lambda ident: f"#ind-{ident}"),
        standalone=True,
        css=css,
        details=[indicator_detail(findings, i["id"]) for i in findings["indicators"]],
    )
    return render_to_string("findings/standalone.html", context)
