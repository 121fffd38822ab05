"""The findings of a survey as a PDF report, built with reportlab in the house style of the
surgeries' action plan: the standard Helvetica of every PDF reader, nothing fetched.

It prints survey_findings() -- the figures after disclosure control -- and nothing else: a
suppressed figure is printed as "suppressed", never as a number.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from . import reports

WIDTH = A4[0] - 36 * mm
SHORT = 24  # characters that fit any column unwrapped


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(str(text)), style)


class _Styles:
    def __init__(self):
        sheet = getSampleStyleSheet()
        self.body = sheet["BodyText"]
        self.small = ParagraphStyle("small", parent=self.body, fontSize=8, leading=10)
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=8.5, leading=10.5)
        self.h1, self.h2, self.h3 = sheet["Title"], sheet["Heading2"], sheet["Heading3"]
        self.notice = ParagraphStyle(
            "notice", parent=self.body, fontName="Helvetica-Bold", borderColor=colors.orange,
            borderWidth=1.5, borderPadding=5, backColor=colors.HexColor("#fff8ec"),
            spaceBefore=4, spaceAfter=10,
        )  # fmt: skip


def _table(rows: list[list], widths: list[float], styles: _Styles, wrap: int = 1) -> Table:
    """A table whose first `wrap` columns (the labels) wrap; the figures are plain strings,
    which reportlab lays out many times faster than paragraphs."""
    head, *body = rows
    data = [[_p(h, styles.cell) for h in head]] + [
        [
            _p(cell, styles.cell) if i < wrap and len(cell) > SHORT else cell
            for i, cell in enumerate(row)
        ]  # fmt: skip
        for row in body
    ]
    table = Table(data, colWidths=[w * WIDTH for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.grey),
                ("FONTSIZE", (0, 1), (-1, -1), 8.5),
                ("ALIGN", (wrap, 1), (-1, -1), "RIGHT"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


FIGURE_HEAD = ["Figure", "Count", "Base", "Per cent", "95% interval"]
FIGURE_WIDTHS = [0.46, 0.11, 0.11, 0.11, 0.21]
BAND_HEAD = ["Figure", "Base", "Median band", "95% interval"]
BAND_WIDTHS = [0.40, 0.11, 0.22, 0.27]


def _figure_row(label: str, view: dict[str, Any]) -> list[str]:
    return [label, view["count"], view["base"], view["percent"], view["interval"]]


def _band_row(label: str, view: dict[str, Any]) -> list[str]:
    return [label, view["base"], view["value"], view["interval"]]


def findings_pdf(survey, findings: dict[str, Any], *, rules_url: str = "") -> bytes:
    """The report, as the bytes of a PDF file. `rules_url` is the address of the page that
    explains the disclosure rules, printed beside their summary."""
    s = _Styles()
    k, min_base = findings["k"], findings["min_base"]
    synthetic = findings["survey"]["synthetic"]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=f"Findings: {survey.title}",
        author="Free Association",
        subject="Survey findings" + (" (synthetic demo data)" if synthetic else ""),
        pageCompression=1,
    )

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        text = f"Findings: {survey.title} · page {document.page}"
        if synthetic:
            text = "SYNTHETIC DEMO DATA · " + text
        canvas.drawString(18 * mm, 10 * mm, text)
        canvas.restoreState()

    story: list = []
    if synthetic:
        story.append(_p(findings["survey"]["notice"], s.notice))
    story.append(_p(f"Findings: {survey.title}", s.h1))
    respondents = findings["respondents"]
    about = [survey.organisation.name, survey.instrument.title]
    if respondents is not None:
        about.append(f"{reports.number(respondents)} respondents")
    about.append(f"report made {timezone.localdate():%-d %B %Y}")
    story.append(_p(" · ".join(about), s.body))
    if not survey.published:
        story.append(
            _p(
                "Not published: for the organisation's own use until it publishes the findings.",
                s.notice,
            )  # fmt: skip
        )

    story.append(_p("Method and disclosure rules, in brief", s.h2))
    rules = [
        "Each figure is a count of respondents out of a base, which is named in words beside "
        "it, with the percentage and its 95% Wilson interval.",
        f"A count under {k} is suppressed. Other figures are withheld where they would let a "
        "suppressed one be worked out by subtraction (secondary suppression). "
        + reports.suppressed_words(k),
        reports.no_percent_words(min_base),
        "Breakdowns are by region, sector and profession only, defined in advance: no free "
        "filters, which could be differenced to single out one person.",
        "Comparisons are tested with a chi-square test, or Fisher's exact test when expected "
        "counts are small; a comparison with any suppressed cell is withheld whole.",
    ]
    story += [_p(f"• {line}", s.body) for line in rules]
    if rules_url:
        story.append(_p(f"The rules in plain words: {rules_url}", s.body))

    story.append(_p("The figures", s.h2))
    for heading, indicators in reports.by_denominator(findings["indicators"]):
        proportions = [i for i in indicators if i["kind"] != "median_band"]
        bands = [i for i in indicators if i["kind"] == "median_band"]
        block: list = [_p(heading, s.h3)]
        if proportions:
            rows = [FIGURE_HEAD] + [
                _figure_row(i["label"], reports.cell_view(i)) for i in proportions
            ]
            block.append(_table(rows, FIGURE_WIDTHS, s))
        if bands:
            rows = [BAND_HEAD] + [_band_row(i["label"], reports.band_view(i)) for i in bands]
            block.append(_table(rows, BAND_WIDTHS, s, wrap=4))
        story.append(KeepTogether(block))
    story.append(Spacer(1, 2 * mm))
    story.append(_p(reports.suppressed_words(k), s.small))

    story.append(_p("Comparisons", s.h2))
    for comp in findings["comparisons"]:
        block = [_p(comp["label"], s.h3)]
        if comp["suppressed"]:
            block.append(_p("Withheld: one of its cells is a small number, and the test's "
                            "result could give it away.", s.body))  # fmt: skip
            story.append(KeepTogether(block))
            continue
        rows = [["Group", "Answer", "Count", "Base", "Per cent", "95% interval"]]
        for row in comp["rows"]:
            for cell in row["cells"]:
                view = reports.cell_view({**cell, "base": row["base"], "suppressed": False})
                rows.append([row["label"], cell["label"], view["count"], view["base"],
                             view["percent"], view["interval"]])  # fmt: skip
        block.append(_table(rows, [0.25, 0.27, 0.1, 0.1, 0.1, 0.18], s, wrap=2))
        if comp["test"]:
            block.append(_p(f"Test: {reports.method_words(comp)}.", s.body))
            block.append(_p(reports.p_value_words(comp["p_value"]), s.body))
        else:
            block.append(_p("No test could be made: the groups are too few or empty.", s.body))
        story.append(KeepTogether(block))

    story.append(_p("Each figure by region, sector and profession", s.h2))
    for ind in findings["indicators"]:
        band = ind["kind"] == "median_band"
        story.append(_p(ind["label"], s.h3))
        story.append(_p(reports.figure_sentence(ind), s.body))
        for question, breakdown in ind["breakdowns"].items():
            name = reports.breakdown_name(question)
            if band:
                rows = [[name.capitalize(), "Base", "Median band", "95% interval"]]
                rows += [_band_row(c["label"], reports.band_view(c)) for c in breakdown["cells"]]
                widths = BAND_WIDTHS
            else:
                rows = [[name.capitalize(), *FIGURE_HEAD[1:]]]
                rows += [_figure_row(c["label"], reports.cell_view(c)) for c in breakdown["cells"]]
                widths = FIGURE_WIDTHS
            story.append(
                KeepTogether(
                    [
                        _p(
                            f"By {name}: {reports.in_each_words(ind['denominator_label'], name)}",
                            s.small,
                        ),
                        _table(rows, widths, s, wrap=4 if band else 1),
                        Spacer(1, 2 * mm),
                    ]
                )  # fmt: skip
            )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
