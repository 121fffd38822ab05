"""Collective grievances: workplaces, not people, under disclosure control."""

import random
import re

import pytest

from freeassoc.surgeries.disclosure import PRIMARY, SECONDARY, protect
from freeassoc.surgeries.models import ThemeTally


def _lines(table, margins):
    """Each published line with its total."""
    rows = [([(r, c) for c in table.cols], table.row_total(r)) for r in table.rows]
    cols = [([(r, c) for r in table.rows], table.col_total(c)) for c in table.cols]
    return (rows if "rows" in margins else []) + (cols if "cols" in margins else [])


def test_small_counts_are_suppressed_and_a_lone_one_gets_a_partner():
    values = {("pay", "london"): 3, ("pay", "wales"): 12, ("pay", "east"): 25}
    table = protect(values, ["pay"], ["london", "wales", "east"], k=10)
    assert table.reason("pay", "london") == PRIMARY
    assert table.reason("pay", "wales") == SECONDARY  # the next smallest
    assert table.shown("pay", "east") == 25
    assert table.row_total("pay") == 40  # safe now: two unknowns behind it


def test_two_tiny_suppressed_cells_are_not_enough():
    values = {("pay", "a"): 1, ("pay", "b"): 2, ("pay", "c"): 30, ("pay", "d"): 40}
    table = protect(values, ["pay"], ["a", "b", "c", "d"], k=10)
    assert table.reason("pay", "c") == SECONDARY  # 1 + 2 = 3 would be too narrow a range
    assert table.shown("pay", "d") == 40 and table.row_total("pay") == 73


def test_a_line_of_one_suppressed_cell_withholds_its_total():
    table = protect({("pay", "london"): 4}, ["pay"], ["london"], k=10)
    assert table.shown("pay", "london") is None and table.row_total("pay") is None


@pytest.mark.parametrize("seed", range(40))
def test_no_suppressed_cell_can_be_recovered_by_subtraction(seed):
    rng = random.Random(seed)
    rows, cols = list(range(rng.randint(1, 8))), list(range(rng.randint(1, 8)))
    values = {
        (r, c): rng.choice([0, 0, rng.randint(1, 9), rng.randint(1, 40)])
        for r in rows
        for c in cols
    }
    margins = rng.choice([("rows", "cols"), ("rows",), ("cols",)])
    table = protect(values, rows, cols, k=10, margins=margins)
    for (r, c), value in table.values.items():
        shown = table.shown(r, c)
        assert shown is None or shown == 0 or shown >= 10
        if 0 < value < 10:
            assert shown is None
    for line, total in _lines(table, margins):
        hidden = [table.values[cell] for cell in line if table.shown(*cell) is None]
        if total is not None:
            # Total minus what is shown leaves at least two unknowns, adding up to at least k:
            # never one cell, nor a sum so small it nearly gives the cells away.
            assert not hidden or (len(hidden) >= 2 and sum(hidden) >= 10)
            assert total >= 10


def _tally(theme, region, sector="nhs", n=1):
    ThemeTally.objects.bulk_create(
        ThemeTally(region=region, sector=sector, kind="team", theme=theme, problems=2)
        for _ in range(n)
    )


def test_the_public_page_counts_workplaces_and_suppresses(client, db):
    _tally("pay", "london", n=14)
    _tally("pay", "wales", n=3)
    _tally("pay", "north_west", n=11)
    _tally("caseload", "london", n=20)
    page = client.get("/surgeries/grievances/")
    assert page.status_code == 200
    html = page.text
    assert "counts <strong>workplaces</strong>, not people" in html
    pay_row = re.search(r"<th scope=\"row\">Pay</th>(.*?)</tr>", html, re.S).group(1)
    cells = re.findall(r'<td class="num[^"]*">(.*?)</td>', pay_row, re.S)
    # Columns: London, North West, Wales (only regions with surgeries), then All.
    assert "fewer than 10" in cells[2]
    assert "withheld" in cells[1]  # North West, 11, is the partner: 28 - 14 would give Wales
    assert cells[0] == "14" and cells[3].strip() == "28"
    assert ">3<" not in pay_row and ">11<" not in pay_row
    assert "Caseload and intensification" in html


def test_the_page_says_when_nothing_has_closed_yet(client, db):
    assert "No surgery has closed yet" in client.get("/surgeries/grievances/").text


def test_the_panel_beside_the_findings_shows_totals_only(db):
    from django.template import Context, Template

    _tally("pay", "london", n=12)
    _tally("caseload", "london", n=4)
    html = Template("{% load surgeries %}{% grievances_panel %}").render(Context())
    assert "Pay: 12 workplaces" in html
    assert "Caseload" not in html
