"""Read what a findings page shows, the way a reader sees it: the text of each table row, and
the text of each chart, parsed from the HTML (not from the templates)."""

from html.parser import HTMLParser


class _Rows(HTMLParser):
    """Every <tr> with an id, and every <tr> inside a <table> with an id: its cells' text."""

    def __init__(self):
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self.tables: dict[str, list[list[str]]] = {}
        self.headings: list[str] = []
        self.svgs: list[str] = []
        self._table = self._row = self._cell = self._heading = None
        self._svg = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = attrs.get("id")
            if self._table:
                self.tables[self._table] = []
        elif tag == "tr":
            self._row = {"id": attrs.get("id"), "cells": []}
        elif tag in {"td", "th"} and self._row is not None:
            self._cell = []
        elif tag in {"h1", "h2", "h3", "h4"}:
            self._heading = []
        elif tag == "svg":
            self._svg = []

    def handle_endtag(self, tag):
        if tag in {"td", "th"} and self._cell is not None:
            self._row["cells"].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row["id"]:
                self.rows[self._row["id"]] = self._row["cells"]
            if self._table:
                self.tables[self._table].append(self._row["cells"])
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag in {"h1", "h2", "h3", "h4"} and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None
        elif tag == "svg" and self._svg is not None:
            self.svgs.append(" ".join(self._svg))
            self._svg = None

    def handle_data(self, data):
        data = data.replace("\xa0", " ")
        if self._cell is not None:
            self._cell.append(data)
        if self._heading is not None:
            self._heading.append(data)
        if self._svg is not None and data.strip():
            self._svg.append(data.strip())


def parse(html: str) -> _Rows:
    parser = _Rows()
    parser.feed(html)
    return parser


def to_number(text: str) -> float:
    """ "1,110" -> 1110; "74.0%" -> 74.0."""
    return float(text.replace(",", "").rstrip("%"))


def interval(text: str) -> tuple[float, float]:
    """ "71.7% to 76.2%" -> (71.7, 76.2)."""
    low, high = text.split(" to ")
    return to_number(low), to_number(high)
