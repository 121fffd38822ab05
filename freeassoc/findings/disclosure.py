"""Statistical disclosure control: what of a Report may be published, and in what form.

Every figure that leaves the analyst's screen goes through publish(). What it guards against:

* A small count points at people. Any published count under k (the survey's threshold, 10 by
  default) is suppressed -- zero included, since "none of the 40 nurses" is a disclosure about
  each of them -- unless its group has nobody in it at all (an empty group exposes no one).
* So does a complement: if all but three of a group have an attribute, those three are
  exposed. Whenever one published group of people is contained in another (a count in its
  base; IAPT workers who raised concerns within everyone who raised concerns; people over 57
  within people over 47) the two counts in the same breakdown group give the size of the
  difference, so the smaller is suppressed if the difference is under k. Containment is read
  from the data, so it catches coincidences as well as definitions.
* Subtraction from a total. Every breakdown adds up to its total (unanswered and "Prefer not
  to say" form a "Not stated" group so that it does). If one cell of a breakdown is hidden,
  subtracting the others from the total recovers it; so the smallest other cells are hidden
  as well, until at least two are and together they hold at least k people. The same goes
  for the breakdown of every difference between nested groups. If nothing is left to hide,
  the total goes, and with it the whole breakdown.
* Percentages on small bases are unstable and nearly identify people: no percentage (and no
  interval) on a base under 30.
* Free filters let two queries be differenced to single out one person. A public output has
  only the breakdowns the indicator file predefines.
* A comparison's test statistic is computed from its table and can give away a hidden cell,
  so a comparison with any hidden cell is withheld whole.

Suppression is decided per *set of people*, not per printed cell: the same set often appears
as the base of one indicator and the count of another, and must be hidden in both or neither.
The rules are applied repeatedly until none of them hides anything more. tests/findings
attacks the result: by subtraction, by linear programming over every breakdown at once, and
by differencing nested groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import cellkey, stats
from .engine import ALL, Report, SetCounts

DEFAULT_K = 10
MIN_BASE = 30  # no percentage on a base under this


@dataclass(frozen=True)
class Rules:
    k: int = DEFAULT_K
    min_base: int = MIN_BASE
    noise: int = 0  # the most that cell-key noise moves a published count


def suppress(
    sets: SetCounts,
    breakdowns: list[slice],
    indicator_pairs: list[tuple[int, int]],
    everyone: int,
    k: int,
) -> np.ndarray:
    """Which (set, group) counts to suppress: sets x groups, True where hidden.

    `breakdowns` are the group positions of each breakdown (position 0 is the total);
    `indicator_pairs` are (numerator set, denominator set) of each indicator; `everyone` is
    the set of all respondents."""
    counts = sets.counts
    occupied = counts[everyone] > 0  # groups with anyone in them
    published = np.ones_like(counts, dtype=bool)
    published[sets.total_only, 1:] = False
    hidden = np.zeros_like(counts, dtype=bool)
    pairs = [(a, b) for a, b in sets.nested if a != b]

    def known(s: int, g: int | slice = slice(None)) -> Any:
        return published[s, g] & ~hidden[s, g]

    def next_to_hide(values: np.ndarray, unknown: np.ndarray, people: np.ndarray) -> int | None:
        """In one breakdown (values of its groups, which are unknown, which have anyone in
        them): None if the unknown cells are safe, else the group to hide next, or -1 if none
        is left to hide. Safe means: no unknown cell, or at least two in groups with people in
        them, adding up to k or more. (A hidden cell in a group with nobody in it protects
        nothing: an empty group is public, and so is every count in it.)"""
        if not unknown.any() or ((unknown & people).sum() >= 2 and values[unknown].sum() >= k):
            return None
        options = np.flatnonzero(~unknown & people)
        return int(options[np.argmin(values[options])]) if len(options) else -1

    changed = True
    while changed:
        before = hidden.copy()
        # Small counts, zero included ("none of them"), in any group with people in it.
        hidden |= published & (counts < k) & occupied
        # Within an indicator: no count where the base is hidden, and none equal to its base.
        for n, d in indicator_pairs:
            if n == d:  # everyone in the base counts: base minus count is 0, under k
                hidden[n] |= published[n] & (counts[d] > 0)
            else:
                hidden[n] |= published[n] & hidden[d] & (counts[d] > 0)
        # Nested sets: two shown counts differing by under k ("all but three of them", or
        # "all of them") give that small group away.
        for a, b in pairs:
            diff = counts[b] - counts[a]
            hidden[a] |= known(a) & known(b) & (counts[b] > 0) & (diff < k)
        # Breakdown margins: a breakdown adds up to its total, so what is hidden in it must
        # be safe as a whole -- for each set, and for each difference of nested sets.
        margins = [(s, None) for s in np.flatnonzero(~sets.total_only)]
        margins += [(a, b) for a, b in pairs if not (sets.total_only[a] or sets.total_only[b])]
        for a, b in margins:
            for part in breakdowns:
                while True:
                    if not (known(a, 0) and (b is None or known(b, 0))):
                        break  # a hidden total: its cells are all hidden below
                    if b is None:
                        values, unknown = counts[a, part], ~known(a, part)
                    else:
                        values = counts[b, part] - counts[a, part]
                        unknown = ~(known(a, part) & known(b, part))
                    g = next_to_hide(values, unknown, occupied[part])
                    if g is None:
                        break
                    # Nothing left to hide in the breakdown: hide the total instead.
                    hidden[a, 0 if g < 0 else part.start + g] = True
        # A hidden total hides its breakdowns: otherwise they add up to it.
        for s in np.flatnonzero(hidden[:, 0]):
            hidden[s, 1:] |= published[s, 1:]
        changed = bool((hidden != before).any())
    return hidden & published


def _round(value: float | None, places: int = 1) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), places)


MAX_PERCENT_ERROR = 1.0  # points: a percentage is shown only if its noise moves it less


def percent_error(count: int, base: int, noise: int) -> float:
    """The most, in percentage points, that noise of up to `noise` on a count and on its base
    can have moved count / base (each worked out from the published figures), rounding to one
    decimal place included."""
    if not noise:
        return 0.05
    if base <= noise:
        return float("inf")
    return 100 * noise * (1 + count / base) / (base - noise) + 0.05


def _percent(count: int, base: int, rules: Rules) -> dict[str, float | None]:
    """A percentage and its Wilson interval, from the published (protected) count and base:
    none on a base under min_base, or where the noise could have moved it by a point."""
    if base < rules.min_base or percent_error(count, base, rules.noise) > MAX_PERCENT_ERROR:
        return {"percent": None, "ci_low": None, "ci_high": None}
    low, high = stats.wilson(np.array([count]), np.array([base]))
    return {
        "percent": _round(100 * count / base),
        "ci_low": _round(100 * low[0]),
        "ci_high": _round(100 * high[0]),
    }


def _cell(
    count: int | None, base: int | None, count_known: bool, base_known: bool, rules: Rules
) -> dict[str, Any]:
    """One published figure, from protected counts. Empty groups (a base of 0) are shown as
    such: they expose no one."""
    out: dict[str, Any] = {"count": None, "base": None, "percent": None, "ci_low": None,
                           "ci_high": None, "suppressed": False}  # fmt: skip
    if base_known:
        out["base"] = int(base)
        if base == 0:
            out["count"] = 0
            return out
    if not count_known or not base_known:
        out["suppressed"] = True
        return out
    out["count"] = int(count)
    out.update(_percent(int(count), int(base), rules))
    return out


def _band_cell(
    band_counts: np.ndarray,
    base: int,
    base_known: bool,
    labels: list[tuple[str, str]],
    rules: Rules,
) -> dict[str, Any]:
    """A median band, from the band counts with their noise (never published themselves)."""
    out: dict[str, Any] = {"count": None, "base": int(base) if base_known else None,
                           "percent": None, "ci_low": None, "ci_high": None,
                           "value": None, "value_label": None, "value_ci_low": None,
                           "value_ci_high": None, "suppressed": not base_known}  # fmt: skip
    if base_known and base >= rules.min_base and band_counts.sum() > 0:
        middle = stats.median_position(band_counts)
        low, high = stats.median_band_interval(band_counts)
        out["value"], out["value_label"] = labels[middle]
        out["value_ci_low"], out["value_ci_high"] = labels[low][1], labels[high][1]
    return out


def protected_counts(report: Report, k: int) -> np.ndarray:
    """sets x groups: every count with its cell-key noise, a count of k or more never shown
    under k (it would say the noise went down). The count of everyone is exact: a release says
    how many responses it has."""
    sets = report.sets
    if sets.cell_keys is None:
        raise ValueError("noise needs a report computed with cell_keys=True")
    out = cellkey.perturb(sets.counts, sets.cell_keys)
    out = np.where(sets.counts >= k, np.maximum(out, k), out)
    out[sets.index[ALL], 0] = sets.counts[sets.index[ALL], 0]
    return out


def publish(
    report: Report,
    k: int = DEFAULT_K,
    min_base: int = MIN_BASE,
    *,
    live: bool = False,
    perturbed: bool = False,
) -> dict[str, Any]:
    """The report as publishable, JSON-able data: every rule above applied.

    live: the organisation's own figures, exact and unsuppressed (never public).
    perturbed: counts carry cell-key noise (cellkey.py). Off until releases (issue 10) are
    in place: noise on live figures would only change from read to read."""
    rules = Rules(k=k, min_base=min_base, noise=cellkey.MAX_NOISE if perturbed and not live else 0)
    sets, groups = report.sets, report.groups
    index = sets.index
    breakdowns = list(groups.slices.values())
    indicator_pairs = [
        (index[f"n:{r.indicator.id}"], index[f"d:{r.indicator.id}"])
        for r in report.indicators
        if r.count is not None
    ]
    if live:
        hidden = np.zeros_like(sets.counts, dtype=bool)
        shown = sets.counts
    else:
        hidden = suppress(sets, breakdowns, indicator_pairs, index[ALL], k)
        shown = protected_counts(report, k) if rules.noise else sets.counts
    # A comparison is shown whole or not at all: its test statistic could give a hidden cell
    # away. (Its cells' sets may be published elsewhere too; withholding the comparison does
    # not hide them there, as they are safe numbers in their own right.)
    comparison_sets = {
        c.comparison.id: [index[name] for name in index if name[:2] in {"c:", "r:"}
                          and name.split(":")[1] == c.comparison.id]
        for c in report.comparisons
    }  # fmt: skip

    def is_known(name: str, g: int) -> bool:
        return not hidden[index[name], g]

    def value(name: str, g: int) -> int:
        return int(shown[index[name], g])

    everyone = index[ALL]
    indicators = []
    for result in report.indicators:
        ind = result.indicator
        den, num = f"d:{ind.id}", f"n:{ind.id}"
        if ind.kind == "median_band":
            labels = [
                (o.code, o.label)
                for o in report.definitions.instrument.questions[ind.question].options
            ]
            bands = result.band_counts
            if rules.noise:
                bands = cellkey.perturb(bands, result.band_keys)

            def cell(g: int, bands=bands, den=den, labels=labels) -> dict[str, Any]:
                return _band_cell(bands[g], value(den, g), is_known(den, g), labels, rules)
        else:

            def cell(g: int, den=den, num=num) -> dict[str, Any]:
                return _cell(value(num, g), value(den, g), is_known(num, g), is_known(den, g),
                             rules)  # fmt: skip

        entry = {"id": ind.id, "label": ind.label, "denominator_label": ind.denominator_label,
                 "kind": ind.kind, **cell(0), "breakdowns": {}}  # fmt: skip
        for b in report.definitions.breakdowns:
            part = groups.slices[b.question]
            entry["breakdowns"][b.question] = {
                "label": b.label,
                "cells": [
                    {"code": code, "label": label, **cell(part.start + i)}
                    for i, (code, label) in enumerate(b.groups)
                ],
            }
        indicators.append(entry)

    comparisons = []
    for result in report.comparisons:
        c = result.comparison
        shown_whole = not hidden[comparison_sets[c.id], 0].any()
        entry: dict[str, Any] = {
            "id": c.id, "label": c.label, "denominator_label": c.denominator_label,
            "suppressed": not shown_whole, "rows": [], "test": None, "statistic": None,
            "dof": None, "p_value": None,
        }  # fmt: skip
        if shown_whole:
            table = np.array(
                [[value(f"c:{c.id}:{row.code}:{col.code}", 0) for col in c.columns]
                 for row in c.rows], dtype=np.int64,
            )  # fmt: skip
            for i, row in enumerate(c.rows):
                row_base = value(f"r:{c.id}:{row.code}", 0)
                entry["rows"].append(
                    {"code": row.code, "label": row.label, "base": row_base, "cells": [
                        {"code": col.code, "label": col.label, "count": int(table[i, j]),
                         **_percent(int(table[i, j]), row_base, rules)}
                        for j, col in enumerate(c.columns)
                    ]}
                )  # fmt: skip
            test = stats.independence_test(table)  # on the protected counts
            if test is not None:
                entry["test"] = test.name
                entry["statistic"] = _round(test.statistic, 3)
                entry["dof"] = test.dof
                entry["p_value"] = float(f"{test.p_value:.3g}")
        comparisons.append(entry)

    return {
        "instrument": report.definitions.instrument.key,
        "k": k,
        "min_base": min_base,
        "respondents": value(ALL, 0) if not hidden[everyone, 0] else None,
        "indicators": indicators,
        "comparisons": comparisons,
    }
