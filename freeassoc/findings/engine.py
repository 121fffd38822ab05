"""The findings engine: every indicator, breakdown and comparison of an indicator set, computed
from a frame of answers in a few passes over the data.

It works in three steps. One polars `select` turns every numerator, denominator and
comparison group into a Boolean column (shared sub-expressions such as `iapt_within` are
computed once). One sum over those columns gives the totals, and one `group_by` per breakdown
gives the cells. Everything after that is arithmetic on small arrays of counts.

The Report it returns is raw: counts of people, however small. Nothing leaves the analyst's
screen without going through disclosure.publish().
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from . import cellkey, stats
from . import definitions as defs
from .cache import survey_frame
from .frame import column_types

TOTAL = "total"  # the group of everyone, ahead of the breakdown groups
ALL = "d:__all__"  # the flag column of every respondent
KEY = "__record_key"  # each row's record key (cellkey.py)


@dataclass
class Groups:
    """The groups every count is kept for: the total, then each breakdown's groups."""

    keys: list[tuple[str, str]]  # (breakdown question, group code); (TOTAL, TOTAL) first
    labels: list[str]
    slices: dict[str, slice]  # breakdown question -> its groups' positions


@dataclass
class SetCounts:
    """Every set of respondents whose size is published, counted in every group: the input to
    disclosure control, which needs to see which published numbers can be subtracted from
    which. `nested` holds (a, b) for sets where a is a proper subset of b in these data."""

    keys: list[str]
    counts: np.ndarray  # sets x groups
    total_only: np.ndarray  # sets published for the total only (comparison cells)
    nested: list[tuple[int, int]]
    index: dict[str, int] = field(default_factory=dict)  # every column name -> its set
    # sets x groups: each cell's key for the cell-key method (cellkey.py), the sum of its
    # records' keys
    cell_keys: np.ndarray | None = None


