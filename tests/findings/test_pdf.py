"""The PDF report: what it says, read back from the file's own content streams."""

import re

import pytest
from django.test import Client

from freeassoc.findings import engine
from freeassoc.findings.pdf import findings_pdf
from freeassoc.findings.reports import survey_findings
from freeassoc.surveys.models import Response

from .pdf_text import pdf_strings

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(survey, answers):
    survey.is_synthetic = True
    survey.published = True
    survey.save()
    Response.objects.bulk_create(
        Response(survey=survey, instrument_version=1, submitted_on="2017-03-01", answers=a)
        for a in answers
    )
    return survey


@pytest.fixture
def report(demo):
    response = Client().get(f"/findings/{demo.pk}/findings.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    return pdf_strings(response.content)


def _joined(strings):
    return " ".join(strings)


def test_it_opens_with_the_title_the_synthetic_notice_and_the_rules(demo, report):
    text = _joined(report)
    assert report[0].startswith("SYNTHETIC DEMO DATA")  # the footer of every page
    assert sum(s.startswith("SYNTHETIC DEMO DATA") for s in report) > 3
    assert "Synthetic demo data: made up" in text
    assert f"Findings: {demo.title}" in report
    assert "Method and disclosure rules, in brief" in report
    assert "A count under 10 is suppressed." in text
    assert "No percentage is given on a base of fewer than 30 people." in text
    assert "http://testserver/findings/rules/" in text


def test_each_indicator_has_its_denominator_in_words_and_its_figures(demo, report):
    findings = survey_findings(demo)
    text = _joined(report)
    for ind in findings["indicators"]:
        label = ind["denominator_label"]
        words = f"Of all {ind['base']:,} {label[4:]}" if label.startswith("all ") else (
            f"Of the {ind['base']:,} {label}")  # fmt: skip
        assert words in text, ind["id"]
        if ind["kind"] == "proportion":
            shown = [" ".join(s.split()) for s in report]  # a no-break space is a space
            assert f"{ind['ci_low']:.1f}% to {ind['ci_high']:.1f}%" in shown, ind["id"]
            assert f"{ind['percent']:.1f}%" in report
    assert "£400 to £499" in text  # the median band


def test_the_comparisons_give_their_test_in_words(demo, report):
    text = _joined(report)
    assert "Test: Chi-square test with Yates' continuity correction" in text
    assert "p < 0.001" in text
    assert "Part-time against full-time, by sector" in report


def test_a_suppressed_cell_is_printed_as_suppressed_never_as_its_number(demo, report):
    findings = survey_findings(demo)
    raw = engine.report_for_surveys([demo])
    # The breakdown tables come in order: each indicator by region, sector and profession,
    # each under a line "By <breakdown>: of ... in each <breakdown>".
    tables = [i for i, s in enumerate(report) if re.match(r"By (region|sector|profession): ", s)]
    expected = [(ind, q) for ind in findings["indicators"] for q in ind["breakdowns"]]
    assert len(tables) == len(expected)
    checked = 0
    for at, (ind, question) in zip(tables, expected, strict=True):
        assert report[at].startswith(f"By {question}: ")
        if ind["kind"] != "proportion":
            continue
        offset = raw.groups.slices[question].start
        for i, cell in enumerate(ind["breakdowns"][question]["cells"]):
            row = report.index(cell["label"], at)
            true = int(raw.indicator(ind["id"]).count[offset + i])
            if not cell["suppressed"]:
                continue
            # The label, then "suppressed", then the base (or "withheld"): never the count.
            base = "withheld" if cell["base"] is None else f"{cell['base']:,}"
            assert report[row + 1 : row + 3] == ["suppressed", base], (ind["id"], cell)
            assert true == cell["base"] or f"{true:,}" not in report[row + 1 : row + 3]
            checked += 1
    assert checked > 100


def test_the_pdf_of_a_small_survey_has_no_figure_under_k(survey, answers):
    """40 respondents: almost everything is suppressed, and the PDF still builds."""
    Response.objects.bulk_create(
        Response(survey=survey, instrument_version=1, submitted_on="2017-03-01", answers=a)
        for a in answers[:40]
    )
    findings = survey_findings(survey)
    strings = pdf_strings(findings_pdf(survey, findings))
    assert "Not published: for the organisation's own use until it publishes the findings." in (
        _joined(strings)
    )
    assert "suppressed" in strings
    assert "No percentage is given on a base of fewer than 30 people." in _joined(strings)
