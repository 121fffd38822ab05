"""Published findings of a survey: the engine's report through disclosure control, with what
a reader needs to know about where the figures come from. The only way figures leave the app."""

from __future__ import annotations

import io
from typing import Any

from freeassoc.core import spreadsheets

from . import disclosure, engine

SYNTHETIC_NOTICE = "Synthetic demo data: made up to reproduce the essay's figures, not a survey."

CSV_COLUMNS = [
    "synthetic", "kind", "id", "label", "denominator_label", "breakdown", "group",
    "group_label", "count", "base", "percent", "ci_low", "ci_high", "suppressed", "value",
    "test", "p_value",
]  # fmt: skip


def survey_findings(survey, using: str = "default") -> dict[str, Any]:
    """The publishable findings of one survey, suppressed at the survey's own threshold."""
    report = engine.report_for_surveys([survey], using=using)
    published = disclosure.publish(report, k=survey.disclosure_k)
    meta: dict[str, Any] = {
        "id": survey.pk,
        "title": survey.title,
        "synthetic": survey.is_synthetic,
    }
    if survey.is_synthetic:
        meta["notice"] = SYNTHETIC_NOTICE
    return {"survey": meta, **published}


def as_csv(findings: dict[str, Any]) -> str:
    """One row per figure: each indicator's total and breakdown cells, then each comparison
    cell with its test."""
    out = io.StringIO()
    writer = spreadsheets.DictWriter(out, CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    synthetic = findings["survey"]["synthetic"]
    for ind in findings["indicators"]:
        common = {"synthetic": synthetic, "kind": ind["kind"], "id": ind["id"],
                  "label": ind["label"], "denominator_label": ind["denominator_label"]}  # fmt: skip
        writer.writerow({**common, **ind, "breakdown": "", "group": engine.TOTAL,
                         "group_label": "All", "value": ind.get("value_label")})  # fmt: skip
        for question, breakdown in ind["breakdowns"].items():
            for cell in breakdown["cells"]:
                writer.writerow({**common, **cell, "breakdown": question, "group": cell["code"],
                                 "group_label": cell["label"], "label": ind["label"],
                                 "value": cell.get("value_label")})  # fmt: skip
    for comp in findings["comparisons"]:
        common = {"synthetic": synthetic, "kind": "comparison", "id": comp["id"],
                  "label": comp["label"], "denominator_label": comp["denominator_label"],
                  "test": comp["test"], "p_value": comp["p_value"],
                  "suppressed": comp["suppressed"]}  # fmt: skip
        if comp["suppressed"]:
            writer.writerow(common)
        for row in comp["rows"]:
            for cell in row["cells"]:
                writer.writerow({**common, **cell, "breakdown": row["code"], "group": cell["code"],
                                 "group_label": f"{row['label']}: {cell['label']}",
                                 "base": row["base"], "label": comp["label"]})  # fmt: skip
    return out.getvalue()


# --- Words and figures for readers: shared by the page, the PDF and the HTML file ----------
#
# Everything below formats what survey_findings() returned; none of it sees a raw count, so
# nothing here can publish a figure that disclosure control withheld.

SUPPRESSED = "suppressed"


def number(n: int) -> str:
    return f"{n:,}"


def percent(value: float) -> str:
    return f"{value:.1f}%"


def suppressed_words(k: int) -> str:
    """Why a figure is missing. Deliberately the same for every suppressed cell: saying which
    ones are small and which were withheld to protect them would narrow them down."""
    return (
        f"Suppressed: fewer than {k} people, or withheld so that a count under {k} cannot be "
        "worked out from the other figures."
    )


def no_percent_words(min_base: int) -> str:
    return f"No percentage is given on a base of fewer than {min_base} people."


def denominator_words(base: int | None, label: str) -> str:
    """The denominator of a figure in words: "Of the 1,350 respondents who state their pay"."""
    if label.startswith("all "):
        rest = label[len("all ") :]
        if base is None:
            return f"Of all {rest} (their number is withheld)"
        return f"Of all {number(base)} {rest}"
    if base is None:
        return f"Of the {label} (their number is withheld)"
    return f"Of the {number(base)} {label}"


def cell_view(cell: dict[str, Any]) -> dict[str, Any]:
    """One published cell, ready to print: its state and each figure as text.

    state: "empty" (nobody in the group), "suppressed", "no_percent" (the count on a base
    under the minimum) or "shown"."""
    base, count = cell.get("base"), cell.get("count")
    view: dict[str, Any] = {
        "count": "" if count is None else number(count),
        "base": "withheld" if base is None else number(base),
        "percent": "",
        "interval": "",
        "percent_value": cell.get("percent"),
        "ci_low": cell.get("ci_low"),
        "ci_high": cell.get("ci_high"),
    }
    if base == 0:
        view.update(state="empty", count="0", short="nobody in this group")
    elif cell.get("suppressed"):
        view.update(state="suppressed", count=SUPPRESSED, short=SUPPRESSED)
    elif cell.get("percent") is None:
        view.update(
            state="no_percent",
            percent="no percentage",
            short=f"{number(count)} of {number(base)}: base too small for a percentage",
        )
    else:
        view.update(
            state="shown",
            percent=percent(cell["percent"]),
            # A no-break space: "71.7% to" and "76.2%" on two lines if they must wrap.
            interval=f"{percent(cell['ci_low'])}\u00a0to {percent(cell['ci_high'])}",
            short=percent(cell["percent"]),
        )
    return view


def band_view(cell: dict[str, Any]) -> dict[str, Any]:
    """A median band cell, ready to print."""
    base = cell.get("base")
    view: dict[str, Any] = {"base": "withheld" if base is None else number(base)}
    if base == 0:
        view.update(state="empty", value="nobody in this group", interval="")
    elif cell.get("suppressed"):
        view.update(state="suppressed", value=SUPPRESSED, interval="")
    elif cell.get("value_label") is None:
        view.update(state="no_percent", value="base too small for a median", interval="")
    else:
        low, high = cell["value_ci_low"], cell["value_ci_high"]
        interval = f"within {low}" if low == high else f"from {low} to {high}"
        view.update(state="shown", value=cell["value_label"], interval=interval)
    return view


def p_value_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}".rstrip("0").rstrip(".")


