"""The audit before a release: an attacker's linear program over everything published.

The attacker has every release of the survey (and of every pool it feeds, and of every survey
feeding those pools), and knows how the figures hang together: a breakdown adds up to its
total, a count is within its base, one published group of people within another (read here from
the data, so coincidences count too), the same people published under two names give the same
number. Each published count tells them the true count to within the noise (cellkey.py); the
count of everyone is exact. Percentages, intervals, tests and medians are worked out from those
protected counts, so they tell nothing more (medians come from noisy band counts, never
published; see docs/disclosure.md).

Time is modelled too: each survey's true counts at each release it took part in form a chain,
where a later count is never below an earlier one and never above it by more than the responses
added in between.

For every count the current release hides, HiGHS finds the smallest and largest true value
consistent with all of that. A hidden count is protected when that range is at least k wide and,
for a count truly under k, still reaches 0 (an attacker cannot even tell it from nobody). The
linear relaxation is solved, not the integer program: its range is at least as wide as the
integer one, but never by more than the rounding, which the check allows for (the bounds are
rounded inwards to whole numbers first).

audit() says which hidden counts are not protected. Nothing calls it yet: releases (issue 10),
which are to hide more and ask again until it passes, are not built.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import highspy
import numpy as np
from scipy.sparse import coo_matrix

from .engine import ALL, Report


@dataclass
class Structure:
    """What the attacker is assumed to know about how the published sets relate, read from
    the current report: each column name's set, the groups and breakdowns, nesting."""

    index: dict[str, int]  # column name -> set
    total_only: np.ndarray  # sets published for the total only
    groups: int
    breakdowns: list[slice]
    breakdown_of: dict[str, slice]  # breakdown question -> its groups
    nested: list[tuple[int, int]]  # (a, b): set a within set b
    within: list[tuple[int, int]]  # (count, base) of each indicator

    @classmethod
    def of(cls, report: Report) -> Structure:
        sets = report.sets
        within = [
            (sets.index[f"n:{r.indicator.id}"], sets.index[f"d:{r.indicator.id}"])
            for r in report.indicators
            if r.count is not None
        ]
        return cls(
            index=dict(sets.index),
            total_only=sets.total_only.copy(),
            groups=len(report.groups.keys),
            breakdowns=list(report.groups.slices.values()),
            breakdown_of=dict(report.groups.slices),
            nested=[(a, b) for a, b in sets.nested if a != b],
            within=within,
        )


@dataclass
class Published:
    """One release as the attacker has it: its findings, and how many responses of each
    survey were in it."""

    findings: dict
    parts: dict[int, int]  # survey id -> responses


@dataclass
class Result:
    unprotected: list[tuple[int, int]] = field(default_factory=list)  # (set, group)
    ranges: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    checked: int = 0
    seconds: float = 0.0
    chained: bool = True  # releases tied together in time (False if that was infeasible)

    def summary(self, k: int) -> dict:
        widths = [high - low for low, high in self.ranges.values()]
        return {
            "hidden_counts_checked": self.checked,
            "narrowest_range": min(widths) if widths else None,
            "protection_interval": k,
            "releases_chained": self.chained,
            "seconds": round(self.seconds, 2),
        }


def figures(findings: dict, structure: Structure) -> list[tuple[int, int, int | None]]:
    """(set, group, published value or None if hidden) of every count a release shows."""
    index, out = structure.index, []

    def add(name: str, g: int, value) -> None:
        if name in index:
            out.append((index[name], g, value))

    if findings.get("respondents") is not None:
        add(ALL, 0, findings["respondents"])
    for ind in findings["indicators"]:
        cells = [(0, ind)]
        for question, breakdown in ind["breakdowns"].items():
            part = structure.breakdown_of.get(question)
            if part is None:
                continue
            cells += [(part.start + i, c) for i, c in enumerate(breakdown["cells"])]
        for g, cell in cells:
            add(f"d:{ind['id']}", g, cell["base"])
            if ind["kind"] != "median_band":
                add(f"n:{ind['id']}", g, cell["count"])
    for comp in findings["comparisons"]:
        if comp["suppressed"]:
            continue
        for row in comp["rows"]:
            add(f"r:{comp['id']}:{row['code']}", 0, row["base"])
            for cell in row["cells"]:
                add(f"c:{comp['id']}:{row['code']}:{cell['code']}", 0, cell["count"])
    return out


