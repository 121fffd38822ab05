"""Microdata exports of one survey: CSV, XLSX, SPSS .sav and Stata .dta, and its codebook.

The layout (columns, names, labels, codes) lives in `codebook.columns()`; this module only fills
it. Responses are read a chunk at a time by the reader the findings use too
(`frame.response_blocks`): the JSON text of each response comes from the database as text and
polars decodes a whole chunk at once against a schema built from the instrument, so no Python
object is made per answer and a million rows never sit in memory together -- except where a
format library needs the whole table (pyreadstat for .sav and .dta; see `write_sav`).

A stored answer that does not fit the questionnaire (an unknown code, a word where a number
belongs) stops the export with an ExportError naming the response: an export never drops or
blanks a value silently.

Every export is written to the organisation's audit log by `export_audit`; the callers (the
views and the `export` command) call it.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import re
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import polars as pl
from django.db import DatabaseError
from django.utils import timezone
from django.utils.text import slugify

from freeassoc.core import spreadsheets
from freeassoc.core.spreadsheets import neutralise, neutralised
from freeassoc.orgs.models import AuditEvent
from freeassoc.orgs.services import audit_record
from freeassoc.surveys.instrument import PREFER_NOT, PREFER_NOT_LABEL, Instrument
from freeassoc.surveys.models import Response, Survey

from . import codebook
from .codebook import CODE, DATE, FLAG, ID, NUMBER, TEXT, Column
from .frame import DAY, META_SCHEMA, PK, SOURCE, decode_lines, response_blocks

CHUNK_ROWS = 10_000  # responses decoded together; bounds the text held at once
XLSX_MAX_ROWS = 1_048_576  # Excel's rows per sheet, the header included
# xlsxwriter costs about 9 microseconds of CPU a cell (constant-memory mode, one typed call a
# cell; write_row is no faster), about 0.6 ms a Surviving Work response
# (bench/export_bench.py): a million rows is about ten minutes. So workbooks, like .sav and
# .dta files, are made by the background worker (tasks.py), never in a web request.
XLSX_MAX_CHARS = 32_767  # Excel's characters (UTF-16 units) per cell
EXCEL_EPOCH = datetime.date(1899, 12, 30)


@dataclass(frozen=True)
class ExportFormat:
    extension: str
    content_type: str
    description: str


FORMATS = {
    "csv": ExportFormat("csv", "text/csv; charset=utf-8", "CSV (UTF-8)"),
    "xlsx": ExportFormat(
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Excel workbook, with the codebook as a second sheet",
    ),
    "sav": ExportFormat("sav", "application/x-spss-sav", "SPSS .sav, with labels"),
    "dta": ExportFormat("dta", "application/x-stata-dta", "Stata .dta (Stata 14 or later)"),
}
CODEBOOK_FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


class ExportError(Exception):
    """The stored answers cannot be exported as they are; the message says which and why."""


# Names, counts and the audit log ----------------------------------------------------------


def export_filename(*, survey: Survey, extension: str, codebook: bool = False) -> str:
    """`<slugified title>-<date>[-synthetic][-codebook].<ext>`."""
    stem = slugify(survey.title)[:80].strip("-") or f"survey-{survey.pk}"
    parts = [stem, timezone.localdate().isoformat()]
    if survey.is_synthetic:
        parts.append("synthetic")
    if codebook:
        parts.append("codebook")
    return f"{'-'.join(parts)}.{extension}"


def response_count(survey: Survey) -> int:
    return Response.objects.filter(survey=survey).count()


def export_audit(*, survey: Survey, user, fmt: str, rows: int) -> AuditEvent:
    """One line in the organisation's audit log for one export (user None: the command line)."""
    return audit_record(
        organisation=survey.organisation,
        user=user,
        action=AuditEvent.Action.EXPORT,
        detail=f"{fmt} export of survey {survey.pk} ({rows:,} rows)",
    )


