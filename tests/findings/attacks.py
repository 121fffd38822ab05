"""An attacker's tools against published findings. They read only the published output, plus
what anyone can work out from the indicator definitions: that a breakdown adds up to its total,
and which published groups of people contain which (computed here, in plain Python, from the
answers -- not taken from the engine).

Each attack returns the leaks it found: a hidden count pinned to one value, or shown to be
between 1 and k - 1, or a derived group of between 1 and k - 1 people.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import lil_matrix

from .published import DEFINITIONS

ROLES = ("count", "base")


def cells(indicator: dict) -> Iterator[tuple[str, str | None, dict]]:
    """(breakdown, group code, cell) for the total (breakdown '', code None) and every cell."""
    yield "", None, indicator
    for question, breakdown in indicator["breakdowns"].items():
        for cell in breakdown["cells"]:
            yield question, cell["code"], cell


def roles(indicator: dict) -> tuple[str, ...]:
    return ROLES if indicator["kind"] == "proportion" else ("base",)


def subtraction(published: dict, k: int) -> list[tuple]:
    """Subtract the shown cells of a breakdown from its total."""
    leaks = []
    for ind in published["indicators"]:
        for role in roles(ind):
            total = ind[role]
            if total is None:
                continue
            for question, breakdown in ind["breakdowns"].items():
                values = [c[role] for c in breakdown["cells"]]
                hidden = [i for i, v in enumerate(values) if v is None]
                rest = total - sum(v for v in values if v is not None)
                if len(hidden) == 1:
                    leaks.append(
                        (ind["id"], role, question, breakdown["cells"][hidden[0]]["code"], rest)
                    )
                elif hidden and rest < k:
                    leaks.append((ind["id"], role, question, "hidden cells add up to", rest))
    return leaks


def _bounds_leak(
    low: float, high: float, shown_base: int | None, true_base: int | None, k: int
) -> str | None:
    """Whether what the attacker learnt about a hidden value exposes anyone. A value pinned at
    0 where nobody could have been counted (`true_base`: the count's real base, or everyone
    in the group for a base) exposes no one; any other pinned value does, and so does a range
    inside 1..k-1, or a range that, with the shown base, puts the complement inside 1..k-1."""
    low, high = math.ceil(low - 1e-6), math.floor(high + 1e-6)
    if low == high and not (low == 0 and not true_base):
        return f"pinned at {low}"
    if 1 <= low and high < k:
        return f"between {low} and {high}"
    if shown_base is not None and 1 <= shown_base - high and shown_base - low < k:
        return f"complement between {shown_base - high} and {shown_base - low}"
    return None


def group_of(answers: dict, question: str) -> str:
    value = answers.get(question)
    return "not_stated" if value in (None, "prefer_not") else value


def true_bases(answers: list[dict], breakdowns: tuple[str, ...]) -> dict[tuple, int]:
    """The real size of each indicator's base in each group: ground truth, for judging."""
    out = {}
    everyone = ("everyone", (lambda a: True, lambda a: True))
    for ident, (_numerator, denominator) in [*DEFINITIONS.items(), everyone]:
        base = [a for a in answers if denominator(a)]
        out[(ident, ("", None))] = len(base)
        for question in breakdowns:
            for a in base:
                key = (ident, (question, group_of(a, question)))
                out[key] = out.get(key, 0) + 1
    return out


def breakdown_lp(
    published: dict,
    k: int,
    truth: dict[tuple, int],
    per_indicator: int | None = None,
    only: set[str] | None = None,
) -> list[tuple]:
    """For each indicator: all its breakdowns at once, as a linear programme. The hidden
    counts and bases are unknowns; each breakdown adds up to the total; a count is at most its
    base. Each hidden count's smallest and largest possible values are computed (for at most
    `per_indicator` of them, chosen at random, to keep it quick)."""
    rng = np.random.default_rng(0)
    leaks = []
    for ind in published["indicators"]:
        if ind["kind"] != "proportion" or (only is not None and ind["id"] not in only):
            continue
        variables: dict[tuple, int] = {}
        for role in ROLES:
            for question, code, cell in cells(ind):
                if cell[role] is None:
                    variables[(role, question, code)] = len(variables)
        if not any(key[0] == "count" for key in variables):
            continue
        equalities, rhs = [], []
        for role in ROLES:
            for question, breakdown in ind["breakdowns"].items():
                row = np.zeros(len(variables))
                constant = 0.0
                for cell in breakdown["cells"]:
                    key = (role, question, cell["code"])
                    if key in variables:
                        row[variables[key]] += 1
                    else:
                        constant += cell[role]
                total = ("count" if role == "count" else "base", "", None)
                if total in variables:
                    row[variables[total]] -= 1
                    target = -constant
                else:
                    target = ind[role] - constant
                if row.any():
                    equalities.append(row)
                    rhs.append(target)
        inequalities, upper = [], []
        for question, code, cell in cells(ind):
            count, base = ("count", question, code), ("base", question, code)
            if count in variables or base in variables:
                row = np.zeros(len(variables))
                limit = 0.0
                if count in variables:
                    row[variables[count]] += 1
                else:
                    limit -= cell["count"]
                if base in variables:
                    row[variables[base]] -= 1
                else:
                    limit += cell["base"]
                inequalities.append(row)
                upper.append(limit)
        counts = [(key, index) for key, index in variables.items() if key[0] == "count"]
        if per_indicator is not None and len(counts) > per_indicator:
            picked = rng.choice(len(counts), size=per_indicator, replace=False)
            counts = [counts[i] for i in sorted(picked)]
        for key, index in counts:
            low, high = _lp_range(index, len(variables), equalities, rhs, inequalities, upper)
            cell = next(c for q, code, c in cells(ind) if (q, code) == key[1:])
            true_base = truth.get((ind["id"], key[1:]), 0)
            if reason := _bounds_leak(low, high, cell["base"], true_base, k):
                leaks.append((ind["id"], key[1], key[2], reason))
    return leaks


