"""Intervals and tests against independent computations: statsmodels for Wilson intervals,
scipy on contingency tables built here from the raw answers (not from the engine's tables)."""

import itertools

import numpy as np
import pytest
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import proportion_confint

from freeassoc.findings import disclosure, stats

from .conftest import compute
from .published import iapt_within, ticked

GRID = [(0, 1), (0, 30), (1, 30), (15, 30), (29, 30), (30, 30), (7, 345), (190, 345), (1110, 1500),
        (16, 390), (999_000, 1_000_000), (3, 1_000_000)]  # fmt: skip


@pytest.mark.parametrize("count, base", GRID)
def test_wilson_matches_statsmodels(count, base):
    low, high = stats.wilson(np.array([count]), np.array([base]))
    expected = proportion_confint(count, base, alpha=0.05, method="wilson")
    assert low[0] == pytest.approx(expected[0], abs=1e-12)
    assert high[0] == pytest.approx(expected[1], abs=1e-12)


def test_published_intervals_match_statsmodels(report):
    for shown in disclosure.publish(report)["indicators"]:
        if shown["kind"] != "proportion":
            continue
        low, high = proportion_confint(shown["count"], shown["base"], method="wilson")
        assert shown["ci_low"] == pytest.approx(100 * low, abs=0.05), shown["id"]
        assert shown["ci_high"] == pytest.approx(100 * high, abs=0.05), shown["id"]


def _plain_table(answers, rows, columns):
    return np.array([[sum(1 for a in answers if r(a) and c(a)) for c in columns] for r in rows])


@pytest.mark.parametrize(
    "ident, code",
    [
        ("concerns_conditions_iapt_vs_rest", "conditions"),
        ("concerns_care_iapt_vs_rest", "patient_care"),
    ],
)
def test_iapt_comparisons_match_scipy_chi_square(report, answers, ident, code):
    table = _plain_table(
        answers,
        [iapt_within, lambda a: not iapt_within(a)],
        [
            lambda a: ticked(a, "raised_concerns", code),
            lambda a: not ticked(a, "raised_concerns", code),
        ],
    )
    expected = scipy_stats.chi2_contingency(table, correction=True)
    result = report.comparison(ident)
    assert result.table.tolist() == table.tolist()
    assert "chi-square" in result.test.name.lower()
    assert result.test.p_value == pytest.approx(expected.pvalue, rel=1e-9)
    assert result.test.statistic == pytest.approx(expected.statistic, rel=1e-9)


def test_part_time_by_sector_matches_scipy_chi_square(report, answers):
    sectors = ["nhs", "third_sector", "private", "private_practice", "education", "other"]
    table = _plain_table(
        answers,
        [lambda a, h=h: a["hours"] == h for h in ("full_time", "part_time")],
        [lambda a, s=s: a["sector"] == s for s in sectors],
    )
    expected = scipy_stats.chi2_contingency(table)
    result = report.comparison("part_time_by_sector")
    assert result.test.name == "Pearson's chi-square test"
    assert result.test.dof == 5
    assert result.test.p_value == pytest.approx(expected.pvalue, rel=1e-9)


def test_a_small_expected_count_switches_to_fishers_exact_test(answers, indicator_set):
    # 40 respondents: few IAPT workers, so an expected cell falls under 5.
    few = [a for a in answers if not iapt_within(a)][:34] + [a for a in answers if iapt_within(a)][
        :6
    ]
    result = compute(few, indicator_set).comparison("concerns_care_iapt_vs_rest")
    table = _plain_table(
        few,
        [iapt_within, lambda a: not iapt_within(a)],
        [lambda a: ticked(a, "raised_concerns", "patient_care"),
         lambda a: not ticked(a, "raised_concerns", "patient_care")],
    )  # fmt: skip
    assert scipy_stats.contingency.expected_freq(table).min() < 5
    assert result.test.name == "Fisher's exact test"
    assert result.test.p_value == pytest.approx(scipy_stats.fisher_exact(table).pvalue, rel=1e-12)


def _exact_rxc_p_value(table):
    """Fisher-Freeman-Halton by enumerating every table with the same margins."""
    table = np.asarray(table)
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    distribution = scipy_stats.random_table(rows, cols)
    observed = distribution.pmf(table)
    total = 0.0
    free = [range(min(rows[0], c) + 1) for c in cols[:-1]]
    for first in itertools.product(*free):
        last = rows[0] - sum(first)
        if not 0 <= last <= cols[-1]:
            continue
        top = np.array([*first, last])
        candidate = np.vstack([top, cols - top])
        p = distribution.pmf(candidate)
        if p <= observed * (1 + 1e-7):
            total += p
    return total


def test_larger_tables_with_small_counts_use_fishers_test_by_monte_carlo():
    table = np.array([[3, 1, 6], [2, 8, 1]])
    result = stats.independence_test(table)
    assert result.name.startswith("Fisher's exact test (Monte Carlo")
    # 9,999 simulated tables: within four standard errors of the exact p-value.
    exact = _exact_rxc_p_value(table)
    assert abs(result.p_value - exact) < 4 * np.sqrt(exact * (1 - exact) / 9_999) + 1e-4
    assert stats.independence_test(table).p_value == result.p_value  # a fixed seed


def test_empty_rows_and_columns_are_dropped_before_testing():
    assert stats.independence_test(np.array([[10, 0, 20], [30, 0, 5]])).dof == 1
    assert stats.independence_test(np.array([[10, 20], [0, 0]])) is None


@pytest.mark.parametrize(
    "counts, expected",
    [([1], 0), ([1, 1], 0), ([1, 2], 1), ([5, 0, 5], 0), ([4, 0, 6], 2), ([0, 0, 3, 0], 2)],
)
def test_the_median_band_is_the_band_holding_the_lower_median(counts, expected):
    values = sorted(i for i, c in enumerate(counts) for _ in range(c))
    assert values[(len(values) - 1) // 2] == expected
    assert stats.median_position(np.array(counts)) == expected
