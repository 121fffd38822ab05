"""The printable summary of a surgery, as a PDF built with reportlab (no fonts or images
fetched from anywhere: the standard Helvetica of every PDF reader)."""

import io
from xml.sax.saxutils import escape

from django.http import HttpResponse
from django.utils.text import slugify
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from . import selectors
from .models import Surgery


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def plan_pdf(surgery: Surgery) -> bytes:
    data = selectors.plan(surgery)
    sheet = getSampleStyleSheet()
    body, small = sheet["BodyText"], ParagraphStyle("small", parent=sheet["BodyText"], fontSize=8)
    h1, h2, h3 = sheet["Title"], sheet["Heading2"], sheet["Heading3"]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"Action plan: {surgery.title}",
        author="Free Association",
        subject="Survival Surgery action plan",
    )
    story = []
    if surgery.is_synthetic:
        story.append(_p("Demonstration: everything in this plan is synthetic, made up.", h3))
    story += [
        _p(f"Action plan: {surgery.title}", h1),
        _p(
            f"Survival Surgery for {surgery.get_kind_display().lower()} · "
            f"{surgery.get_region_display()} · {surgery.get_sector_display()} · "
            f"held {surgery.created_on:%-d %B %Y}",
            body,
        ),
        _p(
            "Confidential to the people who took part. Names of third parties are not recorded. "
            f"Everything here is deleted on {surgery.delete_on:%-d %B %Y}.",
            small,
        ),
        Spacer(1, 4 * mm),
        _p(f"Next steps ({data['done']} of {len(data['steps'])} done)", h2),
    ]
    if data["steps"]:
        rows = [["Done", "What", "Who", "By when"]]
        for step in data["steps"]:
            rows.append(
                [
                    "Yes" if step.done else "No",
                    _p(step.what, body),
                    _p(step.who, body),
                    f"{step.by_when:%-d %b %Y}" if step.by_when else "",
                ]
            )
        table = Table(rows, colWidths=[14 * mm, 95 * mm, 35 * mm, 28 * mm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.grey),
                ]
            )
        )
        story.append(table)
    else:
        story.append(_p("No steps were agreed.", body))
    story.append(_p("The problems we took forward", h2))
    for problem in data["chosen"]:
        themes = ", ".join(t.label for t in problem.theme_list)
        story.append(_p(problem.text, h3))
        story.append(_p(f"Themes: {themes} · {problem.dot_count} dots", small))
        for note in problem.notes.all():
            label = selectors.resource_label(note.resource)
            story.append(_p(f"• {note.text}" + (f" ({label})" if label else ""), body))
    if not data["chosen"]:
        story.append(_p("No problem was taken forward.", body))
    if data["general_notes"]:
        story.append(_p("What we know, in general", h2))
        story += [_p(f"• {n.text}", body) for n in data["general_notes"]]
    if data["other_problems"]:
        story.append(_p("Other problems named", h2))
        story += [_p(f"• {p.text} ({p.dot_count} dots)", body) for p in data["other_problems"]]
    doc.build(story)
    return out.getvalue()


def plan_pdf_response(surgery: Surgery) -> HttpResponse:
    response = HttpResponse(plan_pdf(surgery), content_type="application/pdf")
    name = slugify(surgery.title)[:50] or "surgery"
    response["Content-Disposition"] = f'attachment; filename="action-plan-{name}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