class _Program:
    """Variables: each survey's true counts (sets x groups) at each size it was released at."""

    def __init__(self, structure: Structure, releases: list[Published], noise: int, chained: bool):
        self.s = structure
        sets = len(structure.total_only)
        self.cells = [(a, g) for a in range(sets) for g in range(structure.groups)
                      if g == 0 or not structure.total_only[a]]  # fmt: skip
        self.cell_index = {c: i for i, c in enumerate(self.cells)}
        sizes: dict[int, set[int]] = {}
        for r in releases:
            for survey, n in r.parts.items():
                sizes.setdefault(survey, set()).add(n)
        self.blocks: dict[tuple[int, int], int] = {}
        for survey in sorted(sizes):
            for n in sorted(sizes[survey]):
                self.blocks[(survey, n)] = len(self.blocks)
        per = len(self.cells)
        self.n_vars = per * len(self.blocks)
        self.upper = np.zeros(self.n_vars)
        for (_, n), b in self.blocks.items():
            self.upper[b * per : (b + 1) * per] = n
        self.eq: list[tuple[dict[int, float], float]] = []
        self.le: list[tuple[dict[int, float], float]] = []
        for b in self.blocks.values():
            self._structure(b)
        if chained:
            for survey in sizes:
                ns = sorted(sizes[survey])
                for n1, n2 in zip(ns, ns[1:], strict=False):
                    b1, b2 = self.blocks[(survey, n1)], self.blocks[(survey, n2)]
                    for i in range(per):  # 0 <= later - earlier <= added
                        self.le.append(({b1 * per + i: 1, b2 * per + i: -1}, 0))
                        self.le.append(({b2 * per + i: 1, b1 * per + i: -1}, n2 - n1))
        for r in releases:
            self._published(r, noise)

    def var(self, block: int, a: int, g: int) -> int:
        return block * len(self.cells) + self.cell_index[(a, g)]

    def _structure(self, b: int) -> None:
        s = self.s
        sets = len(s.total_only)
        everyone = s.index[ALL]
        for a in range(sets):
            if s.total_only[a]:
                continue
            for part in s.breakdowns:
                row = {self.var(b, a, g): 1.0 for g in range(part.start, part.stop)}
                row[self.var(b, a, 0)] = -1.0
                self.eq.append((row, 0.0))
        pairs = list(s.nested) + [(n, d) for n, d in s.within if n != d]
        pairs += [(a, everyone) for a in range(sets) if a != everyone]
        for a, c in set(pairs):
            groups = [0] if (s.total_only[a] or s.total_only[c]) else range(s.groups)
            for g in groups:
                self.le.append(({self.var(b, a, g): 1.0, self.var(b, c, g): -1.0}, 0.0))
        # The count of everyone in each block is its size.
        self.eq.append(({self.var(b, everyone, 0): 1.0}, float(self._size(b))))

    def _size(self, b: int) -> int:
        return next(n for (_, n), i in self.blocks.items() if i == b)

    def terms(self, release: Published, a: int, g: int) -> dict[int, float]:
        return {self.var(self.blocks[(sv, n)], a, g): 1.0 for sv, n in release.parts.items()}

    def _published(self, release: Published, noise: int) -> None:
        for a, g, value in figures(release.findings, self.s):
            if value is None or (a, g) not in self.cell_index:
                continue
            terms = self.terms(release, a, g)
            if value == 0 or (a == self.s.index[ALL] and g == 0):
                self.eq.append((terms, float(value)))  # empty groups and everyone: exact
                if value == 0 and a == self.s.index[ALL]:
                    for other in range(len(self.s.total_only)):  # nobody in the group at all
                        if (other, g) in self.cell_index:
                            self.eq.append((self.terms(release, other, g), 0.0))
                continue
            self.le.append((terms, float(value + noise)))
            # Every count shown is k or more (smaller ones are suppressed), and the attacker
            # knows it.
            low = max(value - noise, release.findings.get("k", 0))
            self.le.append(({i: -1.0 for i in terms}, float(-low)))

    def matrices(self):
        def build(rows):
            data, ri, ci, rhs = [], [], [], []
            for r, (row, value) in enumerate(rows):
                for c, v in row.items():
                    ri.append(r)
                    ci.append(c)
                    data.append(v)
                rhs.append(value)
            shape = (len(rows), self.n_vars)
            return coo_matrix((data, (ri, ci)), shape=shape).tocsr(), np.array(rhs)

        return build(self.eq), build(self.le)


