"""Mapping files: another survey tool's columns and codes onto an instrument's questions and codes.

A mapping is YAML, checked against the survey's instrument before any data is read: a
question that does not exist, a code the question does not have, a column named twice, are
refused with a MappingError that names the line. The shape:

    instrument: surviving-work@1        # must be the survey's instrument
    spss_values: codes                  # .sav files: read the stored codes, or 'labels'
    missing: ["", "-99"]                # values that mean "not answered", in any column
    on_hidden_answers: error            # or 'drop': answers skip logic hides
    ignore: [RespondentID, IPAddress]   # columns deliberately not imported
    columns:
      Q1: {question: nhs_work, values: {1: direct, 2: contracted, 3: "no"}}
      Q4: {question: employer_count}                       # a number, range from the instrument
      Q20: {question: age, values: {-9: prefer_not}}       # a number with a special code
      Q8_1: {question: roles, code: supervision}           # one 0/1 column per option
      Q9: {question: modality, separator: ";", values: {1: cbt, 2: psychodynamic}}
      Q30: {question: comments}                            # free text, taken as it is

A single-choice column without `values` must already hold the instrument's codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from freeassoc.surveys.instrument import PREFER_NOT, Instrument, InstrumentError, LineLoader


class MappingError(InstrumentError):
    """A mapping file that does not fit the instrument; names the file, the line and why."""


class _Loader(LineLoader):
    """LineLoader that also remembers the line of each key ('__lines__'), so an unknown code
    inside a long block of values is reported on its own line."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        lines = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                lines[key] = key_node.start_mark.line + 1
            except TypeError:  # an unhashable key; reported by whoever reads it
                pass
        mapping["__lines__"] = lines
        return mapping


SINGLE, NUMBER, TEXT, TICK, DELIMITED = "single", "number", "text", "tick", "delimited"
_TOP_KEYS = {"instrument", "spss_values", "missing", "on_hidden_answers", "ignore", "columns"}
_RULE_KEYS = {"question", "values", "code", "ticked", "unticked", "separator"}


@dataclass(frozen=True)
class ColumnRule:
    """How one of their columns becomes (part of) the answer to one of our questions."""

    column: str
    question: str
    kind: str  # SINGLE (also pay bands), NUMBER, TEXT, TICK (one option, 0/1), DELIMITED
    line: int
    values: dict[str, str] = field(default_factory=dict)  # their value -> our code
    code: str = ""  # TICK: the option this column ticks
    ticked: tuple[str, ...] = ("1",)
    unticked: tuple[str, ...] = ("0",)
    separator: str = ""


@dataclass(frozen=True)
class Mapping:
    instrument: Instrument
    rules: tuple[ColumnRule, ...]
    ignore: frozenset[str]
    missing: frozenset[str]
    spss_values: str  # "codes" or "labels"
    drop_hidden: bool
    text: str = field(repr=False, default="")

    @property
    def columns(self) -> list[str]:
        return [r.column for r in self.rules]

    def rules_for(self, question: str) -> list[ColumnRule]:
        return [r for r in self.rules if r.question == question]

    @property
    def questions(self) -> list[str]:
        """Mapped questions, in the instrument's order."""
        mapped = {r.question for r in self.rules}
        return [q for q in self.instrument.questions if q in mapped]


