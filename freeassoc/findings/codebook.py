"""The microdata layout, in one place, and the codebook that describes it.

Every export (CSV, XLSX, SPSS .sav, Stata .dta) and the codebook are built from `columns()`, so
they cannot disagree about a column's name, position, label or codes.

One row per response, in this order: `response_id`, `submitted_on` (the day only), `source`,
then the instrument's questions in questionnaire order:

- single choice and pay band: one column of codes. CSV and XLSX hold the instrument's code;
  .sav and .dta hold 1..n in option order, with value labels. "Prefer not to say" on a sensitive
  question is a missing value with a label: SPSS user-missing -9, Stata extended missing .a.
- multiple choice: one 0/1 column per option, named `<question>__<code>`; blank (system
  missing) when the question was not answered.
- number: whole numbers; "Prefer not to say" as above (CSV and XLSX: the code `prefer_not`).
- free text: a string column. Only an organisation's analysts ever receive it.

A blank cell always means "not asked or not answered": skip logic decides which.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils import timezone

from freeassoc.surveys.instrument import PREFER_NOT, PREFER_NOT_LABEL, Condition, Instrument
from freeassoc.surveys.instrument import Question as InstrumentQuestion
from freeassoc.surveys.models import Response, Survey

ID, DATE, CODE, FLAG, NUMBER, TEXT = "id", "date", "code", "flag", "number", "text"
TYPE_NAMES = {
    ID: "identifier",
    DATE: "date",
    CODE: "category",
    FLAG: "indicator (0/1)",
    NUMBER: "whole number",
    TEXT: "free text",
}

SPSS_PREFER_NOT = -9  # a user-missing value: below every code and, normally, every number
STATA_PREFER_NOT = "a"  # Stata's extended missing value .a
FLAG_LABELS = {0: "Not ticked", 1: "Ticked"}

# The formats' limits. SPSS counts bytes (UTF-8), Stata counts characters.
SPSS_NAME_BYTES = 64
SPSS_LABEL_BYTES = 256
SPSS_VALUE_LABEL_BYTES = 120
SPSS_FILE_LABEL_BYTES = 64
STATA_NAME_CHARS = 32
# pyreadstat names a variable's value-label set after the variable plus a counter (up to four
# digits here), and Stata holds such names to 32 characters too.
STATA_LABELLED_NAME_CHARS = 28
STATA_LABEL_CHARS = 80
ELLIPSIS = "…"

SPSS_RESERVED = {"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"}
STATA_RESERVED = {
    "_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n",
    "_pi", "_pred", "_rc", "_skip", "strl", "using", "with",
}  # fmt: skip
_STR_TYPE = re.compile(r"str[0-9]+")  # Stata's string types are reserved too

FORMULA_NOTE = (
    "In CSV and XLSX, text that begins with = + - @, a tab or a carriage return has an "
    "apostrophe put in front of it, so that no spreadsheet runs it as a formula."
)
MISSING_NOTE = (
    "A blank cell means not asked (skip logic) or not answered. 'Prefer not to say' is the code "
    f"'{PREFER_NOT}' in CSV and XLSX, user-missing {SPSS_PREFER_NOT} in SPSS (lower for a "
    "number question that allows it) and extended missing .a in Stata."
)
SYNTHETIC_NOTE = "SYNTHETIC DEMO DATA: every response is made up. Never cite it as evidence."


@dataclass(frozen=True)
class Column:
    name: str  # in CSV and XLSX: the canonical name
    spss_name: str
    stata_name: str
    label: str  # the full variable label; formats with a limit get a shortened one
    kind: str  # ID, DATE, CODE, FLAG, NUMBER or TEXT
    question: InstrumentQuestion | None = None
    option: str = ""  # FLAG: the option's code
    option_label: str = ""
    values: tuple[tuple[str, str], ...] = ()  # CODE: (code, label) numbered 1..n in .sav/.dta
    prefer_not: bool = False  # "Prefer not to say" is an answer (a sensitive question)
    spss_missing: int = SPSS_PREFER_NOT  # the user-missing value standing for it
    asked_if: str = ""

    @property
    def numeric_values(self) -> dict[int, str]:
        """Value labels for .sav and .dta (without the missing code)."""
        if self.kind == FLAG:
            return dict(FLAG_LABELS)
        return {i: label for i, (_, label) in enumerate(self.values, start=1)}

    @property
    def spss_label(self) -> str:
        if self.kind == FLAG:
            return _with_option(
                self.question.label, self.option_label, SPSS_LABEL_BYTES, encoding="utf-8"
            )
        return fit(self.label, SPSS_LABEL_BYTES, encoding="utf-8")

    @property
    def stata_label(self) -> str:
        if self.kind == FLAG:
            return _with_option(self.question.label, self.option_label, STATA_LABEL_CHARS)
        return fit(self.label, STATA_LABEL_CHARS)


def fit(text: str, limit: int, *, encoding: str | None = None) -> str:
    """`text` cut to `limit` characters (or bytes in `encoding`), at a word boundary when one
    is near, ending with an ellipsis."""

    def size(s: str) -> int:
        return len(s.encode(encoding)) if encoding else len(s)

    if size(text) <= limit:
        return text
    cut = text
    while cut and size(cut + ELLIPSIS) > limit:
        cut = cut[: max(0, min(len(cut) - 1, limit - size(ELLIPSIS)))]
    space = cut.rfind(" ")
    if space > len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + ELLIPSIS


def _with_option(
    question_label: str, option_label: str, limit: int, *, encoding: str | None = None
) -> str:
    """'Question [Option]' within the limit, shortening the question and keeping the option
    (which is what tells one indicator column from its neighbours)."""

    def size(s: str) -> int:
        return len(s.encode(encoding)) if encoding else len(s)

    full = f"{question_label} [{option_label}]"
    if size(full) <= limit:
        return full
    room = limit - size(option_label) - 3
    if room >= 20:
        return f"{fit(question_label, room, encoding=encoding)} [{option_label}]"
    return fit(full, limit, encoding=encoding)


def _condition_text(instrument: Instrument, condition: Condition | None) -> str:
    if condition is None:
        return ""
    codes = list(condition.any_of)
    listed = codes[0] if len(codes) == 1 else f"{', '.join(codes[:-1])} or {codes[-1]}"
    if instrument.questions[condition.question].type == "multiple":
        return f"{condition.question} includes {listed}"
    return f"{condition.question} is {listed}"


def _short_names(names: list[str], limits: list[int], reserved: set[str], *, count) -> list[str]:
    """Unique names within each limit (measured by `count`), avoiding reserved words.
    Names that already fit are kept as they are; clashes are compared without case."""
    taken: set[str] = set()
    out = []
    for name, limit in zip(names, limits, strict=True):
        base = f"{name}_v" if name.lower() in reserved or _STR_TYPE.fullmatch(name) else name
        while count(base) > limit:
            base = base[:-1]
        candidate, n = base, 1
        while candidate.lower() in taken:
            suffix = f"_{n}"
            stem = base
            while count(stem + suffix) > limit:
                stem = stem[:-1]
            candidate, n = stem + suffix, n + 1
        taken.add(candidate.lower())
        out.append(candidate)
    return out


def _spss_missing(question: InstrumentQuestion) -> int:
    """-9, or -99, -999 ... when a number question allows -9 as a real answer."""
    value = SPSS_PREFER_NOT
    while question.type == "number" and question.min is not None and value >= question.min:
        value = value * 10 - 9
    return value


def columns(instrument: Instrument) -> list[Column]:
    """The export's columns for this instrument, in order."""
    specs: list[dict] = [
        {"name": "response_id", "label": "Response number", "kind": ID},
        {"name": "submitted_on", "label": "Day the response was submitted", "kind": DATE},
        {
            "name": "source",
            "label": "How the response arrived",
            "kind": CODE,
            "values": tuple(Response.Source.choices),
        },
    ]
    for page in instrument.pages:
        for q in page.questions:
            asked_if = " and ".join(
                text
                for text in (
                    _condition_text(instrument, page.show_if),
                    _condition_text(instrument, q.show_if),
                )
                if text
            )
            common = {"question": q, "asked_if": asked_if}
            if q.type == "multiple":
                for code, label in q.choices:
                    specs.append(
                        {
                            **common,
                            "name": f"{q.id}__{code}",
                            "label": f"{q.label} [{label}]",
                            "kind": FLAG,
                            "option": code,
                            "option_label": label,
                        }
                    )
            elif q.type in {"single", "pay_band"}:
                specs.append(
                    {
                        **common,
                        "name": q.id,
                        "label": q.label,
                        "kind": CODE,
                        "values": tuple((o.code, o.label) for o in q.options),
                        "prefer_not": q.sensitive,
                    }
                )
            elif q.type == "number":
                specs.append(
                    {
                        **common,
                        "name": q.id,
                        "label": q.label,
                        "kind": NUMBER,
                        "prefer_not": q.sensitive,
                        "spss_missing": _spss_missing(q),
                    }
                )
            else:
                specs.append({**common, "name": q.id, "label": q.label, "kind": TEXT})
    names = [s["name"] for s in specs]
    labelled = [s["kind"] in {CODE, FLAG} or s.get("prefer_not", False) for s in specs]
    spss = _short_names(
        names,
        [SPSS_NAME_BYTES] * len(names),
        SPSS_RESERVED,
        count=lambda s: len(s.encode("utf-8")),
    )
    stata = _short_names(
        names,
        [STATA_LABELLED_NAME_CHARS if has else STATA_NAME_CHARS for has in labelled],
        STATA_RESERVED,
        count=len,
    )
    return [
        Column(**spec, spss_name=spss_name, stata_name=stata_name)
        for spec, spss_name, stata_name in zip(specs, spss, stata, strict=True)
    ]