# Reading the responses ----------------------------------------------------------------------


def _schema(instrument: Instrument) -> dict[str, pl.DataType]:
    """How polars decodes the stored JSON. Choices decode to an Enum of their codes, so an
    unknown code fails the decoding; numbers to text, since a sensitive one may be the code
    'prefer_not' (cast and checked after)."""
    schema: dict[str, pl.DataType] = {}
    for q in instrument.questions.values():
        if q.type in {"single", "pay_band"}:
            schema[q.id] = pl.Enum([code for code, _ in q.choices])
        elif q.type == "multiple":
            schema[q.id] = pl.List(pl.Enum([code for code, _ in q.choices]))
        else:
            schema[q.id] = pl.String()
    return schema


def _valid(instrument: Instrument, qid: str, value) -> bool:
    q = instrument.questions[qid]
    if q.type in {"single", "pay_band"}:
        return isinstance(value, str) and value in q.codes
    if q.type == "multiple":
        return isinstance(value, list) and all(isinstance(v, str) and v in q.codes for v in value)
    if q.type == "number":
        if q.sensitive and value == PREFER_NOT:
            return True
        if isinstance(value, float):
            return value.is_integer()
        if isinstance(value, str):  # as the fast path reads it: digits are a number
            return re.fullmatch(r"-?[0-9]+", value) is not None
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _decode_one_by_one(block: bytes, instrument: Instrument, schema: dict) -> pl.DataFrame:
    """The slow path, taken only when a block fails to decode: find the first answer that does
    not fit and say which; drop only empty answers (null, '' or []), which mean unanswered."""
    cleaned = []
    for line in block.decode().splitlines():
        if not line:
            continue
        document = json.loads(line)
        response_id = document.get(PK)
        if len(document) == 1 or not isinstance(document, dict):
            # frame.response_blocks put the id in front of the answers' own keys.
            raise ExportError(f"Response {response_id}: the answers are not a JSON object.")
        kept = {key: document[key] for key in META_SCHEMA}
        for qid, value in document.items():
            if qid in META_SCHEMA or qid not in schema or value in (None, "", []):
                continue
            if not _valid(instrument, qid, value):
                raise ExportError(
                    f"Response {response_id}: the answer to '{qid}' ({value!r}) does not fit "
                    f"the questionnaire {instrument.key}. Correct it, then export again."
                )
            kept[qid] = value
        cleaned.append(json.dumps(kept))
    try:
        return decode_lines("\n".join(cleaned).encode(), schema)
    except pl.exceptions.PolarsError as exc:
        raise ExportError(f"The answers cannot be read: {exc}") from exc


def _decode(block: bytes, instrument: Instrument, schema: dict) -> pl.DataFrame:
    try:
        return decode_lines(block, schema)
    except pl.exceptions.PolarsError:
        return _decode_one_by_one(block, instrument, schema)


def _blocks(survey: Survey, chunk_rows: int) -> Iterator[bytes]:
    """The survey's responses in order of id, `chunk_rows` to a block of newline-delimited
    JSON, each line a response's answers with its id, day and source (frame.response_blocks,
    the reader the findings use too). One query, read as it goes."""
    try:
        blocks = response_blocks([survey.pk], meta=True, ordered=True, chunk_rows=chunk_rows)
        for block, _ in blocks:  # with meta, each line carries its response's id
            yield block
    except DatabaseError as exc:
        if "JSON" not in str(exc):
            raise
        raise ExportError(f"The stored answers are not valid JSON: {exc}") from exc


# One chunk of responses as the export's columns --------------------------------------------

TEXT_FLAVOURS = {"csv", "xlsx"}  # codes as text, text neutralised
NUMERIC_FLAVOURS = {"spss", "stata"}  # codes as numbers with labels


