"""Indicators, comparisons and breakdowns as declarative files, compiled to polars expressions.

An indicator file (indicators/*.yaml) names the instrument whose questions it reads. Every
numerator, denominator and group is an *expression*: a small YAML structure, checked against
the instrument when the file loads and compiled to a polars expression -- never evaluated as
Python. The forms are:

    {question: Q, any_of: [codes]}     a single answer among the codes; a multiple-choice
                                       answer with any of them ticked
    {question: Q, all_of: [codes]}     a multiple-choice answer with all of them ticked
    {number: Q, gt: 47}                a number; gt, ge, lt, le, eq, or between: [low, high]
                                       (inclusive); several in one mapping must all hold
    {answered: Q}                      any answer, "Prefer not to say" included
    {stated: Q}                        an answer other than "Prefer not to say"
    {all: [e, ...]}  {any: [e, ...]}  {not: e}
    name                               a derived variable defined once under `derived:`, or
                                       `everyone`

An unanswered question, and "Prefer not to say", satisfy no `question` or `number` test, so
they stay in a denominator of everyone but never reach a numerator. Free-text questions cannot
be named: the findings never read them. A bad file is refused with a DefinitionError naming
the file, the line and what is wrong.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from freeassoc.surveys import instrument as instruments
from freeassoc.surveys.instrument import (
    PREFER_NOT,
    Instrument,
    InstrumentError,
    LineLoader,
    Question,
)

INDICATORS_DIR = Path(__file__).resolve().parent / "indicators"
EVERYONE = "everyone"
NOT_STATED = "not_stated"
NOT_STATED_LABEL = "Not stated"
DECLINED_SUFFIX = "__declined"  # frame column: a sensitive number answered "Prefer not to say"
COMPARATORS = {"gt": "__gt__", "ge": "__ge__", "lt": "__lt__", "le": "__le__", "eq": "__eq__"}


class DefinitionError(InstrumentError):
    """A bad indicator file: names the file, the line and the reason, as for instruments."""


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    denominator_label: str
    denominator: pl.Expr
    numerator: pl.Expr | None  # None for a band-valued indicator
    kind: str = "proportion"  # or "median_band"
    question: str | None = None  # the pay_band question of a median_band indicator
    published: int | str | None = None  # the essay's figure, for reference only


@dataclass(frozen=True)
class Group:
    code: str
    label: str
    when: pl.Expr


@dataclass(frozen=True)
class Comparison:
    id: str
    label: str
    rows: tuple[Group, ...]
    columns: tuple[Group, ...]
    denominator: pl.Expr
    denominator_label: str


@dataclass(frozen=True)
class Breakdown:
    """A predefined public breakdown: one single-choice question, each option a group, with
    "Prefer not to say" and unanswered merged into one "Not stated" group so that the groups
    always add up to the total."""

    question: str
    label: str
    groups: tuple[tuple[str, str], ...]  # (code, label), NOT_STATED last


@dataclass(frozen=True)
class IndicatorSet:
    slug: str
    instrument: Instrument
    indicators: tuple[Indicator, ...]
    comparisons: tuple[Comparison, ...]
    breakdowns: tuple[Breakdown, ...]
    questions: frozenset[str]  # every question the expressions read: all the loader decodes


class _Compiler:
    def __init__(self, instrument: Instrument, derived: dict[str, Any], path: str | Path):
        self.instrument, self.derived, self.path = instrument, derived, path
        self.compiled: dict[str, pl.Expr] = {EVERYONE: pl.lit(True)}
        self.questions: set[str] = set()
        self._stack: list[str] = []

    def fail(self, node: Any, where: str, reason: str, line: int | None = None):
        if line is None and isinstance(node, dict):
            line = node.get("__line__")
        raise DefinitionError(self.path, line, f"{where}: {reason}")

    def question(self, qid: Any, node: Any, where: str) -> Question:
        if not isinstance(qid, str) or qid not in self.instrument.questions:
            self.fail(node, where, f"'{qid}' is not a question of {self.instrument.key}")
        question = self.instrument.questions[qid]
        if question.type == "text":
            self.fail(node, where, f"'{qid}' is free text, which the findings never read")
        self.questions.add(qid)
        return question

    def ref(self, name: str, where: str, line: int | None) -> pl.Expr:
        if name in self.compiled:
            return self.compiled[name]
        if name not in self.derived:
            known = ", ".join(sorted({EVERYONE, *self.derived}))
            self.fail(name, where, f"'{name}' is not a derived variable (known: {known})", line)
        if name in self._stack:
            cycle = " -> ".join([*self._stack[self._stack.index(name) :], name])
            self.fail(
                name, where, f"derived variables refer to each other in a circle: {cycle}", line
            )
        self._stack.append(name)
        expr = self.compile(self.derived[name], f"derived variable '{name}'", line)
        self._stack.pop()
        self.compiled[name] = expr
        return expr

    def compile(self, node: Any, where: str, line: int | None = None) -> pl.Expr:
        if isinstance(node, str):
            return self.ref(node, where, line)
        if not isinstance(node, dict):
            self.fail(
                node, where, f"expected an expression (a mapping or a name), got {node!r}", line
            )
        keys = set(node) - {"__line__"}
        line = node.get("__line__", line)
        heads = keys & {"question", "number", "answered", "stated", "all", "any", "not"}
        if len(heads) != 1:
            self.fail(
                node, where,
                "an expression needs exactly one of question, number, answered, stated, all, "
                f"any, not; got {sorted(keys) or 'nothing'}",
            )  # fmt: skip
        head = heads.pop()
        if head in {"all", "any"}:
            if keys != {head} or not isinstance(node[head], list) or not node[head]:
                self.fail(node, where, f"'{head}' takes a non-empty list of expressions only")
            parts = [self.compile(item, where, line) for item in node[head]]
            return pl.all_horizontal(parts) if head == "all" else pl.any_horizontal(parts)
        if head == "not":
            if keys != {"not"}:
                self.fail(node, where, f"'not' takes one expression only; got {sorted(keys)}")
            return ~self.compile(node["not"], where, line)
        if head in {"answered", "stated"}:
            if keys != {head}:
                self.fail(node, where, f"'{head}' takes a question id only; got {sorted(keys)}")
            return self._answered(self.question(node[head], node, where), head == "stated")
        if head == "number":
            return self._number(node, keys, where)
        return self._choice(node, keys, where)

    def _answered(self, q: Question, stated: bool) -> pl.Expr:
        col = pl.col(q.id)
        if q.type == "number":
            if stated or not q.sensitive:
                return col.is_not_null()
            return col.is_not_null() | pl.col(q.id + DECLINED_SUFFIX)
        given = col.is_not_null()
        if q.type == "multiple":
            given = given & (col.list.len() > 0).fill_null(False)
        if stated and q.sensitive:
            return given & ~col.is_in([PREFER_NOT]).fill_null(False)
        return given

    def _choice(self, node: dict, keys: set[str], where: str) -> pl.Expr:
        q = self.question(node["question"], node, where)
        tests = keys - {"question"}
        if q.type == "number":
            self.fail(node, where, f"'{q.id}' is a number: write {{number: {q.id}, gt: ...}}")
        if len(tests) != 1 or not tests <= {"any_of", "all_of"}:
            self.fail(node, where, f"'question' takes one of any_of, all_of; got {sorted(tests)}")
        test = tests.pop()
        codes = node[test]
        if not isinstance(codes, list) or not codes:
            self.fail(node, where, f"'{test}' must be a non-empty list of codes")
        if any(isinstance(c, bool) for c in codes):
            self.fail(
                node, where, 'write yes and no in quotes ("yes"): YAML reads them as true/false'
            )
        codes = [str(c) for c in codes]
        if unknown := [c for c in codes if c not in q.codes]:
            self.fail(
                node, where,
                f"{unknown} are not codes of '{q.id}' (its codes: {', '.join(sorted(q.codes))})",
            )  # fmt: skip
        col = pl.col(q.id)
        if q.type != "multiple":
            if test == "all_of":
                self.fail(
                    node, where, f"'all_of' needs a multiple-choice question; '{q.id}' is not"
                )
            return col.is_in(codes).fill_null(False)
        if test == "any_of":
            return col.list.eval(pl.element().is_in(codes)).list.any().fill_null(False)
        ticked = [col.list.eval(pl.element() == c).list.any().fill_null(False) for c in codes]
        return pl.all_horizontal(ticked)

    def _number(self, node: dict, keys: set[str], where: str) -> pl.Expr:
        q = self.question(node["number"], node, where)
        if q.type != "number":
            self.fail(node, where, f"'{q.id}' is not a number question: use {{question: ...}}")
        tests = keys - {"number"}
        if not tests or not tests <= {*COMPARATORS, "between"}:
            self.fail(
                node, where,
                f"'number' takes gt, ge, lt, le, eq or between; got {sorted(tests) or 'none'}",
            )  # fmt: skip
        col, parts = pl.col(q.id), []
        for test in sorted(tests):
            value = node[test]
            if test == "between":
                if (
                    not isinstance(value, list)
                    or len(value) != 2
                    or not all(_is_number(v) for v in value)
                    or value[0] > value[1]
                ):
                    self.fail(node, where, "'between' takes [low, high], two numbers, low first")
                parts.append(col.is_between(value[0], value[1], closed="both"))
            else:
                if not _is_number(value):
                    self.fail(node, where, f"'{test}' takes a number, got {value!r}")
                parts.append(getattr(col, COMPARATORS[test])(value))
        return pl.all_horizontal(parts).fill_null(False)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(data: dict, key: str, path, where: str, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise DefinitionError(path, data.get("__line__"), f"{where}: '{key}' must be text")
    return value.strip()


def _identifier(data: dict, path, where: str, seen: set[str]) -> str:
    value = data.get("id")
    if not isinstance(value, str) or not value.replace("_", "").isalnum() or not value.islower():
        raise DefinitionError(
            path, data.get("__line__"), f"{where}: 'id' must be lower-case letters and underscores"
        )
    if value in seen:
        raise DefinitionError(path, data.get("__line__"), f"{where}: id '{value}' is used twice")
    seen.add(value)
    return value


def _check_keys(data: Any, allowed: set[str], path, where: str) -> dict:
    if not isinstance(data, dict):
        raise DefinitionError(path, None, f"{where} must be a mapping")
    if extra := set(data) - allowed - {"__line__"}:
        raise DefinitionError(path, data.get("__line__"), f"{where}: unknown keys {sorted(extra)}")
    return data


def _groups(raw: Any, compiler: _Compiler, where: str, path) -> tuple[Group, ...]:
    """A list of {code, label, when}, or {question: Q}: one group per option of Q."""
    if isinstance(raw, dict):
        _check_keys(raw, {"question"}, path, where)
        q = compiler.question(raw.get("question"), raw, where)
        if q.type not in {"single", "pay_band"}:
            compiler.fail(raw, where, f"groups need a single-choice question; '{q.id}' is not")
        return tuple(
            Group(o.code, o.label, pl.col(q.id).is_in([o.code]).fill_null(False)) for o in q.options
        )
    if not isinstance(raw, list) or len(raw) < 2:
        raise DefinitionError(path, None, f"{where}: give at least two groups, or {{question: Q}}")
    groups, seen = [], set()
    for item in raw:
        _check_keys(item, {"code", "label", "when"}, path, where)
        code = item.get("code")
        if not isinstance(code, str) or code in seen:
            compiler.fail(item, where, "each group needs its own 'code'")
        seen.add(code)
        groups.append(
            Group(
                code,
                _text(item, "label", path, where),
                compiler.compile(item.get("when"), where, item.get("__line__")),
            )
        )
    return tuple(groups)


def parse(text: str, path: str | Path = "<indicators>") -> IndicatorSet:
    try:
        data = yaml.load(text, Loader=LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise DefinitionError(path, mark.line + 1 if mark else None, str(exc.problem)) from exc
    top = {"slug", "instrument", "breakdowns", "derived", "indicators", "comparisons"}
    _check_keys(data, top, path, "the file")
    key = data.get("instrument")
    if key not in instruments.available():
        known = ", ".join(sorted(instruments.available()))
        raise DefinitionError(path, 1, f"'instrument' must be one of {known}; got {key!r}")
    instrument = instruments.available()[key]
    derived = data.get("derived") or {}
    if not isinstance(derived, dict):
        raise DefinitionError(path, None, "'derived' must map names to expressions")
    derived = {k: v for k, v in derived.items() if k != "__line__"}
    if EVERYONE in derived:
        raise DefinitionError(path, None, f"'{EVERYONE}' is built in and cannot be redefined")
    compiler = _Compiler(instrument, derived, path)
    for name in derived:  # compile every one, used or not, so a broken one is refused now
        compiler.ref(name, "derived", data["derived"].get("__line__"))

    indicators, seen = [], set()
    raw_indicators = data.get("indicators")
    if not isinstance(raw_indicators, list) or not raw_indicators:
        raise DefinitionError(path, None, "'indicators' must be a non-empty list")
    for raw in raw_indicators:
        keys = {"id", "label", "kind", "numerator", "denominator", "denominator_label",
                "question", "published"}  # fmt: skip
        _check_keys(raw, keys, path, "an indicator")
        ident = _identifier(raw, path, "an indicator", seen)
        where = f"indicator '{ident}'"
        kind = raw.get("kind", "proportion")
        line = raw.get("__line__")
        denominator = compiler.compile(
            raw.get("denominator", EVERYONE), f"{where}, denominator", line
        )
        numerator, question = None, None
        if kind == "proportion":
            if "numerator" not in raw:
                compiler.fail(raw, where, "a proportion needs a 'numerator'")
            numerator = compiler.compile(raw["numerator"], f"{where}, numerator", line)
        elif kind == "median_band":
            q = compiler.question(raw.get("question"), raw, where)
            if q.type != "pay_band":
                compiler.fail(
                    raw, where, f"a median band needs a pay_band question; '{q.id}' is not"
                )
            question = q.id
        else:
            compiler.fail(raw, where, f"'kind' must be proportion or median_band, not {kind!r}")
        published = raw.get("published")
        if published is not None and not isinstance(published, int | float | str):
            compiler.fail(raw, where, "'published' must be a number or text")
        indicators.append(
            Indicator(
                id=ident,
                label=_text(raw, "label", path, where),
                denominator_label=_text(raw, "denominator_label", path, where),
                denominator=denominator,
                numerator=numerator,
                kind=kind,
                question=question,
                published=published,
            )
        )

    comparisons = []
    for raw in data.get("comparisons") or []:
        keys = {"id", "label", "rows", "columns", "denominator", "denominator_label"}
        _check_keys(raw, keys, path, "a comparison")
        ident = _identifier(raw, path, "a comparison", seen)
        where = f"comparison '{ident}'"
        denominator = compiler.compile(raw.get("denominator", EVERYONE), where, raw.get("__line__"))
        label = _text(raw, "denominator_label", path, where, required=False)
        comparisons.append(
            Comparison(
                id=ident,
                label=_text(raw, "label", path, where),
                rows=_groups(raw.get("rows"), compiler, f"{where}, rows", path),
                columns=_groups(raw.get("columns"), compiler, f"{where}, columns", path),
                denominator=denominator,
                denominator_label=label or "all respondents",
            )
        )

    breakdowns = []
    for qid in data.get("breakdowns") or []:
        q = compiler.question(qid, data, "breakdowns")
        if q.type != "single":
            compiler.fail(data, "breakdowns", f"'{q.id}' is not a single-choice question", 1)
        groups = tuple((o.code, o.label) for o in q.options) + ((NOT_STATED, NOT_STATED_LABEL),)
        breakdowns.append(Breakdown(question=q.id, label=q.label, groups=groups))

    return IndicatorSet(
        slug=str(data.get("slug") or Path(path).stem),
        instrument=instrument,
        indicators=tuple(indicators),
        comparisons=tuple(comparisons),
        breakdowns=tuple(breakdowns),
        questions=frozenset(compiler.questions),
    )


def load_file(path: Path) -> IndicatorSet:
    return parse(path.read_text(encoding="utf-8"), path)


@functools.cache
def available() -> dict[str, IndicatorSet]:
    """Every shipped indicator set, keyed by the instrument it reads ('slug@version')."""
    found = {}
    for path in sorted(INDICATORS_DIR.glob("*.yaml")):
        definitions = load_file(path)
        found[definitions.instrument.key] = definitions
    return found


def for_instrument(instrument: Instrument) -> IndicatorSet:
    try:
        return available()[instrument.key]
    except KeyError:
        raise DefinitionError(
            INDICATORS_DIR, None, f"no indicators are defined for {instrument.key}"
        ) from None