@dataclass
class IndicatorResult:
    indicator: defs.Indicator
    count: np.ndarray | None  # per group (position 0: total); None for a median band
    base: np.ndarray
    band_counts: np.ndarray | None = None  # median band: groups x bands
    band_keys: np.ndarray | None = None  # their cell keys

    @property
    def percent(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return 100 * self.count / self.base


@dataclass
class ComparisonResult:
    comparison: defs.Comparison
    table: np.ndarray  # rows x columns
    test: stats.TestResult | None


@dataclass
class Report:
    definitions: defs.IndicatorSet
    respondents: int
    groups: Groups
    indicators: list[IndicatorResult]
    comparisons: list[ComparisonResult]
    sets: SetCounts

    def indicator(self, ident: str) -> IndicatorResult:
        return next(r for r in self.indicators if r.indicator.id == ident)

    def comparison(self, ident: str) -> ComparisonResult:
        return next(r for r in self.comparisons if r.comparison.id == ident)


def _den(ident: str) -> str:
    return f"d:{ident}"


def _num(ident: str) -> str:
    return f"n:{ident}"


def _cell(ident: str, row: str, column: str) -> str:
    return f"c:{ident}:{row}:{column}"


def _row(ident: str, row: str) -> str:
    return f"r:{ident}:{row}"


def _group_column(breakdown: defs.Breakdown) -> pl.Expr:
    """Each row's group in a breakdown, as its position among the breakdown's groups. The
    Enum's own integer codes are the options in order, then "prefer_not" for a sensitive
    question: so both it and unanswered land on the last group, "Not stated"."""
    not_stated = len(breakdown.groups) - 1
    return (
        pl.col(breakdown.question)
        .to_physical()
        .cast(pl.Int32)
        .fill_null(not_stated)
        .clip(upper_bound=not_stated)
        .alias(f"g:{breakdown.question}")
    )


def _groups(definitions: defs.IndicatorSet) -> Groups:
    keys, labels, slices = [(TOTAL, TOTAL)], ["All"], {}
    for b in definitions.breakdowns:
        slices[b.question] = slice(len(keys), len(keys) + len(b.groups))
        keys += [(b.question, code) for code, _ in b.groups]
        labels += [label for _, label in b.groups]
    return Groups(keys, labels, slices)


def _flag_expressions(definitions: defs.IndicatorSet) -> list[pl.Expr]:
    # Everyone, counted in each group, is published (it is the base of most indicators); it is
    # listed here so that it is always a set disclosure control knows about.
    exprs: list[pl.Expr] = [pl.lit(True).alias(ALL)]
    for ind in definitions.indicators:
        exprs.append(ind.denominator.alias(_den(ind.id)))
        if ind.numerator is not None:
            exprs.append((ind.numerator & ind.denominator).alias(_num(ind.id)))
    for c in definitions.comparisons:
        for r in c.rows:
            exprs.append((r.when & c.denominator).alias(_row(c.id, r.code)))
            for col in c.columns:
                exprs.append(
                    (r.when & col.when & c.denominator).alias(_cell(c.id, r.code, col.code))
                )
    return exprs


def _counts_by_group(
    flags: pl.DataFrame, columns: list[str], definitions: defs.IndicatorSet, groups: Groups
) -> tuple[np.ndarray, np.ndarray | None]:
    """columns x groups: how many rows of each flag column are true, in each group; and, if
    the frame has record keys, the sum of theirs."""
    n = len(columns)
    sums = [pl.col(c).sum() for c in columns]
    if KEY in flags.columns:
        sums += [pl.when(pl.col(c)).then(pl.col(KEY)).otherwise(0).sum().alias(f"k:{c}")
                 for c in columns]  # fmt: skip
    out = np.zeros((len(sums), len(groups.keys)), dtype=np.int64)
    out[:, 0] = flags.select(sums).row(0)
    for b in definitions.breakdowns:
        start = groups.slices[b.question].start
        for row in flags.group_by(f"g:{b.question}").agg(sums).iter_rows():
            out[:, start + row[0]] = row[1:]
    return out[:n], (out[n:] if len(sums) > n else None)


def _band_counts(
    flags: pl.DataFrame, ind: defs.Indicator, definitions: defs.IndicatorSet, groups: Groups
) -> tuple[np.ndarray, np.ndarray]:
    """groups x bands: respondents in the denominator by the band they chose, and the sum of
    their record keys (zeros if the frame has none)."""
    bands = len(definitions.instrument.questions[ind.question].options)
    band = pl.col(ind.question).to_physical().cast(pl.Int32).alias("band")  # options in order
    counts = np.zeros((len(groups.keys), bands), dtype=np.int64)
    keys = np.zeros_like(counts)
    chosen = flags.filter(pl.col(_den(ind.id)) & (band < bands))  # not "prefer_not"
    both = [pl.len(), pl.col(KEY).sum() if KEY in flags.columns else pl.lit(0, pl.Int64)]
    for code, n, key in chosen.group_by(band).agg(both).iter_rows():
        counts[0, code], keys[0, code] = n, key
    for b in definitions.breakdowns:
        start = groups.slices[b.question].start
        for group, code, n, key in chosen.group_by(f"g:{b.question}", band).agg(both).iter_rows():
            counts[start + group, code], keys[start + group, code] = n, key
    return counts, keys


def _nested(flags: pl.DataFrame, columns: list[str], counts: np.ndarray) -> list[tuple[int, int]]:
    """Pairs (a, b) of distinct sets where every member of a is in b. Only pairs whose counts
    allow it in every group are checked against the rows, so few are."""
    candidates = [
        (a, b)
        for a in range(len(columns))
        for b in range(len(columns))
        if a != b and counts[a, 0] < counts[b, 0] and np.all(counts[a] <= counts[b])
    ]
    if not candidates:
        return []
    checks = [
        (pl.col(columns[a]) & ~pl.col(columns[b])).any().alias(str(i))
        for i, (a, b) in enumerate(candidates)
    ]
    escapes = flags.select(checks).row(0)
    return [pair for pair, escaped in zip(candidates, escapes, strict=True) if not escaped]


def _set_counts(
    flags: pl.DataFrame, definitions: defs.IndicatorSet, groups: Groups
) -> tuple[SetCounts, dict[str, np.ndarray]]:
    """Count every published set in every group, and merge sets that are the same people
    (the denominator of one indicator is often the numerator of another): a number that is
    published twice must be suppressed in both places or neither."""
    grouped = [c for c in flags.columns if c[:2] in {"d:", "n:"}]
    total_only = [c for c in flags.columns if c[:2] in {"c:", "r:"}]
    columns = grouped + total_only
    counts, keys = _counts_by_group(flags, columns, definitions, groups)
    # Identical columns have identical counts; confirm candidates against the rows.
    first: dict[bytes, int] = {}
    index: dict[str, int] = {}
    keep: list[int] = []
    for i, name in enumerate(columns):
        signature = counts[i].tobytes()
        j = first.get(signature)
        if j is not None and flags.select((pl.col(columns[j]) == pl.col(name)).all()).item():
            index[name] = index[columns[j]]
            continue
        first.setdefault(signature, i)
        index[name] = len(keep)
        keep.append(i)
    kept_columns = [columns[i] for i in keep]
    set_counts = counts[keep]
    # A set published in any breakdown is published in all of them.
    only = np.ones(len(keep), dtype=bool)
    for name in grouped:
        only[index[name]] = False
    sets = SetCounts(
        keys=kept_columns,
        counts=set_counts,
        total_only=only,
        nested=_nested(flags, kept_columns, set_counts),
        index=index,
        cell_keys=None if keys is None else keys[keep],
    )
    by_column = {name: counts[i] for i, name in enumerate(columns)}
    return sets, by_column


def compute(
    frame: pl.DataFrame, definitions: defs.IndicatorSet, *, cell_keys: bool = False
) -> Report:
    """Every indicator, breakdown and comparison of `definitions` over a frame of answers;
    cell_keys: with each count's cell key too (cellkey.py), which about doubles the time."""
    groups = _groups(definitions)
    keys = [cellkey.record_keys(frame).alias(KEY)] if cell_keys else []
    if missing := definitions.questions - set(frame.columns):
        # A frame without some question (made by hand, say): nobody answered it.
        types = column_types(definitions.instrument, missing)
        frame = frame.with_columns(pl.lit(None, dtype=types[q]).alias(q) for q in missing)
        frame = frame.with_columns(
            pl.lit(False).alias(q + defs.DECLINED_SUFFIX)
            for q in missing
            if isinstance(types[q], pl.Int32) and definitions.instrument.questions[q].sensitive
        )
    bands = sorted({i.question for i in definitions.indicators if i.kind == "median_band"})
    flags = (
        frame.lazy()
        .select(
            *_flag_expressions(definitions),
            *[_group_column(b) for b in definitions.breakdowns],
            *[pl.col(q) for q in bands],
            *keys,
        )
        .collect()
    )
    sets, by_column = _set_counts(flags, definitions, groups)

    indicators = []
    for ind in definitions.indicators:
        if ind.kind == "median_band":
            band_counts, band_keys = _band_counts(flags, ind, definitions, groups)
            indicators.append(
                IndicatorResult(ind, None, by_column[_den(ind.id)], band_counts, band_keys)
            )
        else:
            indicators.append(
                IndicatorResult(ind, by_column[_num(ind.id)], by_column[_den(ind.id)])
            )

    comparisons = []
    for c in definitions.comparisons:
        table = np.array(
            [[by_column[_cell(c.id, r.code, col.code)][0] for col in c.columns] for r in c.rows],
            dtype=np.int64,
        )
        comparisons.append(ComparisonResult(c, table, stats.independence_test(table)))

    return Report(
        definitions=definitions,
        respondents=frame.height,
        groups=groups,
        indicators=indicators,
        comparisons=comparisons,
        sets=sets,
    )


def report_for_surveys(surveys: Sequence, using: str = "default") -> Report:
    """The findings over one survey, or a pool of surveys that share an instrument. Each
    survey's answers come through its cache (cache.py), so only new responses are decoded."""
    instruments = {s.instrument.key for s in surveys}
    if len(instruments) != 1:
        raise ValueError("surveys pooled into one report must use the same instrument")
    definitions = defs.for_instrument(surveys[0].instrument)
    frames = [survey_frame(s, definitions, using=using) for s in surveys]
    return compute(pl.concat(frames) if len(frames) > 1 else frames[0], definitions)