# The codebook ---------------------------------------------------------------------------------


def dataset_notes(survey: Survey) -> list[str]:
    instrument = survey.instrument
    notes = [SYNTHETIC_NOTE] if survey.is_synthetic else []
    notes += [
        f"Survey {survey.pk}: {survey.title} ({survey.organisation.name}).",
        f"Questionnaire: {instrument.title}, version {instrument.version} ({instrument.key}).",
        "One row per response. Free text is confidential: never publish it.",
        MISSING_NOTE,
        FORMULA_NOTE,
    ]
    return notes


def _values_text(column: Column) -> str:
    if column.kind == CODE:
        return "; ".join(f"{code} = {label}" for code, label in column.values)
    if column.kind == FLAG:
        return "1 = ticked; 0 = not ticked"
    if column.kind == NUMBER:
        q = column.question
        unit = f" {q.unit}" if q.unit else ""
        return f"whole number from {q.min} to {q.max}{unit}"
    if column.kind == DATE:
        return "YYYY-MM-DD"
    return ""


def _numeric_values_text(column: Column) -> str:
    if column.kind in {CODE, FLAG}:
        return "; ".join(f"{value} = {label}" for value, label in column.numeric_values.items())
    return ""


def _missing_text(column: Column) -> str:
    if column.kind in {ID, DATE} or column.question is None:
        return ""
    parts = ["blank = not asked or not answered"]
    if column.prefer_not:
        parts.append(
            f"'{PREFER_NOT}' (CSV, XLSX) = {column.spss_missing} (SPSS user-missing) "
            f"= .{STATA_PREFER_NOT} (Stata) = {PREFER_NOT_LABEL}"
        )
    return "; ".join(parts)