def _lp_range(index, size, equalities, rhs, inequalities, upper) -> tuple[float, float]:
    objective = np.zeros(size)
    objective[index] = 1
    kwargs = {
        "A_eq": np.array(equalities) if equalities else None,
        "b_eq": np.array(rhs) if rhs else None,
        "A_ub": np.array(inequalities) if inequalities else None,
        "b_ub": np.array(upper) if upper else None,
        "bounds": (0, None),
        "method": "highs",
    }
    low = linprog(objective, **kwargs)
    high = linprog(-objective, **kwargs)
    assert low.status == 0 and high.status == 0, "the published figures should be consistent"
    return low.fun, -high.fun


@dataclass(frozen=True)
class PublishedSet:
    """The people behind one published role of one indicator, and where it is shown."""

    indicator: str
    role: str
    members: frozenset[int]


def published_sets(answers: list[dict]) -> list[PublishedSet]:
    """Every indicator's numerator (within its denominator) and denominator, as row sets."""
    out = []
    for ident, (numerator, denominator) in DEFINITIONS.items():
        base = frozenset(i for i, a in enumerate(answers) if denominator(a))
        count = frozenset(i for i in base if numerator(answers[i]))
        out += [PublishedSet(ident, "count", count), PublishedSet(ident, "base", base)]
    return out


def _shown(published: dict) -> dict[tuple[str, str], dict[tuple[str, str | None], int | None]]:
    out = {}
    for ind in published["indicators"]:
        for role in roles(ind):
            out[(ind["id"], role)] = {(q, code): cell[role] for q, code, cell in cells(ind)}
    return out


def nested_differences(published: dict, answers: list[dict], k: int) -> list[tuple]:
    """Two shown counts of nested groups of people, in the same breakdown group, differ by the
    size of the difference: it must not be under k (zero included: "all of them") unless the
    larger group is empty."""
    shown = _shown(published)
    sets = [s for s in published_sets(answers) if (s.indicator, s.role) in shown]
    leaks = []
    for a in sets:
        for b in sets:
            if a is b or not a.members < b.members:
                continue
            for group, small in shown[(a.indicator, a.role)].items():
                big = shown[(b.indicator, b.role)][group]
                if small is None or big is None:
                    continue
                diff = big - small
                if big > 0 and diff < k:
                    leaks.append((a.indicator, a.role, b.indicator, b.role, group, diff))
    return leaks


def nested_margins(published: dict, answers: list[dict], k: int) -> list[tuple]:
    """For nested groups a within b, the breakdown of b minus a adds up to total(b) - total(a):
    if only one of its cells is unknown, the attacker gets it, and with it the hidden count."""
    shown = _shown(published)
    sets = [s for s in published_sets(answers) if (s.indicator, s.role) in shown]
    breakdowns = {q for (q, _code) in next(iter(shown.values())) if q}
    leaks = []
    for a in sets:
        for b in sets:
            if a is b or not a.members < b.members:
                continue
            small, big = shown[(a.indicator, a.role)], shown[(b.indicator, b.role)]
            if small[("", None)] is None or big[("", None)] is None:
                continue
            for question in breakdowns:
                groups = [g for g in small if g[0] == question]
                unknown = [g for g in groups if small[g] is None or big[g] is None]
                if len(unknown) != 1:
                    continue
                known = sum(big[g] - small[g] for g in groups if g not in unknown)
                diff = big[("", None)] - small[("", None)] - known
                g = unknown[0]
                if (small[g] is None) != (big[g] is None) or 0 < diff < k:
                    leaks.append((a.indicator, a.role, b.indicator, b.role, g, diff))
    return leaks


