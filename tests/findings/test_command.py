"""`findings SURVEY --format json|csv|html|pdf [--output FILE]`: the published findings of a
survey, on stdout or in a file."""

import csv
import io
import json
import re

import pytest
from django.core.management import CommandError, call_command

from freeassoc.findings.management.commands.findings import Command
from freeassoc.findings.synthetic import generate_answers

from .html_tables import parse, to_number
from .pdf_text import pdf_strings
from .published import PUBLISHED, whole_percent
from .test_frame import make_survey

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    # The command object itself: it works whether or not the app is installed yet.
    call_command(Command(), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo():
    survey = make_survey("Surviving Work demo", generate_answers(1500, 2017))
    survey.is_synthetic = True
    survey.save()
    return survey


def test_json_output_carries_every_indicator_and_says_it_is_synthetic(demo):
    findings = json.loads(run(str(demo.pk), "--format", "json"))
    assert findings["survey"]["synthetic"] is True
    assert "Synthetic" in findings["survey"]["notice"]
    assert findings["respondents"] == 1500
    shown = {i["id"]: i for i in findings["indicators"]}
    for ident, expected in PUBLISHED.items():
        assert whole_percent(shown[ident]["count"], shown[ident]["base"]) == expected
        for key in ("label", "denominator_label", "percent", "ci_low", "ci_high", "suppressed"):
            assert key in shown[ident]
    assert shown["pay_median_band"]["value_label"] == "£400 to £499"
    tests = {c["id"]: c for c in findings["comparisons"]}
    assert tests["concerns_care_iapt_vs_rest"]["p_value"] < 0.001
    assert tests["concerns_care_iapt_vs_rest"]["test"]


def test_csv_output_has_a_row_per_figure(demo):
    rows = list(csv.DictReader(io.StringIO(run(demo.title, "--format", "csv"))))
    totals = {r["id"]: r for r in rows if r["kind"] == "proportion" and r["group"] == "total"}
    assert set(totals) == set(PUBLISHED)
    assert totals["nhs_any"]["count"] == "1110" and totals["nhs_any"]["base"] == "1500"
    assert all(r["synthetic"] == "True" for r in rows)
    assert {r["breakdown"] for r in rows if r["kind"] == "proportion"} == {
        "", "region", "sector", "profession",
    }  # fmt: skip
    comparison = [r for r in rows if r["kind"] == "comparison"]
    assert {r["id"] for r in comparison} == {
        "concerns_conditions_iapt_vs_rest", "concerns_care_iapt_vs_rest", "part_time_by_sector",
    }  # fmt: skip
    assert all(r["p_value"] for r in comparison)


def test_the_survey_threshold_is_used(demo):
    demo.disclosure_k = 50
    demo.save()
    findings = json.loads(run(str(demo.pk)))
    assert findings["k"] == 50
    shown = {i["id"]: i for i in findings["indicators"]}
    assert shown["non_nhs_spoke_to_colleague"]["suppressed"]  # 16 people, under 50


def test_html_is_one_self_contained_document(demo, tmp_path):
    html = run(str(demo.pk), "--format", "HTML")
    assert html.startswith("<!doctype html>")
    assert "<style>" in html and ".chart-figure" in html  # the stylesheets, inlined
    # Nothing to fetch: no stylesheet, script, image or font from anywhere.
    assert not re.search(r"<(link|script|img)\b", html)
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert "url(" not in html
    assert "Synthetic demo data: made up" in html
    page = parse(html)
    findings = json.loads(run(str(demo.pk)))
    for ind in findings["indicators"]:
        if ind["kind"] == "proportion" and not ind["suppressed"]:
            cells = page.rows[f"row-{ind['id']}"]
            assert to_number(cells[1]) == ind["count"] and to_number(cells[2]) == ind["percent"]
            # Every figure's breakdowns are in the file, linked by anchors.
            assert f'href="#ind-{ind["id"]}"' in html and f'id="ind-{ind["id"]}"' in html
    assert 'id="rules"' in html and "secondary suppression" in html
    out = tmp_path / "findings.html"
    run(str(demo.pk), "--format", "html", "--output", str(out))
    assert out.read_text(encoding="utf-8") == html


def test_pdf_goes_to_a_file(demo, tmp_path):
    out = tmp_path / "report.pdf"
    assert run(str(demo.pk), "--format", "pdf", "--output", str(out)) == ""
    strings = pdf_strings(out.read_bytes())
    assert f"Findings: {demo.title}" in strings
    assert any("Synthetic demo data" in s for s in strings)


def test_pdf_goes_to_standard_output_when_it_is_not_a_terminal(demo):
    raw = io.BytesIO()
    stdout = io.TextIOWrapper(raw, encoding="utf-8")
    call_command(Command(), str(demo.pk), "--format", "pdf", stdout=stdout)
    stdout.flush()
    assert f"Findings: {demo.title}" in pdf_strings(raw.getvalue())


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_pdf_is_not_written_to_a_terminal(demo):
    with pytest.raises(CommandError, match="would garble your terminal.*--output"):
        call_command(Command(), str(demo.pk), "--format", "pdf", stdout=Terminal())


def test_an_output_file_that_cannot_be_written_is_refused(demo, tmp_path):
    with pytest.raises(CommandError, match="Could not write"):
        run(str(demo.pk), "--format", "csv", "--output", str(tmp_path / "no" / "such.csv"))


def test_an_unknown_format_is_refused(demo):
    with pytest.raises(CommandError, match="Unknown format 'xml'. Use --format json, csv, html"):
        run(str(demo.pk), "--format", "xml")


def test_an_unknown_survey_is_refused():
    with pytest.raises(CommandError, match="No survey has the number or title 'nothing'"):
        run("nothing")


def test_an_ambiguous_title_asks_for_a_number():
    first = make_survey("Twice", generate_answers(60, 1))
    second = make_survey("Twice", generate_answers(60, 2))
    with pytest.raises(CommandError, match=f"name one by number: {first.pk}, {second.pk}"):
        run("twice")
