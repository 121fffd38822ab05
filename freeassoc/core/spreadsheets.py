"""Text that spreadsheets would run: every CSV (and XLSX text cell) the site writes goes
through `neutralise`, so that a cell someone typed as `=HYPERLINK(...)` or `@SUM(...)` opens
as the text it is, not as a formula (OWASP's advice on CSV injection: a leading apostrophe
for a cell that starts with one of the triggers below)."""

import csv
from typing import IO, Any

import polars as pl

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, made plain text with a leading
    apostrophe; anything else (numbers included) as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralised(expr: pl.Expr) -> pl.Expr:
    """`neutralise` for a polars column of text, for files written a column at a time."""
    return (
        pl.when(expr.str.contains(r"^[=+\-@\t\r]"))
        .then(pl.lit("'") + expr)
        .otherwise(expr)
        .cast(pl.String)
    )


class Writer:
    """csv.writer that neutralises every cell."""

    def __init__(self, out: IO[str], **options):
        self._writer = csv.writer(out, **options)

    def writerow(self, row) -> None:
        self._writer.writerow([neutralise(value) for value in row])

    def writerows(self, rows) -> None:
        for row in rows:
            self.writerow(row)


class DictWriter(csv.DictWriter):
    """csv.DictWriter that neutralises every cell."""

    def writerow(self, rowdict):
        return super().writerow({key: neutralise(value) for key, value in rowdict.items()})