def joint_lp(
    published: dict,
    answers: list[dict],
    k: int,
    truth: dict[tuple, int],
    sample: int = 0,
    targets: list | None = None,
) -> list[tuple]:
    """Everything at once: every published set in every group, identical sets merged, each
    breakdown adding up to its total, nested sets bounded by their supersets. The range of a
    random sample of hidden values is computed, and of any `targets` given as (indicator,
    role, breakdown, group code)."""
    shown = _shown(published)
    sets = [s for s in published_sets(answers) if (s.indicator, s.role) in shown]
    unique: dict[frozenset, list[PublishedSet]] = {}
    for s in sets:
        unique.setdefault(s.members, []).append(s)
    members = list(unique)
    groups = list(next(iter(shown.values())))
    known: dict[tuple[int, tuple], int] = {}
    variables: dict[tuple[int, tuple], int] = {}
    for i, m in enumerate(members):
        for g in groups:
            values = {shown[(s.indicator, s.role)][g] for s in unique[m]} - {None}
            if values:
                known[(i, g)] = values.pop()
            else:
                variables[(i, g)] = len(variables)
    if not variables:
        return []

    def term(row, i, g, sign) -> float:
        if (i, g) in variables:
            row[0, variables[(i, g)]] += sign
            return 0.0
        return sign * known[(i, g)]

    breakdowns = sorted({g[0] for g in groups if g[0]})
    eq_rows, eq_rhs, ub_rows, ub_rhs = [], [], [], []
    for i in range(len(members)):
        for question in breakdowns:
            row = lil_matrix((1, len(variables)))
            constant = term(row, i, ("", None), -1)
            constant += sum(term(row, i, g, 1) for g in groups if g[0] == question)
            if row.nnz:
                eq_rows.append(row)
                eq_rhs.append(-constant)
    for a, small in enumerate(members):
        for b, big in enumerate(members):
            if a != b and small < big:
                for g in groups:
                    if (a, g) in variables or (b, g) in variables:
                        row = lil_matrix((1, len(variables)))
                        constant = term(row, a, g, 1) + term(row, b, g, -1)
                        ub_rows.append(row)
                        ub_rhs.append(-constant)
    from scipy.sparse import vstack

    a_eq, a_ub = vstack(eq_rows).tocsr(), vstack(ub_rows).tocsr() if ub_rows else None
    keys = list(variables)
    exposed: list[tuple] = []
    rng = np.random.default_rng(0)
    chosen = list(rng.choice(len(keys), size=min(sample, len(keys)), replace=False))
    for indicator, role, question, code in targets or []:
        owner = next(
            i
            for i, m in enumerate(members)
            if any((s.indicator, s.role) == (indicator, role) for s in unique[m])
        )
        if (owner, (question, code)) in variables:
            chosen.append(variables[(owner, (question, code))])
        else:  # hidden here, but the same people are counted in a figure shown elsewhere
            exposed.append((indicator, role, (question, code), "shown as another figure"))
    leaks = exposed
    for j in chosen:
        objective = np.zeros(len(variables))
        objective[variables[keys[j]]] = 1
        kwargs = {"A_eq": a_eq, "b_eq": eq_rhs, "A_ub": a_ub, "b_ub": ub_rhs or None,
                  "bounds": (0, len(answers)), "method": "highs"}  # fmt: skip
        low, high = linprog(objective, **kwargs), linprog(-objective, **kwargs)
        assert low.status == 0 and high.status == 0
        i, g = keys[j]
        s = unique[members[i]][0]
        # A count is judged against its base; a base against everyone in the group.
        true_base = truth.get((s.indicator if s.role == "count" else "everyone", g), 0)
        if reason := _bounds_leak(low.fun, -high.fun, None, true_base, k):
            leaks.append((s.indicator, s.role, g, reason))
    return leaks


def primary_only(report, k: int) -> dict:
    """A naive protection to attack as a control: small counts and complements hidden, and
    nothing more. The attacks above must break it, or they prove nothing."""
    from freeassoc.findings import disclosure

    out = disclosure.publish(report, k=10**9)  # the shape of the output, everything hidden
    positions = dict(enumerate(report.groups.keys))
    for entry, result in zip(out["indicators"], report.indicators, strict=True):
        for g, (question, code) in positions.items():
            cell = (
                entry
                if g == 0
                else next(c for c in entry["breakdowns"][question]["cells"] if c["code"] == code)
            )
            base = int(result.base[g])
            cell["base"] = base if not 0 < base < k else None
            if result.count is not None:
                count = int(result.count[g])
                risky = base > 0 and (count < k or base - count < k)
                cell["count"] = None if risky or cell["base"] is None else count
    return out
