"""Published findings of a survey: the engine's report through disclosure control, with what
a reader needs to know about where the figures come from. The only way figures leave the app."""

from __future__ import annotations

import csv
import io
from typing import Any

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
    writer = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
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
