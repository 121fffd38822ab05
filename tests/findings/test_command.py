"""`findings SURVEY --format json|csv`: the published findings of a survey on stdout."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from freeassoc.findings.management.commands.findings import Command
from freeassoc.findings.synthetic import generate_answers

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


@pytest.mark.parametrize("fmt", ["html", "pdf", "HTML"])
def test_html_and_pdf_are_refused_for_now(demo, fmt):
    with pytest.raises(CommandError, match="not available yet"):
        run(str(demo.pk), "--format", fmt)


def test_an_unknown_format_is_refused(demo):
    with pytest.raises(CommandError, match="Unknown format 'xml'"):
        run(str(demo.pk), "--format", "xml")


def test_an_unknown_survey_is_refused():
    with pytest.raises(CommandError, match="No survey has the number or title 'nothing'"):
        run("nothing")


def test_an_ambiguous_title_asks_for_a_number():
    first = make_survey("Twice", generate_answers(60, 1))
    second = make_survey("Twice", generate_answers(60, 2))
    with pytest.raises(CommandError, match=f"name one by number: {first.pk}, {second.pk}"):
        run("twice")