def _whole(raw: pl.Expr) -> pl.Expr:
    """A number answer's text ('12', '12.0') as a whole number; null if it is not one."""
    as_float = raw.cast(pl.Float64, strict=False)
    return pl.coalesce(
        raw.cast(pl.Int64, strict=False),
        pl.when(as_float.round() == as_float).then(as_float.cast(pl.Int64, strict=False)),
    )


def _check_numbers(raw: pl.DataFrame, columns: list[Column], ids: list[int]) -> None:
    """Refuse a number answer that is not a whole number (or 'prefer_not' where allowed)."""
    for column in columns:
        if column.kind != NUMBER:
            continue
        value = pl.col(column.question.id)
        declined_ok = (value == PREFER_NOT) if column.prefer_not else pl.lit(False)
        bad = raw.select(
            (value.is_not_null() & (value != "") & ~declined_ok & _whole(value).is_null())
            .fill_null(False)
            .alias("bad")
        ).to_series()
        if bad.any():
            at = int(bad.arg_true()[0])
            raise ExportError(
                f"Response {ids[at]}: the answer to '{column.question.id}' "
                f"({raw[column.question.id][at]!r}) is not a whole number"
                + (f" or '{PREFER_NOT}'" if column.prefer_not else "")
                + ". Correct it, then export again."
            )


def _expression(flavour: str, column: Column) -> pl.Expr:
    """One export column computed from a decoded chunk (see `frames`)."""
    text = flavour in TEXT_FLAVOURS
    q = column.question
    if column.kind == ID:
        return pl.col(PK)
    if column.kind == DATE:
        if flavour == "xlsx":  # a date cell is a count of days from Excel's epoch
            return (pl.col(DAY) - pl.lit(EXCEL_EPOCH)).dt.total_days().cast(pl.Int32)
        return pl.col(DAY)
    if q is None:  # the response's source
        if text:
            return neutralised(pl.col(SOURCE))
        codes = {code: i for i, (code, _) in enumerate(column.values, start=1)}
        return pl.col(SOURCE).replace_strict(codes, return_dtype=pl.Int8)
    value = pl.col(q.id)
    if column.kind == CODE:
        if text:
            return value.cast(pl.String)
        number = value.to_physical().cast(pl.Int16) + 1
        if column.prefer_not:
            declined = value.cast(pl.String) == PREFER_NOT
            return pl.when(declined).then(pl.lit(column.spss_missing, pl.Int16)).otherwise(number)
        return number
    if column.kind == FLAG:
        ticked = value.cast(pl.List(pl.String)).list.contains(pl.lit(column.option))
        return pl.when(value.list.len() > 0).then(ticked.cast(pl.Int8))
    if column.kind == NUMBER:
        whole = _whole(value)
        if not column.prefer_not:
            return whole if text else whole.cast(pl.Int32)
        declined = value == PREFER_NOT
        if text:
            return pl.when(declined).then(pl.lit(PREFER_NOT)).otherwise(whole.cast(pl.String))
        return pl.when(declined).then(pl.lit(column.spss_missing)).otherwise(whole).cast(pl.Int32)
    answered = pl.when(value != "").then(value)  # free text: an empty answer is no answer
    return neutralised(answered) if text else answered


def _frame(flavour: str, columns: list[Column], raw: pl.DataFrame) -> pl.DataFrame:
    _check_numbers(raw, columns, raw[PK].to_list())
    try:
        return raw.select(_expression(flavour, c).alias(c.name) for c in columns)
    except pl.exceptions.PolarsError as exc:  # an unknown source, a number too large ...
        raise ExportError(f"The responses cannot be exported as they are: {exc}") from exc


