"""Questionnaires as declarative, versioned YAML files, validated when loaded.

A bad file is refused with an InstrumentError that names the file, the line and the reason.
The loaded Instrument is immutable and shared: forms, skip logic, the findings engine and the
exports all read the same object.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

INSTRUMENTS_DIR = Path(__file__).resolve().parent.parent / "instruments"

QUESTION_TYPES = {"single", "multiple", "number", "pay_band", "text"}
PREFER_NOT = "prefer_not"
PREFER_NOT_LABEL = "Prefer not to say"


class InstrumentError(ValueError):
    def __init__(self, path: str | Path, line: int | None, reason: str):
        self.path, self.line, self.reason = str(path), line, reason
        where = f"{Path(path).name}, line {line}" if line else Path(path).name
        super().__init__(f"{where}: {reason}")


class LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line each mapping starts on (as '__line__')."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


@dataclass(frozen=True)
class Option:
    code: str
    label: str
    min: int | None = None  # pay bands: lower bound (weekly pounds, inclusive)
    max: int | None = None  # pay bands: upper bound (exclusive); None is open-ended
    exclusive: bool = False  # multiple choice: cannot be ticked with another option


@dataclass(frozen=True)
class Condition:
    """Show a page or question only if an earlier single or multiple answer is among `any_of`."""

    question: str
    any_of: tuple[str, ...]

    def holds(self, answers: dict[str, Any]) -> bool:
        value = answers.get(self.question)
        if isinstance(value, list):
            return any(v in self.any_of for v in value)
        return value in self.any_of


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    label: str
    help: str = ""
    required: bool = False
    sensitive: bool = False
    options: tuple[Option, ...] = ()
    min: int | None = None
    max: int | None = None
    unit: str = ""
    max_length: int = 2000
    show_if: Condition | None = None
    why: str = ""  # shown beside special-category questions: why we ask

    @property
    def choices(self) -> list[tuple[str, str]]:
        choices = [(o.code, o.label) for o in self.options]
        if self.sensitive:
            choices.append((PREFER_NOT, PREFER_NOT_LABEL))
        return choices

    @property
    def codes(self) -> set[str]:
        return {code for code, _ in self.choices}

    def label_for(self, code: str) -> str:
        return dict(self.choices).get(code, code)

    def visible(self, answers: dict[str, Any]) -> bool:
        return self.show_if is None or self.show_if.holds(answers)


@dataclass(frozen=True)
class Page:
    id: str
    title: str
    intro: str
    questions: tuple[Question, ...]
    show_if: Condition | None = None

    def visible(self, answers: dict[str, Any]) -> bool:
        return self.show_if is None or self.show_if.holds(answers)


@dataclass(frozen=True)
class Instrument:
    slug: str
    version: int
    title: str
    description: str
    purpose: str
    pages: tuple[Page, ...]
    _questions: dict[str, Question] = field(default_factory=dict, repr=False, compare=False)

    @property
    def key(self) -> str:
        return f"{self.slug}@{self.version}"

    @property
    def questions(self) -> dict[str, Question]:
        return self._questions

    def visible_pages(self, answers: dict[str, Any]) -> list[Page]:
        return [p for p in self.pages if p.visible(answers)]

    def prune(self, answers: dict[str, Any]) -> dict[str, Any]:
        """Drop answers to questions that skip logic now hides (an answer changed upstream)."""
        kept: dict[str, Any] = {}
        for page in self.pages:
            if not page.visible(answers):
                continue
            for q in page.questions:
                if q.id in answers and q.visible(answers):
                    kept[q.id] = answers[q.id]
        return kept

    def missing_required(self, answers: dict[str, Any]) -> list[Question]:
        return [
            q
            for page in self.visible_pages(answers)
            for q in page.questions
            if q.required and q.visible(answers) and answers.get(q.id) in (None, "", [])
        ]


def _str(data: dict, key: str, path, required=True, default="") -> str:
    value = data.get(key, None)
    if value is None:
        if required:
            raise InstrumentError(path, data.get("__line__"), f"'{key}' is required")
        return default
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise InstrumentError(path, data.get("__line__"), f"'{key}' must be text")
    return str(value).strip()


def _identifier(value: str, what: str, path, line) -> str:
    if not value.replace("_", "").isalnum() or not value[0].isalpha() or not value.islower():
        raise InstrumentError(
            path, line, f"{what} '{value}' must be lower-case letters, digits and underscores"
        )
    return value


def _condition(data: Any, path, line, seen: dict[str, Question]) -> Condition | None:
    if data is None:
        return None
    if not isinstance(data, dict) or set(data) - {"question", "any_of", "__line__"}:
        raise InstrumentError(path, line, "'show_if' takes 'question' and 'any_of'")
    line = data.get("__line__", line)
    qid = _str(data, "question", path)
    if qid not in seen:
        raise InstrumentError(
            path, line, f"'show_if' refers to '{qid}', which is not an earlier question"
        )
    target = seen[qid]
    if target.type not in {"single", "multiple"}:
        raise InstrumentError(path, line, f"'show_if' needs a choice question; '{qid}' is not")
    codes = data.get("any_of")
    if not isinstance(codes, list) or not codes:
        raise InstrumentError(path, line, "'any_of' must be a non-empty list of codes")
    unknown = [str(c) for c in codes if str(c) not in target.codes]
    if unknown:
        raise InstrumentError(path, line, f"'any_of' names unknown codes of '{qid}': {unknown}")
    return Condition(question=qid, any_of=tuple(str(c) for c in codes))


def _question(data: Any, path, seen: dict[str, Question]) -> Question:
    if not isinstance(data, dict):
        raise InstrumentError(path, None, "each question must be a mapping")
    line = data["__line__"]
    qid = _identifier(_str(data, "id", path), "question id", path, line)
    if qid in seen:
        raise InstrumentError(path, line, f"question id '{qid}' is used twice")
    qtype = _str(data, "type", path)
    if qtype not in QUESTION_TYPES:
        raise InstrumentError(
            path, line, f"type '{qtype}' is not one of {', '.join(sorted(QUESTION_TYPES))}"
        )
    known = {
        "id", "type", "label", "help", "required", "sensitive", "options", "min", "max",
        "unit", "max_length", "show_if", "why", "__line__",
    }  # fmt: skip
    if extra := set(data) - known:
        raise InstrumentError(path, line, f"unknown keys {sorted(extra)} in question '{qid}'")
    options: list[Option] = []
    if qtype in {"single", "multiple", "pay_band"}:
        raw = data.get("options")
        if not isinstance(raw, list) or len(raw) < 2:
            raise InstrumentError(path, line, f"question '{qid}' needs at least two options")
        for item in raw:
            if not isinstance(item, dict):
                raise InstrumentError(path, line, f"options of '{qid}' must be mappings")
            if extra := set(item) - {"code", "label", "min", "max", "exclusive", "__line__"}:
                raise InstrumentError(
                    path, item["__line__"], f"unknown option keys {sorted(extra)}"
                )
            code = _identifier(_str(item, "code", path), "option code", path, item["__line__"])
            if code == PREFER_NOT:
                raise InstrumentError(
                    path, item["__line__"], f"'{PREFER_NOT}' is added by 'sensitive: true'"
                )
            if any(o.code == code for o in options):
                raise InstrumentError(path, item["__line__"], f"option code '{code}' is repeated")
            low, high = item.get("min"), item.get("max")
            if qtype == "pay_band":
                if not isinstance(low, int) or (high is not None and not isinstance(high, int)):
                    raise InstrumentError(
                        path, item["__line__"], "a pay band needs whole-pound 'min' and 'max'"
                    )
                if options and options[-1].max != low:
                    raise InstrumentError(
                        path, item["__line__"], "pay bands must follow on from each other"
                    )
            options.append(
                Option(
                    code=code,
                    label=_str(item, "label", path),
                    min=low,
                    max=high,
                    exclusive=bool(item.get("exclusive", False)),
                )
            )
    elif "options" in data:
        raise InstrumentError(path, line, f"a {qtype} question takes no options")
    low, high = data.get("min"), data.get("max")
    if qtype == "number":
        if not isinstance(low, int) or not isinstance(high, int) or low >= high:
            raise InstrumentError(path, line, f"number question '{qid}' needs whole 'min' < 'max'")
    question = Question(
        id=qid,
        type=qtype,
        label=_str(data, "label", path),
        help=_str(data, "help", path, required=False),
        required=bool(data.get("required", False)),
        sensitive=bool(data.get("sensitive", False)),
        options=tuple(options),
        min=low,
        max=high,
        unit=_str(data, "unit", path, required=False),
        max_length=int(data.get("max_length", 2000)),
        show_if=_condition(data.get("show_if"), path, line, seen),
        why=_str(data, "why", path, required=False),
    )
    seen[qid] = question
    return question


def parse(text: str, path: str | Path = "<instrument>") -> Instrument:
    try:
        data = yaml.load(text, Loader=LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise InstrumentError(path, mark.line + 1 if mark else None, str(exc.problem)) from exc
    if not isinstance(data, dict):
        raise InstrumentError(path, 1, "an instrument must be a mapping")
    known = {"slug", "version", "title", "description", "purpose", "pages", "__line__"}
    if extra := set(data) - known:
        raise InstrumentError(path, 1, f"unknown top-level keys {sorted(extra)}")
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise InstrumentError(path, 1, "'version' must be a whole number from 1")
    seen: dict[str, Question] = {}
    pages: list[Page] = []
    raw_pages = data.get("pages")
    if not isinstance(raw_pages, list) or not raw_pages:
        raise InstrumentError(path, 1, "'pages' must be a non-empty list")
    for raw in raw_pages:
        if not isinstance(raw, dict):
            raise InstrumentError(path, None, "each page must be a mapping")
        line = raw["__line__"]
        page_id = _identifier(_str(raw, "id", path), "page id", path, line)
        if any(p.id == page_id for p in pages):
            raise InstrumentError(path, line, f"page id '{page_id}' is used twice")
        show_if = _condition(raw.get("show_if"), path, line, seen)
        questions = raw.get("questions")
        if not isinstance(questions, list) or not questions:
            raise InstrumentError(path, line, f"page '{page_id}' has no questions")
        pages.append(
            Page(
                id=page_id,
                title=_str(raw, "title", path),
                intro=_str(raw, "intro", path, required=False),
                questions=tuple(_question(q, path, seen) for q in questions),
                show_if=show_if,
            )
        )
    return Instrument(
        slug=_identifier(_str(data, "slug", path).replace("-", "_"), "slug", path, 1).replace(
            "_", "-"
        ),
        version=version,
        title=_str(data, "title", path),
        description=_str(data, "description", path),
        purpose=_str(data, "purpose", path),
        pages=tuple(pages),
        _questions=seen,
    )


def load_file(path: Path) -> Instrument:
    return parse(path.read_text(encoding="utf-8"), path)


@functools.cache
def available() -> dict[str, Instrument]:
    """Every shipped instrument, keyed 'slug@version'."""
    found = {}
    for path in sorted(INSTRUMENTS_DIR.glob("*.yaml")):
        instrument = load_file(path)
        found[instrument.key] = instrument
    return found


def get(slug: str, version: int) -> Instrument:
    return available()[f"{slug}@{version}"]


def latest() -> dict[str, Instrument]:
    """The newest version of each shipped instrument, keyed by slug."""
    newest: dict[str, Instrument] = {}
    for instrument in available().values():
        if instrument.slug not in newest or instrument.version > newest[instrument.slug].version:
            newest[instrument.slug] = instrument
    return newest
