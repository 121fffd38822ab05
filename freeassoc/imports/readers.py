"""Read another tool's data file into a polars DataFrame of text columns.

Everything is read as text and compared as text against the mapping: a code is a code
whether the tool wrote it as 1, 1.0 or "1". CSV and Excel rows are numbered as a spreadsheet
shows them (the header is row 1, the first answers row 2); SPSS cases from 1.
"""

from __future__ import annotations

import csv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django.conf import settings

SUFFIXES = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".sav": "sav"}


class ReadError(ValueError):
    """A file that cannot be read as a table; the message says why in a sentence."""


@dataclass(frozen=True)
class Table:
    frame: pl.LazyFrame  # every column String
    columns: list[str]
    first_row: int  # the number shown for the first answers row
    row_word: str  # "row" or "case"
    duplicate_columns: tuple[str, ...] = ()


def kind_of(filename: str) -> str:
    kind = SUFFIXES.get(Path(filename).suffix.lower())
    if kind is None:
        raise ReadError(
            f"'{Path(filename).name}' is not a file we can read: send a .csv, .xlsx or .sav file."
        )
    return kind


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as text; floats that hold whole numbers written without '.0'."""
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype.is_float():
            whole = col.round(0) == col
            exprs.append(
                pl.when(whole).then(col.cast(pl.Int64, strict=False).cast(pl.String))
                .otherwise(col.cast(pl.String))
                .alias(name)
            )  # fmt: skip
        elif dtype != pl.String:
            exprs.append(col.cast(pl.String))
    frame = frame.with_columns(exprs) if exprs else frame
    # A spreadsheet may hold codes as text that reads "1.0"; compare them as "1". Checked
    # first, column by column, because the rewrite is costly and seldom needed.
    suspects = frame.select(pl.col(pl.String).str.ends_with(".0").any()).row(0, named=True)
    fixes = [
        pl.col(name).str.replace(r"^\s*(-?\d+)\.0+\s*$", "${1}")
        for name, found in suspects.items()
        if found
    ]
    return frame.with_columns(fixes) if fixes else frame


# Limits checked before a file is parsed (settings.py; docs/operating.md). -----------------

HEADER_MAX_BYTES = 1024 * 1024  # a header row longer than this is not a survey's
READ_BYTES = 1024 * 1024
XLSX_RATIO_FROM_BYTES = 16 * 1024 * 1024  # smaller parts may compress as well as they like


def _mb(size: float) -> str:
    return f"{size / (1024 * 1024):,.0f} MB"


def _check_shape(rows: int, columns: int, word: str) -> None:
    if columns > settings.FREEASSOC_IMPORT_MAX_COLUMNS:
        raise ReadError(
            f"The file has {columns:,} columns; the most we read is "
            f"{settings.FREEASSOC_IMPORT_MAX_COLUMNS:,}. Remove the columns you do not need, "
            "or ask your server's administrator to raise FREEASSOC_IMPORT_MAX_COLUMNS."
        )
    if rows > settings.FREEASSOC_IMPORT_MAX_ROWS:
        raise ReadError(
            f"The file has about {rows:,} {word}s; the most we import at once is "
            f"{settings.FREEASSOC_IMPORT_MAX_ROWS:,}. Split it into parts, or ask your "
            "server's administrator to raise FREEASSOC_IMPORT_MAX_ROWS."
        )


def _check_csv(path: Path) -> None:
    """Columns from the header, rows by counting line ends: both before polars reads a byte.
    (A line end inside a quoted answer counts as a row here, so the count errs high.)"""
    with path.open("rb") as fh:
        head = fh.readline(HEADER_MAX_BYTES + 1)
        if len(head) > HEADER_MAX_BYTES:
            raise ReadError("The first row of the file is over 1 MB long: it is not a header row.")
        rows = 0
        while chunk := fh.read(READ_BYTES):
            rows += chunk.count(b"\n")
    text = head.decode("utf-8", errors="replace")
    separator = max([",", ";", "\t"], key=text.count)
    columns = len(next(csv.reader([text], delimiter=separator), []))
    _check_shape(rows, columns, "row")


def _check_xlsx(path: Path) -> None:
    """An .xlsx is a zip: refuse one whose parts would inflate past the limit, or far beyond
    their compressed size (a "zip bomb"), before the reader inflates anything; then inflate
    each part once, a megabyte at a time, so that a part whose stated size is a lie fails its
    checksum here rather than in the reader's memory."""
    try:
        with zipfile.ZipFile(path) as book:
            parts = book.infolist()
            inflated = sum(part.file_size for part in parts)
            packed = sum(part.compress_size for part in parts)
            limit = settings.FREEASSOC_IMPORT_XLSX_MAX_MB * 1024 * 1024
            ratio = settings.FREEASSOC_IMPORT_XLSX_MAX_RATIO
            if inflated > limit:
                raise ReadError(
                    f"This Excel file unpacks to {_mb(inflated)}; the most we read is "
                    f"{_mb(limit)}. Save it as CSV, which has no such limit."
                )
            if inflated > XLSX_RATIO_FROM_BYTES and inflated > ratio * max(packed, 1):
                raise ReadError(
                    f"This Excel file unpacks to {inflated // max(packed, 1):,} times its size, "
                    "far more than a spreadsheet does: it is refused as unsafe. Save it as CSV."
                )
            for part in parts:
                with book.open(part) as stream:
                    while stream.read(READ_BYTES):
                        pass
    except zipfile.BadZipFile as exc:
        raise ReadError(f"The Excel file could not be read: {exc}") from exc


