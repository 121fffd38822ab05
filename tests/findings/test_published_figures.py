"""The demo data set reproduces every figure the essay publishes, computed by the platform.

Expected figures are INDICATORS.md's, typed in tests/findings/published.py; each indicator is
checked twice: through the engine (YAML definitions, polars) and through a plain-Python reading
of INDICATORS.md, so neither can drift from the essay unnoticed.
"""

import pytest

from freeassoc.findings import disclosure
from freeassoc.findings.synthetic import generate_answers

from .conftest import compute
from .published import (
    PUBLISHED,
    PUBLISHED_MEDIAN_PAY_BAND,
    plain_count,
    plain_median_band,
    whole_percent,
)


@pytest.mark.parametrize("ident", sorted(PUBLISHED))
def test_the_engine_reproduces_the_published_figure(report, ident):
    result = report.indicator(ident)
    count, base = int(result.count[0]), int(result.base[0])
    assert whole_percent(count, base) == PUBLISHED[ident], f"{count}/{base}"


@pytest.mark.parametrize("ident", sorted(PUBLISHED))
def test_the_engine_agrees_with_a_plain_reading_of_the_definition(report, answers, ident):
    result = report.indicator(ident)
    assert (int(result.count[0]), int(result.base[0])) == plain_count(answers, ident)


@pytest.mark.parametrize("ident", sorted(PUBLISHED))
def test_the_published_output_shows_the_figure(report, ident):
    shown = next(i for i in disclosure.publish(report)["indicators"] if i["id"] == ident)
    assert not shown["suppressed"]
    assert round(shown["percent"]) == PUBLISHED[ident]
    assert shown["ci_low"] < shown["percent"] < shown["ci_high"]


def test_the_median_pay_band_is_400_to_499(report, answers):
    shown = next(
        i for i in disclosure.publish(report)["indicators"] if i["id"] == "pay_median_band"
    )
    assert shown["value_label"] == PUBLISHED_MEDIAN_PAY_BAND
    assert shown["base"] == sum(
        1 for a in answers if a.get("weekly_pay") not in (None, "prefer_not")
    )
    assert plain_median_band(answers) == PUBLISHED_MEDIAN_PAY_BAND


@pytest.mark.parametrize("n, seed", [(1000, 1), (1001, 7), (1234, 3), (2000, 11), (10_000, 5)])
def test_the_figures_hold_for_other_sizes_and_seeds(n, seed):
    answers = generate_answers(n, seed)
    wrong = {
        ident: plain_count(answers, ident)
        for ident, expected in PUBLISHED.items()
        if whole_percent(*plain_count(answers, ident)) != expected
    }
    assert not wrong
    assert plain_median_band(answers) == PUBLISHED_MEDIAN_PAY_BAND


def test_every_published_indicator_is_defined_once(indicator_set):
    ids = [i.id for i in indicator_set.indicators]
    assert sorted(ids) == sorted([*PUBLISHED, "pay_median_band"])


def test_the_definitions_file_quotes_the_essay(indicator_set):
    quoted = {i.id: i.published for i in indicator_set.indicators}
    assert quoted == {**PUBLISHED, "pay_median_band": PUBLISHED_MEDIAN_PAY_BAND}


def test_every_indicator_states_its_denominator_in_words(indicator_set):
    for ind in indicator_set.indicators:
        assert ind.denominator_label and ind.label


@pytest.mark.parametrize(
    "ident", ["concerns_conditions_iapt_vs_rest", "concerns_care_iapt_vs_rest"]
)
def test_iapt_workers_raise_concerns_significantly_more_than_the_rest(report, ident):
    result = report.comparison(ident)
    (iapt_yes, iapt_no), (rest_yes, rest_no) = result.table
    assert iapt_yes / (iapt_yes + iapt_no) > rest_yes / (rest_yes + rest_no)
    assert result.test.p_value < 0.001


def test_part_time_and_full_time_differ_by_sector(report):
    result = report.comparison("part_time_by_sector")
    assert result.table.shape == (2, 6)
    assert result.test.p_value < 0.05


def test_comparisons_are_published_with_their_test(report):
    for comparison in disclosure.publish(report)["comparisons"]:
        assert not comparison["suppressed"]
        assert comparison["test"] and comparison["p_value"] is not None


def test_a_smaller_demo_still_matches(indicator_set):
    answers = generate_answers(1000, 2017)
    report = compute(answers, indicator_set)
    for ident, expected in PUBLISHED.items():
        result = report.indicator(ident)
        assert whole_percent(int(result.count[0]), int(result.base[0])) == expected, ident