def _notes_text(column: Column) -> str:
    notes = []
    if column.kind == TEXT:
        notes.append("Confidential free text: never publish it.")
        notes.append(FORMULA_NOTE)
    if column.question is not None and column.question.sensitive:
        notes.append("Sensitive (special-category) question.")
    if column.stata_label != column.label or column.spss_label != column.label:
        notes.append("The variable label is shortened in .sav/.dta to fit the format.")
    return " ".join(notes)


CODEBOOK_FIELDS = [
    "position",
    "name",
    "spss_name",
    "stata_name",
    "label",
    "type",
    "question",
    "question_type",
    "option",
    "values",
    "spss_stata_values",
    "missing",
    "asked_if",
    "notes",
]


def codebook_rows(survey: Survey) -> list[dict[str, str]]:
    """The codebook as a table: first a row describing the data set (type 'dataset'), then one
    row per column of the export, in the same order."""
    instrument = survey.instrument
    rows = [
        {
            "position": "",
            "name": "(dataset)",
            "label": survey.title,
            "type": "dataset",
            "notes": " ".join(dataset_notes(survey)),
        }
    ]
    for position, column in enumerate(columns(instrument), start=1):
        q = column.question
        rows.append(
            {
                "position": str(position),
                "name": column.name,
                "spss_name": column.spss_name,
                "stata_name": column.stata_name,
                "label": column.label,
                "type": TYPE_NAMES[column.kind],
                "question": q.id if q else "",
                "question_type": q.type if q else "",
                "option": column.option,
                "values": _values_text(column),
                "spss_stata_values": _numeric_values_text(column),
                "missing": _missing_text(column),
                "asked_if": column.asked_if,
                "notes": _notes_text(column),
            }
        )
    return [{field: row.get(field, "") for field in CODEBOOK_FIELDS} for row in rows]


def codebook_document(survey: Survey) -> dict:
    """The codebook for programs: JSON-ready, with codes and labels as lists."""
    instrument = survey.instrument
    described = []
    for position, column in enumerate(columns(instrument), start=1):
        q = column.question
        entry: dict = {
            "position": position,
            "name": column.name,
            "spss_name": column.spss_name,
            "stata_name": column.stata_name,
            "label": column.label,
            "spss_label": column.spss_label,
            "stata_label": column.stata_label,
            "type": column.kind,
            "question": q.id if q else None,
            "question_type": q.type if q else None,
            "question_label": q.label if q else None,
            "option": column.option or None,
            "asked_if": column.asked_if or None,
            "sensitive": bool(q and q.sensitive),
            "free_text": column.kind == TEXT,
        }
        if column.kind == CODE:
            entry["codes"] = [
                {"code": code, "value": value, "label": label}
                for value, (code, label) in enumerate(column.values, start=1)
            ]
        if column.kind == FLAG:
            entry["codes"] = [
                {"value": value, "label": label} for value, label in FLAG_LABELS.items()
            ]
        if column.kind == NUMBER:
            entry["range"] = {"min": q.min, "max": q.max, "unit": q.unit or None}
        if column.prefer_not:
            entry["prefer_not"] = {
                "label": PREFER_NOT_LABEL,
                "csv": PREFER_NOT,
                "xlsx": PREFER_NOT,
                "spss": column.spss_missing,
                "stata": f".{STATA_PREFER_NOT}",
            }
        described.append(entry)
    return {
        "dataset": {
            "survey": survey.pk,
            "title": survey.title,
            "organisation": survey.organisation.name,
            "instrument": instrument.key,
            "instrument_title": instrument.title,
            "synthetic": survey.is_synthetic,
            "generated_on": timezone.localdate().isoformat(),
            "notes": dataset_notes(survey),
        },
        "columns": described,
    }