def p_value_words(p: float | None) -> str:
    """What a p-value means, in words a shop steward can repeat."""
    if p is None:
        return "No test could be made: the groups are too few or empty."
    if p < 0.001:
        chance = "less than once in a thousand times"
        verdict = "strong evidence of a real difference"
    elif p < 0.01:
        chance = "less than once in a hundred times"
        verdict = "good evidence of a real difference"
    elif p < 0.05:
        chance = "less than once in twenty times"
        verdict = "some evidence of a real difference"
    else:
        return (
            f"A difference as large as this could well arise by chance ({p_value_text(p)}): "
            "no clear evidence that the groups differ."
        )
    return (
        f"If the groups did not really differ, a difference as large as this would arise by "
        f"chance {chance} ({p_value_text(p)}): {verdict}."
    )


def method_words(comparison: dict[str, Any]) -> str:
    """The test used and its statistic, e.g. "Chi-square test ... (χ² = 69.67, 1 degree of
    freedom)"."""
    name = comparison.get("test")
    if not name:
        return ""
    if comparison.get("statistic") is not None and comparison.get("dof") is not None:
        dof = comparison["dof"]
        return (
            f"{name} (chi-square = {comparison['statistic']:.2f}, "
            f"{dof} degree{'s' if dof != 1 else ''} of freedom)"
        )
    return name


def breakdown_name(question: str) -> str:
    """A breakdown's short name from its question: "region" -> "region"."""
    return question.replace("_", " ")


def figure_sentence(ind: dict[str, Any]) -> str:
    """An indicator's overall figure as a sentence that names its denominator."""
    lead = denominator_words(ind["base"], ind["denominator_label"])
    if ind["kind"] == "median_band":
        band = band_view(ind)
        if band["state"] == "shown":
            return (
                f"{lead}, the median is in the band {band['value']} "
                f"(95% interval: {band['interval']})."
            )
        if band["state"] == "empty":
            return "Nobody answered this question."
        return f"{lead}: the median is not published ({band['value']})."
    view = cell_view(ind)
    if view["state"] == "shown":
        return (
            f"{lead}: {view['count']}, that is {view['percent']} (95% interval {view['interval']})."
        )
    if view["state"] == "no_percent":
        return f"{lead}: {view['count']}. The base is too small for a percentage."
    if view["state"] == "empty":
        return "Nobody is in this group."
    return f"{lead}: the count is suppressed."


def by_denominator(indicators: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Indicators grouped by their denominator (in order of first appearance), each group
    headed by that denominator in words: a chart or table then has one base."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for ind in indicators:
        groups.setdefault((ind["denominator_label"], ind["base"]), []).append(ind)
    return [(denominator_words(base, label), inds) for (label, base), inds in groups.items()]


def in_each_words(label: str, breakdown: str) -> str:
    """The base of a breakdown's cells: "of the respondents who state their pay in each
    region", "of all respondents in each sector"."""
    if label.startswith("all "):
        return f"of {label} in each {breakdown}"
    return f"of the {label} in each {breakdown}"
