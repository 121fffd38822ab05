"""Each kind of file, written here the way other tools write them, reads to the same answers."""

import polars as pl
import pyreadstat
import pytest

from freeassoc.imports import readers, services

from .conftest import MAPPING

SMALL = """\
ignore: [ID]
columns:
  Q1: {question: nhs_work, values: {1: direct, 2: contracted, 3: "no"}}
  Q4: {question: employer_count}
  Q9_1: {question: roles, code: supervision}
  Q9_6: {question: roles, code: none}
"""
EXPECTED = [
    {"nhs_work": "direct", "employer_count": 2, "roles": ["supervision"]},
    {"nhs_work": "no", "employer_count": 0, "roles": ["none"]},
]


def numeric_frame():
    """Codes as numbers, as a spreadsheet or SPSS holds them (floats, in SPSS)."""
    return pl.DataFrame(
        {"ID": [7, 8], "Q1": [1.0, 3.0], "Q4": [2, 0], "Q9_1": [1.0, 0.0], "Q9_6": [0, 1]}
    )


def imported(survey, path):
    batch = services.run_import(survey, path, SMALL, user=None, filename=path.name)
    return [r.answers for r in batch.responses.order_by("pk")]


def test_csv_with_semicolons(survey, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("ID;Q1;Q4;Q9_1;Q9_6\n7;1;2;1;0\n8;3;0;0;1\n", encoding="utf-8")
    assert imported(survey, path) == EXPECTED


def test_xlsx(survey, tmp_path):
    path = tmp_path / "export.xlsx"
    numeric_frame().write_excel(path)
    assert imported(survey, path) == EXPECTED


def test_xlsx_rows_are_numbered_as_the_spreadsheet_shows_them(survey, tmp_path):
    path = tmp_path / "export.xlsx"
    numeric_frame().with_columns(pl.Series("Q1", [1.0, 9.0])).write_excel(path)
    report = services.dry_run(survey, path, SMALL)
    assert [(p["row"], p["column"], p["value"]) for p in report.items()] == [(3, "Q1", "9")]


def test_sav_by_codes(survey, tmp_path):
    path = tmp_path / "export.sav"
    pyreadstat.write_sav(
        numeric_frame(),
        str(path),
        variable_value_labels={"Q1": {1.0: "NHS direct", 2.0: "NHS contract", 3.0: "Not NHS"}},
    )
    assert imported(survey, path) == EXPECTED


def test_sav_by_value_labels(survey, tmp_path):
    path = tmp_path / "export.sav"
    pyreadstat.write_sav(
        numeric_frame(),
        str(path),
        variable_value_labels={"Q1": {1.0: "NHS direct", 2.0: "NHS contract", 3.0: "Not NHS"}},
    )
    by_labels = SMALL.replace(
        '{1: direct, 2: contracted, 3: "no"}',
        '{"NHS direct": direct, "NHS contract": contracted, "Not NHS": "no"}',
    )
    text = "spss_values: labels\n" + by_labels
    batch = services.run_import(survey, path, text, user=None, filename=path.name)
    assert [r.answers for r in batch.responses.order_by("pk")] == EXPECTED
    report = services.dry_run(survey, path, "spss_values: labels\n" + SMALL)
    assert {(p["row"], p["value"]) for p in report.items()} == {(1, "NHS direct"), (2, "Not NHS")}
    assert report.row_word == "case"


def test_an_unknown_kind_of_file_is_refused_with_a_sentence(survey, tmp_path):
    path = tmp_path / "export.json"
    path.write_text("{}")
    with pytest.raises(readers.ReadError, match="send a .csv, .xlsx or .sav file"):
        services.dry_run(survey, path, MAPPING)


def test_a_corrupt_workbook_is_refused_with_a_sentence(survey, tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"this is not a workbook")
    with pytest.raises(readers.ReadError, match="Excel file could not be read"):
        services.dry_run(survey, path, MAPPING)


def test_an_empty_csv_is_refused(survey, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("")
    with pytest.raises(readers.ReadError, match="empty"):
        services.dry_run(survey, path, MAPPING)


def test_a_ragged_csv_is_refused_with_a_sentence(survey, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("ID,Q1\n1,2\n3,4,5,6\n")
    with pytest.raises(readers.ReadError, match="could not be read: found more fields"):
        services.dry_run(survey, path, SMALL)