def frames(
    survey: Survey, *, flavour: str, chunk_rows: int | None = None
) -> Iterator[pl.DataFrame]:
    """The export's rows, a chunk at a time, as polars frames in the layout's column order.

    flavour: 'csv' or 'xlsx' (codes as text, formula triggers neutralised), 'spss' or 'stata'
    (codes as 1..n, "Prefer not to say" as the SPSS user-missing value; see codebook.py).
    At least one frame is yielded, empty when there are no responses.
    """
    if flavour not in TEXT_FLAVOURS | NUMERIC_FLAVOURS:
        raise ValueError(f"unknown flavour {flavour!r}")
    instrument = survey.instrument
    columns = codebook.columns(instrument)
    schema = {**META_SCHEMA, **_schema(instrument)}
    sent = False
    for block in _blocks(survey, chunk_rows or CHUNK_ROWS):
        yield _frame(flavour, columns, _decode(block, instrument, schema))
        sent = True
    if not sent:
        yield _frame(flavour, columns, pl.DataFrame(schema=schema))


# CSV: streamed ------------------------------------------------------------------------------


def _csv_parts(survey: Survey, *, bom: bool) -> Iterator[tuple[str, int]]:
    first = True
    for frame in frames(survey, flavour="csv"):
        text = frame.write_csv(include_header=first, line_terminator="\r\n")
        yield ("\ufeff" + text if first and bom else text), frame.height
        first = False


def csv_chunks(survey: Survey, *, bom: bool = False) -> Iterator[str]:
    """The CSV export as text, a chunk of rows at a time (for StreamingHttpResponse or a file);
    the first chunk is the header and the first rows.

    RFC 4180: comma-separated, double quotes where needed, CRLF line ends, UTF-8. No byte-order
    mark unless asked for: R, Python, Stata and databases read plain UTF-8 and would find a BOM
    in their first column's name; Excel users have the XLSX export, or can ask for bom=True."""
    for text, _ in _csv_parts(survey, bom=bom):
        yield text


def codebook_csv(survey: Survey) -> str:
    buffer = io.StringIO()
    writer = spreadsheets.DictWriter(buffer, fieldnames=codebook.CODEBOOK_FIELDS)
    writer.writeheader()
    for row in codebook.codebook_rows(survey):
        writer.writerow(row)
    return buffer.getvalue()


def codebook_json(survey: Survey) -> str:
    return json.dumps(codebook.codebook_document(survey), indent=2, ensure_ascii=False) + "\n"


# XLSX: xlsxwriter, constant memory ----------------------------------------------------------


Progress = Callable[[int], None]  # called with the rows written so far, after each chunk


def write_xlsx(survey: Survey, path: str | os.PathLike, progress: Progress | None = None) -> int:
    """The responses sheet (continued on 'Responses 2' ... past Excel's row limit, never cut)
    and the codebook sheet, written with xlsxwriter in constant-memory mode: each row goes to a
    temporary file as soon as it is complete. Returns the number of responses written."""
    import xlsxwriter

    columns = codebook.columns(survey.instrument)
    workbook = xlsxwriter.Workbook(
        os.fspath(path),
        {
            "constant_memory": True,
            # Never turn text into a formula, a link or a number: text stays text.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "use_zip64": True,  # only used when a part passes 4 GB
        },
    )
    notes = codebook.dataset_notes(survey)
    workbook.set_properties(
        {"title": survey.title, "subject": survey.instrument.key, "comments": " ".join(notes)}
    )
    bold = workbook.add_format({"bold": True})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})

    sheets: list = []

    def new_sheet():
        sheet = workbook.add_worksheet(
            "Responses" if not sheets else f"Responses {len(sheets) + 1}"
        )
        sheet.freeze_panes(1, 0)
        for c, column in enumerate(columns):
            sheet.write_string(0, c, column.name, bold)
        sheets.append(sheet)
        return sheet

    def writers(sheet) -> list:
        def text(r, c, v):
            if sheet.write_string(r, c, v) == -2:
                raise ExportError(
                    f"An answer in '{columns[c].name}' is longer than an Excel cell holds "
                    f"({XLSX_MAX_CHARS:,} characters). Export CSV, .sav or .dta instead."
                )

        def maybe_declined(r, c, v):
            if v == PREFER_NOT:
                sheet.write_string(r, c, v)
            else:
                sheet.write_number(r, c, int(v))

        def date(r, c, v):
            sheet.write_number(r, c, v, day)

        out = []
        for column in columns:
            if column.kind == DATE:
                out.append(date)
            elif column.kind in {ID, FLAG}:
                out.append(sheet.write_number)
            elif column.kind == NUMBER:
                out.append(maybe_declined if column.prefer_not else sheet.write_number)
            elif column.kind == TEXT:
                out.append(text)
            else:
                out.append(sheet.write_string)
        return out

    sheet = new_sheet()
    write = writers(sheet)
    positions = range(len(columns))
    per_sheet = XLSX_MAX_ROWS - 1
    row = 0
    total = 0
    try:
        for frame in frames(survey, flavour="xlsx"):
            for values in frame.iter_rows():
                if row == per_sheet:
                    sheet = new_sheet()
                    write = writers(sheet)
                    row = 0
                row += 1
                for c, put, value in zip(positions, write, values, strict=True):
                    if value is not None:
                        put(row, c, value)
            total += frame.height
            if progress:
                progress(total)
        _codebook_sheet(workbook, survey, bold)
    finally:
        workbook.close()
    return total