def _check_sav(path: Path) -> None:
    """The case and variable counts from the file's dictionary, before its data is read."""
    import pyreadstat

    try:
        _frame, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    except Exception as exc:  # pyreadstat raises ReadstatError / PyreadstatError
        raise ReadError(f"The SPSS file could not be read: {str(exc).splitlines()[0]}") from exc
    _check_shape(max(meta.number_rows or 0, 0), meta.number_columns or 0, "case")


CHECKS = {"csv": _check_csv, "xlsx": _check_xlsx, "sav": _check_sav}


def _scan_csv(path: Path) -> pl.LazyFrame:
    """A lazy scan: the checks and the recoding then stream through the file in pieces,
    so a million rows never sit in memory as a million rows of text columns."""
    with path.open("rb") as fh:
        head = fh.readline()
    if not head.strip():
        raise ReadError("The file is empty: it has no header row.")
    # A header row tells us the delimiter: a comma unless it has more semicolons or tabs.
    text = head.decode("utf-8", errors="replace")
    separator = max([",", ";", "\t"], key=text.count)
    try:
        frame = pl.scan_csv(path, infer_schema=False, separator=separator, encoding="utf8-lossy")
        frame.collect_schema()
    except pl.exceptions.PolarsError as exc:
        raise ReadError(f"The CSV file could not be read: {str(exc).splitlines()[0]}") from exc
    return frame


def _read_xlsx(path: Path) -> pl.DataFrame:
    try:
        # calamine (fastexcel) reads whole sheets in Rust; text schema, so codes stay codes.
        frame = pl.read_excel(path, engine="calamine", infer_schema_length=0)
    except Exception as exc:  # fastexcel raises its own error types for corrupt workbooks
        raise ReadError(f"The Excel file could not be read: {str(exc).splitlines()[0]}") from exc
    return frame


def _read_sav(path: Path, labels: bool) -> pl.DataFrame:
    import pyreadstat

    try:
        frame, _meta = pyreadstat.read_sav(
            str(path), apply_value_formats=labels, output_format="polars"
        )
    except Exception as exc:  # pyreadstat raises ReadstatError / PyreadstatError
        raise ReadError(f"The SPSS file could not be read: {str(exc).splitlines()[0]}") from exc
    return frame


def _duplicates(names: list[str]) -> tuple[str, ...]:
    seen, twice = set(), []
    for name in names:
        base = name.rsplit("_duplicated_", 1)[0]
        if base in seen and base not in twice:
            twice.append(base)
        seen.add(base)
    return tuple(twice)


def read(path: Path, *, filename: str = "", spss_labels: bool = False) -> Table:
    """The file at `path` (its kind from `filename`, or from the path) as text columns."""
    kind = kind_of(filename or path.name)
    CHECKS[kind](path)
    if kind == "csv":
        frame, first, word = _scan_csv(path), 2, "row"
    else:
        if kind == "xlsx":
            eager, first, word = _read_xlsx(path), 2, "row"
        else:
            eager, first, word = _read_sav(path, spss_labels), 1, "case"
        _check_shape(eager.height, eager.width, word)  # .sav without a case count; .xlsx
        frame = _as_text(eager).lazy()
    columns = frame.collect_schema().names()
    stripped = {c: c.strip() for c in columns if c != c.strip() and c.strip() not in columns}
    if stripped:
        frame = frame.rename(stripped)
        columns = [stripped.get(c, c) for c in columns]
    return Table(frame, columns, first, word, _duplicates(columns))
