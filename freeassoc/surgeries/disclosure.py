"""Statistical disclosure control for the collective-grievance tables.

A local, small version of what freeassoc/findings will do for every published figure (and to be
unified with it): a count under k is suppressed (primary suppression); then, wherever a row or
a column has exactly one suppressed cell, the next smallest cell in that line is suppressed too
(secondary suppression), and so on until, in every line, the suppressed cells are at least two
and add up to at least k (the rule freeassoc/findings/disclosure.py applies to breakdowns), so
a suppressed cell can never be worked out, or nearly, by subtracting the cells shown from a
total. A total is published only when it is at least k and its line is safe in that sense.

Zero is not disclosive (no workplace), so zeros are shown unless chosen for secondary
suppression; non-zero cells are preferred as partners, because a suppressed zero protects less.
"""

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

K = 10

PRIMARY = "primary"  # fewer than k
SECONDARY = "secondary"  # withheld so that a suppressed cell cannot be derived


@dataclass
class Protected:
    rows: list
    cols: list
    values: dict  # (row, col) -> count, the true values: never published as such
    k: int
    suppressed: dict = field(default_factory=dict)  # (row, col) -> PRIMARY | SECONDARY
    margins: tuple = ("rows", "cols")  # the totals protected, and so publishable

    def shown(self, row, col) -> int | None:
        return None if (row, col) in self.suppressed else self.values[(row, col)]

    def reason(self, row, col) -> str | None:
        return self.suppressed.get((row, col))

    def _line_total(self, cells: list) -> int | None:
        total = sum(self.values[c] for c in cells)
        return total if total >= self.k and _safe(self, cells) else None

    def row_total(self, row) -> int | None:
        if "rows" not in self.margins:
            return None
        return self._line_total([(row, c) for c in self.cols])

    def col_total(self, col) -> int | None:
        if "cols" not in self.margins:
            return None
        return self._line_total([(r, col) for r in self.rows])


def protect(
    values: dict,
    rows: Sequence[Hashable],
    cols: Sequence[Hashable],
    *,
    k: int = K,
    margins: tuple[str, ...] = ("rows", "cols"),
) -> Protected:
    """Suppress the cells of a rows x cols table of counts (missing cells count as zero).

    `margins` names the totals that will be published beside the table: each row's, each
    column's, or both. Only lines whose total is published need secondary suppression."""
    table = {(r, c): int(values.get((r, c), 0)) for r in rows for c in cols}
    result = Protected(rows=list(rows), cols=list(cols), values=table, k=k, margins=margins)
    for cell, value in table.items():
        if 0 < value < k:
            result.suppressed[cell] = PRIMARY
    lines = []
    if "rows" in margins:
        lines += [[(r, c) for c in cols] for r in rows]
    if "cols" in margins:
        lines += [[(r, c) for r in rows] for c in cols]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if _safe(result, line) or sum(table[cell] for cell in line) < k:
                continue  # safe, or its total is under k and so withheld itself
            candidates = [cell for cell in line if cell not in result.suppressed]
            if not candidates:
                continue  # all hidden already: its total is withheld instead (see _line_total)
            partner = min(candidates, key=lambda cell: (table[cell] == 0, table[cell]))
            result.suppressed[partner] = SECONDARY
            changed = True
    return result


def _safe(table: Protected, line: list) -> bool:
    """Nothing hidden in the line, or at least two hidden cells adding up to at least k."""
    hidden = [table.values[cell] for cell in line if cell in table.suppressed]
    return not hidden or (len(hidden) >= 2 and sum(hidden) >= table.k)