def _codebook_sheet(workbook, survey: Survey, bold) -> None:
    sheet = workbook.add_worksheet("Codebook")
    sheet.freeze_panes(1, 0)
    for c, field in enumerate(codebook.CODEBOOK_FIELDS):
        sheet.write_string(0, c, field, bold)
    for r, row in enumerate(codebook.codebook_rows(survey), start=1):
        for c, field in enumerate(codebook.CODEBOOK_FIELDS):
            if row[field]:
                sheet.write_string(r, c, neutralise(row[field]))
    sheet.set_column(0, 0, 9)
    sheet.set_column(1, 3, 24)
    sheet.set_column(4, 4, 60)


# SPSS and Stata: pyreadstat -----------------------------------------------------------------


def _whole_table(survey: Survey, flavour: str, progress: Progress | None = None) -> pl.DataFrame:
    """pyreadstat writes a whole data frame at once, so the chunks are joined here. The numeric
    layout is compact (one or two bytes a cell for codes and indicators): measured with
    bench/export_bench.py, a million Surviving Work responses peak at about 470 MB resident
    for .sav or .dta, against about 200 MB for a small export. Free text adds its length."""
    chunks, done = [], 0
    for frame in frames(survey, flavour=flavour):
        chunks.append(frame)
        done += frame.height
        if progress:
            progress(done)
    return pl.concat(chunks, rechunk=True) if len(chunks) > 1 else chunks[0]


def _numeric_labels(columns: list[Column], limit_bytes: int | None) -> dict[str, dict]:
    labels = {}
    for column in columns:
        values = column.numeric_values if column.kind in {CODE, FLAG} else {}
        if limit_bytes:
            values = {
                v: codebook.fit(label, limit_bytes, encoding="utf-8") for v, label in values.items()
            }
        if values or column.prefer_not:
            labels[column.name] = values
    return labels


def _file_notes(survey: Survey) -> list[str]:
    """SPSS keeps notes as 80-character lines."""
    lines: list[str] = []
    for note in codebook.dataset_notes(survey):
        lines += textwrap.wrap(note, 80)
    return lines


def _file_label(survey: Survey) -> str:
    return ("SYNTHETIC: " if survey.is_synthetic else "") + survey.title