def _model(program: _Program) -> highspy.Highs:
    (a_eq, b_eq), (a_ub, b_ub) = program.matrices()
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    n = program.n_vars
    highs.addVars(n, np.zeros(n), program.upper)
    inf = highspy.kHighsInf
    for matrix, lower, upper in (
        (a_eq, b_eq, b_eq),
        (a_ub, np.full(len(b_ub), -inf), b_ub),
    ):
        if matrix.shape[0]:
            highs.addRows(matrix.shape[0], lower, upper, matrix.nnz, matrix.indptr[:-1],
                          matrix.indices, matrix.data)  # fmt: skip
    return highs


def _costs(highs: highspy.Highs, columns: list[int], cost: float) -> None:
    if columns:
        highs.changeColsCost(len(columns), np.array(columns, dtype=np.int32),
                             np.full(len(columns), cost))  # fmt: skip


def audit(
    structure: Structure,
    current: Published,
    previous: list[Published],
    true_counts: np.ndarray,
    k: int,
    noise: int,
) -> Result:
    """Which counts `current` hides are not protected, given `previous` releases too.
    `true_counts` (sets x groups) are the current release's own, to tell which hidden counts
    are under k."""
    started = time.perf_counter()
    result = Result()
    targets = sorted({(a, g) for a, g, v in figures(current.findings, structure) if v is None})
    everyone = structure.index[ALL]
    targets = [(a, g) for a, g in targets if true_counts[everyone, g] > 0]
    if not targets:
        result.seconds = time.perf_counter() - started
        return result
    releases = [*previous, current]
    for chained in (True, False):
        program = _Program(structure, releases, noise, chained)
        highs = _model(program)
        highs.run()
        if highs.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            break
        # Infeasible tied together in time: responses were deleted between releases (a
        # withdrawn import, retention). Audit each release's figures without the chain.
        result.chained = False
    else:
        raise RuntimeError("the published figures admit no solution")
    costed: list[int] = []
    for a, g in targets:
        terms = list(program.terms(current, a, g))
        _costs(highs, costed, 0.0)
        _costs(highs, terms, 1.0)
        costed = terms
        ends = []
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            highs.changeObjectiveSense(sense)
            highs.run()  # from the last basis: each solve is a few simplex steps
            if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                status = highs.modelStatusToString(highs.getModelStatus())
                raise RuntimeError(f"the audit's solver failed: {status}")
            ends.append(highs.getInfo().objective_function_value)
        low, high = math.ceil(ends[0] - 1e-6), math.floor(ends[1] + 1e-6)
        result.ranges[(a, g)] = (low, high)
        result.checked += 1
        small = true_counts[a, g] < k
        if high - low < k or (small and low > 0):
            result.unprotected.append((a, g))
    result.seconds = time.perf_counter() - started
    return result
