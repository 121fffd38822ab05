"""Intervals and tests. Plain formulas where they are short (Wilson), scipy for the tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

Z95 = float(stats.norm.ppf(0.975))
MIN_EXPECTED = 5  # below this expected count a chi-square approximation is not trusted
MONTE_CARLO_TABLES = 9_999
MONTE_CARLO_SEED = 2017  # fixed, so the same data always give the same p-value


def wilson(count: np.ndarray, base: np.ndarray, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for count/base, element-wise; NaN where base is 0. Chosen over the
    normal approximation because it stays inside [0, 1] and behaves near 0% and 100%."""
    count = np.asarray(count, dtype=float)
    base = np.asarray(base, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = count / base
        denominator = 1 + z**2 / base
        centre = (p + z**2 / (2 * base)) / denominator
        half = z * np.sqrt(p * (1 - p) / base + z**2 / (4 * base**2)) / denominator
    return centre - half, centre + half


@dataclass(frozen=True)
class TestResult:
    name: str
    statistic: float | None
    dof: int | None
    p_value: float


def independence_test(table: np.ndarray) -> TestResult | None:
    """Are rows and columns independent? Chi-square when every expected count is at least 5,
    otherwise Fisher's exact test (exact for 2x2; for larger tables by Monte Carlo, with a
    fixed seed). Rows and columns with no one in them are dropped first; None when fewer
    than two rows or columns remain."""
    table = np.asarray(table, dtype=np.int64)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        return None
    expected = stats.contingency.expected_freq(table)
    if expected.min() >= MIN_EXPECTED:
        result = stats.chi2_contingency(table)  # Yates-corrected when the table is 2x2
        name = (
            "Chi-square test with Yates' continuity correction"
            if table.shape == (2, 2)
            else "Pearson's chi-square test"
        )
        return TestResult(name, float(result.statistic), int(result.dof), float(result.pvalue))
    if table.shape == (2, 2):
        result = stats.fisher_exact(table)
        return TestResult("Fisher's exact test", None, None, float(result.pvalue))
    method = stats.MonteCarloMethod(
        n_resamples=MONTE_CARLO_TABLES, rng=np.random.default_rng(MONTE_CARLO_SEED)
    )
    result = stats.fisher_exact(table, method=method)
    return TestResult(
        f"Fisher's exact test (Monte Carlo, {MONTE_CARLO_TABLES:,} tables)",
        None,
        None,
        float(result.pvalue),
    )


def median_position(counts: np.ndarray) -> int | None:
    """Index of the band holding the median of values counted by band (the lower median when
    the count is even): the first band where the running total reaches half."""
    counts = np.asarray(counts)
    total = int(counts.sum())
    if total == 0:
        return None
    return int(np.searchsorted(np.cumsum(counts), (total + 1) // 2))


def median_band_interval(counts: np.ndarray, z: float = Z95) -> tuple[int, int] | None:
    """A distribution-free 95% interval for the median, as band indexes: the bands holding
    the order statistics n/2 -+ z*sqrt(n)/2 (the binomial interval for a median)."""
    counts = np.asarray(counts)
    n = int(counts.sum())
    if n == 0:
        return None
    low = max(int(np.floor(n / 2 - z * np.sqrt(n) / 2)), 1)
    high = min(int(np.ceil(n / 2 + z * np.sqrt(n) / 2)), n)
    running = np.cumsum(counts)
    return int(np.searchsorted(running, low)), int(np.searchsorted(running, high))