def write_sav(survey: Survey, path: str | os.PathLike, progress: Progress | None = None) -> int:
    """SPSS .sav (bytecode-compressed, as SPSS writes by default) with variable labels, value
    labels, "Prefer not to say" as a user-missing value, measurement levels and the data-set
    notes. Returns the number of responses written."""
    import pyreadstat

    columns = codebook.columns(survey.instrument)
    table = _whole_table(survey, "spss", progress)
    labels = _numeric_labels(columns, codebook.SPSS_VALUE_LABEL_BYTES)
    missing = {}
    for column in columns:
        if column.prefer_not:
            labels[column.name][column.spss_missing] = PREFER_NOT_LABEL
            missing[column.name] = [column.spss_missing]
    measure = {
        ID: "nominal",
        DATE: "scale",
        CODE: "nominal",
        FLAG: "nominal",
        NUMBER: "scale",
        TEXT: "nominal",
    }
    renames = {c.name: c.spss_name for c in columns}
    pyreadstat.write_sav(
        table.rename(renames),
        os.fspath(path),
        file_label=codebook.fit(
            _file_label(survey), codebook.SPSS_FILE_LABEL_BYTES, encoding="utf-8"
        ),
        column_labels={c.spss_name: c.spss_label for c in columns},
        variable_value_labels={renames[k]: v for k, v in labels.items()},
        missing_ranges={renames[k]: v for k, v in missing.items()},
        variable_measure={
            c.spss_name: "ordinal"
            if c.question is not None and c.question.type == "pay_band"
            else measure[c.kind]
            for c in columns
        },
        variable_format={renames["response_id"]: "F12.0"},
        note=_file_notes(survey),
        row_compress=True,
    )
    return table.height


def write_dta(survey: Survey, path: str | os.PathLike, progress: Progress | None = None) -> int:
    """Stata .dta (format 118, Stata 14 or later) with variable labels (80 characters at most),
    value labels and "Prefer not to say" as the extended missing value .a with its label.
    Returns the number of responses written."""
    import pyreadstat

    columns = codebook.columns(survey.instrument)
    table = _whole_table(survey, "stata", progress)
    labels = _numeric_labels(columns, None)
    declinable = [c for c in columns if c.prefer_not]
    # pyreadstat writes .a where the data frame holds the letter "a": an object column.
    table = table.with_columns(
        pl.Series(
            c.name,
            [
                codebook.STATA_PREFER_NOT if v == c.spss_missing else v
                for v in table[c.name].to_list()
            ],
            dtype=pl.Object,
        )
        for c in declinable
    )
    for column in declinable:
        labels[column.name][codebook.STATA_PREFER_NOT] = PREFER_NOT_LABEL
    renames = {c.name: c.stata_name for c in columns}
    pyreadstat.write_dta(
        table.rename(renames),
        os.fspath(path),
        file_label=codebook.fit(_file_label(survey), codebook.STATA_LABEL_CHARS),
        column_labels={c.stata_name: c.stata_label for c in columns},
        variable_value_labels={renames[k]: v for k, v in labels.items()},
        missing_user_values={c.stata_name: [codebook.STATA_PREFER_NOT] for c in declinable},
        variable_format={renames["response_id"]: "%12.0f"},
        version=14,
    )
    return table.height


# Files ------------------------------------------------------------------------------------

FILE_WRITERS = {"xlsx": write_xlsx, "sav": write_sav, "dta": write_dta}


def write_csv(survey: Survey, out: IO[str], *, bom: bool = False) -> int:
    """The CSV export into an open text stream (a file opened with newline=''; stdout).
    Returns the number of responses written."""
    rows = 0
    for text, count in _csv_parts(survey, bom=bom):
        out.write(text)
        rows += count
    return rows


def export_to_path(
    *,
    survey: Survey,
    fmt: str,
    path: str | os.PathLike,
    bom=False,
    progress: Progress | None = None,
) -> int:
    """Write the export to `path`, all or nothing: a file of its own beside it first, renamed
    into place once complete. Returns the number of responses written."""
    path = Path(path)
    handle, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(handle)
    try:
        if fmt == "csv":
            with open(partial, "w", encoding="utf-8", newline="") as out:
                rows = write_csv(survey, out, bom=bom)
        else:
            rows = FILE_WRITERS[fmt](survey, partial, progress)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return rows
