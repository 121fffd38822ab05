"""Their values to our answers, a column at a time, in polars.

Nothing here makes a Python object per cell: each mapped column becomes an expression that
yields both the JSON text of its answer (a fragment such as `"nhs_work": "direct"`) and one
boolean per kind of problem. The fragments of a row are joined into the answers document that
is stored as it is, so a million rows are recoded and checked in a few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from freeassoc.surveys.instrument import PREFER_NOT, Condition

from .mapping import DELIMITED, NUMBER, SINGLE, TEXT, TICK, ColumnRule, Mapping
from .readers import ReadError, Table

ROW = "__row"
BLANK = "__blank"

# Kinds of problem, in the order a report lists their counts.
UNMAPPED = "unmapped column"
ABSENT_COLUMN = "missing column"
UNKNOWN = "unknown code"
NOT_NUMBER = "not a whole number"
OUT_OF_RANGE = "out of range"
TOO_LONG = "too long"
EXCLUSIVE = "exclusive answer with others"
HIDDEN = "answer skip logic hides"
EMPTY = "no answers"
KINDS = (UNMAPPED, ABSENT_COLUMN, UNKNOWN, NOT_NUMBER, OUT_OF_RANGE, TOO_LONG, EXCLUSIVE,
         HIDDEN, EMPTY)  # fmt: skip

PROBLEM_SCHEMA = {
    "row": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "kind": pl.String,
    "problem": pl.String,
}


@dataclass(frozen=True)
class Recoded:
    answers: pl.Series  # JSON text, one per row kept
    problems: pl.DataFrame  # PROBLEM_SCHEMA; row is null for a problem with the whole file
    rows: int  # rows of answers (blank rows not counted)
    blank_rows: int
    row_word: str


@dataclass(frozen=True)
class _Check:
    name: str
    column: str
    kind: str
    message: str


def _value(rule: ColumnRule, missing: list[str]) -> pl.Expr:
    """Their cell as text, null when it means 'not answered'."""
    v = pl.col(rule.column).str.strip_chars()
    return pl.when(v.is_in(missing)).then(None).otherwise(v)


def _v(rule: ColumnRule) -> str:
    return f"v:{rule.column}"


def recode(table: Table, mapping: Mapping) -> Recoded:
    instrument = mapping.instrument
    frame = table.frame
    file_problems: list[dict] = []
    for name in table.duplicate_columns:
        file_problems.append(
            {"column": name, "kind": UNMAPPED, "problem": "this column name appears twice"}
        )
    present = set(table.columns)
    for name in table.columns:
        base = name.rsplit("_duplicated_", 1)[0]
        if base not in mapping.ignore and base not in set(mapping.columns):
            if name == base:
                file_problems.append(
                    {
                        "column": name,
                        "kind": UNMAPPED,
                        "problem": "this column is neither mapped nor listed under 'ignore'",
                    }
                )
    for rule in mapping.rules:
        if rule.column not in present:
            file_problems.append(
                {
                    "column": rule.column,
                    "kind": ABSENT_COLUMN,
                    "problem": f"the mapping (line {rule.line}) names this column, "
                    "but the file has no such column",
                }
            )
    file_frame = pl.DataFrame(
        [{"row": None, "value": None, **p} for p in file_problems], schema=PROBLEM_SCHEMA
    )
    # Check the rows against the rules whose columns are there, so that one run lists
    # every problem, with the file and with its rows.
    mapping = replace(mapping, rules=tuple(r for r in mapping.rules if r.column in present))
    if not mapping.rules:
        rows = frame.select(pl.len()).collect().item()
        return Recoded(pl.Series("answers", [], pl.String), file_frame, rows, 0, table.row_word)

    # Rows with nothing in any cell (a spreadsheet's trailing rows) are not responses.
    blank = pl.all_horizontal([pl.col(c).is_null() | (pl.col(c) == "") for c in table.columns])
    kept = frame.with_row_index(ROW, offset=table.first_row).with_columns(
        pl.col(ROW).cast(pl.Int64), blank.alias(BLANK)
    )

    missing = sorted(mapping.missing)
    # Several-answer columns split once, into lists of their codes.
    lazy = kept.with_columns([_value(r, missing).alias(_v(r)) for r in mapping.rules]).with_columns(
        [
            pl.col(_v(r))
            .str.split(r.separator)
            .list.eval(pl.element().str.strip_chars())
            .list.eval(pl.element().filter(pl.element() != ""))
            .alias(f"l:{r.column}")
            for r in mapping.rules
            if r.kind == DELIMITED
        ]
    )

    checks: list[_Check] = []
    check_exprs: list[pl.Expr] = []
    decoded: list[pl.Expr] = []
    fragments: dict[str, pl.Expr] = {}

    def check(rule_column: str, kind: str, message: str, expr: pl.Expr) -> None:
        name = f"e:{len(checks)}"
        checks.append(_Check(name, rule_column, kind, message))
        check_exprs.append((expr.fill_null(False) & ~pl.col(BLANK)).alias(name))

    read_by_skip_logic = {
        c.question
        for page in instrument.pages
        for c in (page.show_if, *(q.show_if for q in page.questions))
        if c is not None
    }
    for qid in mapping.questions:
        q = instrument.questions[qid]
        rules = mapping.rules_for(qid)
        if q.type == "multiple":
            codes = [c for c, _ in q.choices]
            ticks: dict[str, list[pl.Expr]] = {c: [] for c in codes}
            for rule in rules:
                v = pl.col(_v(rule))
                if rule.kind == TICK:
                    ticks[rule.code].append(v.is_in(list(rule.ticked)).fill_null(False))
                    known = list(rule.ticked) + list(rule.unticked)
                    check(
                        rule.column,
                        UNKNOWN,
                        f"is neither ticked ({', '.join(rule.ticked)}) nor unticked "
                        f"({', '.join(rule.unticked)}) for '{qid}'",
                        v.is_not_null() & ~v.is_in(known),
                    )
                else:  # DELIMITED
                    assert rule.kind == DELIMITED
                    parts = pl.col(f"l:{rule.column}")
                    lookup = rule.values or {c: c for c in codes}
                    for code in codes:
                        theirs = [k for k, ours in lookup.items() if ours == code]
                        if theirs:
                            has = [parts.list.contains(pl.lit(k)) for k in theirs]
                            ticks[code].append(pl.any_horizontal(has).fill_null(False))
                    check(
                        rule.column,
                        UNKNOWN,
                        f"holds an answer that is not a code of '{qid}' in the mapping",
                        parts.list.eval(~pl.element().is_in(list(lookup))).list.any(),
                    )
            for code in codes:
                expr = pl.any_horizontal(ticks[code]) if ticks[code] else pl.lit(False)
                decoded.append(expr.alias(f"t:{qid}:{code}"))
            exclusive = [o.code for o in q.options if o.exclusive]
            first = rules[0].column
            for code in exclusive:
                others = [pl.col(f"t:{qid}:{c}") for c in codes if c != code]
                check(
                    first,
                    EXCLUSIVE,
                    f"ticks '{code}' of '{qid}' together with other answers",
                    pl.col(f"t:{qid}:{code}") & pl.any_horizontal(others),
                )
            listed = pl.concat_str(
                [pl.when(pl.col(f"t:{qid}:{c}")).then(pl.lit(f'"{c}"')) for c in codes],
                separator=", ",
                ignore_nulls=True,
            )
            fragments[qid] = pl.when(
                pl.any_horizontal([pl.col(f"t:{qid}:{c}") for c in codes])
            ).then(pl.concat_str([pl.lit(f'"{qid}": ['), listed, pl.lit("]")]))
            continue

        (rule,) = rules
        v = pl.col(_v(rule))
        if rule.kind == SINGLE:
            lookup = rule.values or {c: c for c, _ in q.choices}
            # Straight from their value to the JSON fragment, one lookup per row; the bare
            # code is kept only for questions that skip logic reads.
            decoded.append(
                v.replace_strict(
                    list(lookup),
                    [f'"{qid}": "{code}"' for code in lookup.values()],
                    default=None,
                    return_dtype=pl.String,
                ).alias(f"f:{qid}")
            )
            if qid in read_by_skip_logic:
                decoded.append(
                    v.replace_strict(
                        list(lookup), list(lookup.values()), default=None, return_dtype=pl.String
                    ).alias(f"c:{qid}")
                )
            check(
                rule.column,
                UNKNOWN,
                f"is not a code of '{qid}' in the mapping",
                v.is_not_null() & ~v.is_in(list(lookup)),
            )
            fragments[qid] = pl.col(f"f:{qid}")
        elif rule.kind == NUMBER:
            special = list(rule.values)
            number = v.cast(pl.Int64, strict=False)
            is_special = v.is_in(special) if special else pl.lit(False)
            check(
                rule.column,
                NOT_NUMBER,
                f"is not a whole number (for '{qid}')",
                v.is_not_null() & ~is_special & number.is_null(),
            )
            check(
                rule.column,
                OUT_OF_RANGE,
                f"is outside {q.min} to {q.max} (for '{qid}')",
                number.is_not_null() & ~is_special & ((number < q.min) | (number > q.max)),
            )
            good = number.is_not_null() & (number >= q.min) & (number <= q.max)
            fragments[qid] = (
                pl.when(is_special)
                .then(pl.lit(f'"{qid}": "{PREFER_NOT}"'))
                .when(good)
                .then(pl.concat_str([pl.lit(f'"{qid}": '), number.cast(pl.String)]))
            )
        else:
            assert rule.kind == TEXT
            check(
                rule.column,
                TOO_LONG,
                f"is longer than {q.max_length} characters (for '{qid}')",
                v.str.len_chars() > q.max_length,
            )
            encoded = pl.struct(v.alias(qid)).struct.json_encode()
            fragments[qid] = pl.when(v.is_not_null()).then(
                encoded.str.strip_prefix("{").str.strip_suffix("}")
            )

    lazy = lazy.with_columns(decoded)

    # Skip logic: an answer to a question its page's or its own condition hides.
    def holds(condition: Condition | None) -> pl.Expr:
        if condition is None:
            return pl.lit(True)
        target = instrument.questions[condition.question]
        if condition.question not in fragments:
            return pl.lit(False)
        if target.type == "multiple":
            return pl.any_horizontal([pl.col(f"t:{target.id}:{c}") for c in condition.any_of])
        return pl.col(f"c:{target.id}").is_in(list(condition.any_of)).fill_null(False)

    for page in instrument.pages:
        for q in page.questions:
            if q.id not in fragments or (page.show_if is None and q.show_if is None):
                continue
            visible = holds(page.show_if) & holds(q.show_if)
            if mapping.drop_hidden:
                fragments[q.id] = pl.when(visible).then(fragments[q.id])
            else:
                cond = q.show_if or page.show_if
                check(
                    mapping.rules_for(q.id)[0].column,
                    HIDDEN,
                    f"answers '{q.id}', which is only asked when '{cond.question}' is "
                    f"{' or '.join(cond.any_of)}",
                    fragments[q.id].is_not_null() & ~visible,
                )

    parts = [fragments[q].alias(f"f:{q}") for q in mapping.questions]
    lazy = lazy.with_columns(parts).with_columns(
        pl.concat_str(
            [
                pl.lit("{"),
                pl.concat_str(pl.col(r"^f:.*$"), separator=", ", ignore_nulls=True),
                pl.lit("}"),
            ]
        ).alias("answers")
    )
    first_column = mapping.rules[0].column
    check(
        first_column,
        EMPTY,
        "this row answers none of the mapped questions",
        pl.col("answers") == "{}",
    )
    # The last check reads "answers", so checks are computed in a stage after it.
    lazy = lazy.with_columns(check_exprs)
    value_columns = {r.column: _v(r) for r in mapping.rules}
    # Only the answers and one boolean per check are kept for every row: their values are
    # fetched again below for the rows with problems alone, which are usually few.
    try:
        result = lazy.select([ROW, BLANK, "answers", *[c.name for c in checks]]).collect(
            engine="streaming"
        )
    except pl.exceptions.PolarsError as exc:
        raise ReadError(f"The file could not be read: {str(exc).splitlines()[0]}") from exc
    blank_rows = int(result[BLANK].sum())
    if blank_rows:
        result = result.filter(~pl.col(BLANK))

    flags = result.select([pl.col(c.name).sum() for c in checks]).row(0)
    flagged = [(c, n) for c, n in zip(checks, flags, strict=True) if n]
    found = []
    if flagged:
        bad = result.filter(pl.any_horizontal([pl.col(c.name) for c, _ in flagged]))
        values = (
            lazy.select([ROW, *sorted(set(value_columns.values()))])
            .filter(pl.col(ROW).is_in(bad[ROW].implode()))
            .collect()
        )
        bad = bad.join(values, on=ROW, how="left", maintain_order="left")
        for c, _ in flagged:
            found.append(
                bad.filter(pl.col(c.name)).select(
                    pl.col(ROW).alias("row"),
                    pl.lit(c.column).alias("column"),
                    pl.col(value_columns[c.column]).alias("value"),
                    pl.lit(c.kind).alias("kind"),
                    pl.lit(c.message).alias("problem"),
                )
            )
    problems = pl.concat([file_frame, *found]).sort(
        ["row", "column"], nulls_last=False, maintain_order=True
    )
    return Recoded(result["answers"], problems, result.height, blank_rows, table.row_word)
