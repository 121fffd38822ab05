"""Read another tool's data file into a polars DataFrame of text columns.

Everything is read as text and compared as text against the mapping: a code is a code
whether the tool wrote it as 1, 1.0 or "1". CSV and Excel rows are numbered as a spreadsheet
shows them (the header is row 1, the first answers row 2); SPSS cases from 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

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
    if kind == "csv":
        frame, first, word = _scan_csv(path), 2, "row"
    else:
        if kind == "xlsx":
            eager, first, word = _read_xlsx(path), 2, "row"
        else:
            eager, first, word = _read_sav(path, spss_labels), 1, "case"
        frame = _as_text(eager).lazy()
    columns = frame.collect_schema().names()
    stripped = {c: c.strip() for c in columns if c != c.strip() and c.strip() not in columns}
    if stripped:
        frame = frame.rename(stripped)
        columns = [stripped.get(c, c) for c in columns]
    return Table(frame, columns, first, word, _duplicates(columns))