def scalar_text(value) -> str:
    """A value from a data file or a mapping as the text both are compared in: whole numbers
    without a decimal point (SPSS and Excel store 1 as 1.0), everything else stripped."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].lstrip("-").isdigit():
        return text[:-2]
    return text


def _key_text(key, where: str, path, line) -> str:
    if isinstance(key, bool):
        raise MappingError(
            path,
            line,
            f"{where}: YAML reads an unquoted yes/no/true/false/on/off as true or false; "
            'put it in quotes, for example "no"',
        )
    if key is None:
        raise MappingError(path, line, f'{where}: an empty value needs quotes, ""')
    if isinstance(key, dict | list):
        raise MappingError(path, line, f"{where}: expected a single value, not a list or mapping")
    return scalar_text(key)


def _text_list(data, key: str, path, line, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = data.get(key)
    if raw is None:
        return default
    if not isinstance(raw, list):
        raw = [raw]
    return tuple(_key_text(v, f"'{key}'", path, line) for v in raw)


def _rule(column: str, data, instrument: Instrument, path, line) -> ColumnRule:
    if isinstance(data, str):
        data = {"question": data, "__line__": line, "__lines__": {}}
    if not isinstance(data, dict):
        raise MappingError(path, line, f"column '{column}' must map to a question")
    line = data.get("__line__", line)
    if extra := set(data) - _RULE_KEYS - {"__line__", "__lines__"}:
        raise MappingError(path, line, f"unknown keys {sorted(extra)} for column '{column}'")
    qid = data.get("question")
    if not isinstance(qid, str) or not qid:
        raise MappingError(path, line, f"column '{column}' needs 'question'")
    question = instrument.questions.get(qid)
    if question is None:
        raise MappingError(
            path, line, f"column '{column}': '{qid}' is not a question of {instrument.key}"
        )
    codes = question.codes
    raw_values = data.get("values") or {}
    if not isinstance(raw_values, dict):
        raise MappingError(path, line, f"column '{column}': 'values' must be a mapping")
    value_lines = raw_values.get("__lines__", {})
    values: dict[str, str] = {}
    for theirs, ours in raw_values.items():
        if theirs in ("__line__", "__lines__"):
            continue
        at = value_lines.get(theirs, raw_values.get("__line__", line))
        key = _key_text(theirs, f"column '{column}'", path, at)
        code = _key_text(ours, f"column '{column}', value {key}", path, at)
        if key in values:
            raise MappingError(path, at, f"column '{column}': value '{key}' is mapped twice")
        allowed = {PREFER_NOT} if question.type == "number" and question.sensitive else codes
        if question.type == "number" and not question.sensitive:
            raise MappingError(
                path,
                at,
                f"column '{column}': '{qid}' is a number with no 'prefer not to say'; "
                "list special values under 'missing' instead",
            )
        if code not in allowed:
            raise MappingError(
                path,
                at,
                f"column '{column}': '{code}' is not a code of '{qid}' "
                f"(its codes: {', '.join(sorted(allowed))})",
            )
        values[key] = code
    common = {"column": column, "question": qid, "line": line, "values": values}
    has_code = "code" in data
    if question.type == "multiple":
        if has_code:
            code = _key_text(data["code"], f"column '{column}', 'code'", path, line)
            if code not in codes:
                raise MappingError(
                    path, line, f"column '{column}': '{code}' is not a code of '{qid}'"
                )
            if values:
                raise MappingError(
                    path, line, f"column '{column}' ticks one option: give 'ticked', not 'values'"
                )
            ticked = _text_list(data, "ticked", path, line, ("1",))
            unticked = _text_list(data, "unticked", path, line, ("0",))
            if set(ticked) & set(unticked):
                raise MappingError(
                    path, line, f"column '{column}': a value cannot be both ticked and unticked"
                )
            return ColumnRule(**common, kind=TICK, code=code, ticked=ticked, unticked=unticked)
        separator = data.get("separator")
        if not isinstance(separator, str) or not separator:
            raise MappingError(
                path,
                line,
                f"column '{column}': '{qid}' takes several answers; give either 'code' (one "
                "0/1 column per option) or 'separator' (all the answers in one column)",
            )
        return ColumnRule(**common, kind=DELIMITED, separator=separator)
    for key in ("code", "separator", "ticked", "unticked"):
        if key in data:
            raise MappingError(
                path, line, f"column '{column}': '{key}' is only for several-answer questions"
            )
    if question.type == "number":
        return ColumnRule(**common, kind=NUMBER)
    if question.type == "text":
        if values:
            raise MappingError(path, line, f"column '{column}': free text takes no 'values'")
        return ColumnRule(**common, kind=TEXT)
    return ColumnRule(**common, kind=SINGLE)


def parse(text: str, instrument: Instrument, path: str = "mapping") -> Mapping:
    """Read and check a mapping file against `instrument`. Raises MappingError."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise MappingError(path, mark.line + 1 if mark else None, str(exc.problem)) from exc
    except yaml.YAMLError as exc:
        raise MappingError(path, None, f"not a YAML file: {exc}") from exc
    if not isinstance(data, dict):
        raise MappingError(path, 1, "a mapping file must be a YAML mapping with 'columns'")
    lines = data.get("__lines__", {})
    if extra := set(data) - _TOP_KEYS - {"__line__", "__lines__"}:
        first = sorted(extra, key=str)[0]
        raise MappingError(path, lines.get(first, 1), f"unknown top-level keys {sorted(extra)}")
    key = data.get("instrument")
    if key is not None and str(key) != instrument.key:
        raise MappingError(
            path,
            lines.get("instrument", 1),
            f"this mapping is for '{key}', but the survey uses '{instrument.key}'",
        )
    spss_values = data.get("spss_values", "codes")
    if spss_values not in {"codes", "labels"}:
        raise MappingError(
            path, lines.get("spss_values", 1), "'spss_values' is either 'codes' or 'labels'"
        )
    hidden = data.get("on_hidden_answers", "error")
    if hidden not in {"error", "drop"}:
        raise MappingError(
            path, lines.get("on_hidden_answers", 1), "'on_hidden_answers' is 'error' or 'drop'"
        )
    missing = _text_list(data, "missing", path, lines.get("missing", 1), ("",))
    ignore_raw = data.get("ignore") or []
    if not isinstance(ignore_raw, list):
        raise MappingError(path, lines.get("ignore", 1), "'ignore' must be a list of columns")
    ignore = {_key_text(c, "'ignore'", path, lines.get("ignore", 1)) for c in ignore_raw}
    columns = data.get("columns")
    if not isinstance(columns, dict) or not set(columns) - {"__line__", "__lines__"}:
        raise MappingError(path, lines.get("columns", 1), "'columns' must map at least one column")
    column_lines = columns.get("__lines__", {})
    rules: list[ColumnRule] = []
    for name, spec in columns.items():
        if name in ("__line__", "__lines__"):
            continue
        at = column_lines.get(name, columns["__line__"])
        column = _key_text(name, "a column name", path, at)
        if column in ignore:
            raise MappingError(path, at, f"column '{column}' is both mapped and ignored")
        rules.append(_rule(column, spec, instrument, path, at))
    for qid in {r.question for r in rules}:
        mine = [r for r in rules if r.question == qid]
        kinds = {r.kind for r in mine}
        if kinds & {SINGLE, NUMBER, TEXT, DELIMITED} and len(mine) > 1:
            raise MappingError(
                path,
                mine[1].line,
                f"question '{qid}' is already answered by column '{mine[0].column}'",
            )
        ticks = [r.code for r in mine if r.kind == TICK]
        if len(ticks) != len(set(ticks)):
            again = next(r for r in mine if ticks.count(r.code) > 1 and r is not mine[0])
            raise MappingError(
                path, again.line, f"option '{again.code}' of '{qid}' is ticked by two columns"
            )
    return Mapping(
        instrument=instrument,
        rules=tuple(rules),
        ignore=frozenset(ignore),
        missing=frozenset(missing),
        spss_values=spss_values,
        drop_hidden=hidden == "drop",
        text=text,
    )
