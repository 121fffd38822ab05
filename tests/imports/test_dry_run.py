import pytest

from freeassoc.imports import services

from .conftest import HEADER, MAPPING, nothing_written, write_csv

#        ID    IP    Q1   Q4    Q9_1 Q9_6 Q10    Q13  Q26    Q28
BAD_ROWS = [
    ["1", "x", "4", "1", "0", "1", "", "", "30", ""],  # row 2: Q1 unknown code
    ["2", "x", "1", "21", "0", "1", "", "", "abc", ""],  # row 3: Q4 too big, Q26 not a number
    ["3", "x", "1", "1", "2", "0", "1;8", "", "", ""],  # row 4: Q9_1 not 0/1, Q10 unknown part
    ["4", "x", "1", "1", "1", "1", "", "", "", ""],  # row 5: 'none' ticked with another
    ["5", "x", "3", "1", "0", "1", "", "4", "", ""],  # row 6: NHS band though not NHS
    ["6", "x", "", "", "", "", "", "", "", ""],  # row 7: no answers at all
    ["", "", "", "", "", "", "", "", "", ""],  # row 8: wholly blank, skipped
    ["8", "x", "2", "2.5", "0", "1", "", "", "17", ""],  # row 9: Q4 not whole, Q26 under 18
    ["9", "x", "2", "3", "1", "0", "2", "5", "-9", "fine"],  # row 10: no problem
]


@pytest.fixture
def bad_csv(tmp_path):
    return write_csv(tmp_path / "bad.csv", BAD_ROWS)


def found(report):
    return {(p["row"], p["column"], p["kind"]) for p in report.items()}


def test_the_dry_run_finds_each_problem_on_its_row(survey, bad_csv):
    report = services.dry_run(survey, bad_csv, MAPPING)
    assert found(report) == {
        (2, "Q1", "unknown code"),
        (3, "Q4", "out of range"),
        (3, "Q26", "not a whole number"),
        (4, "Q9_1", "unknown code"),
        (4, "Q10", "unknown code"),
        (5, "Q9_1", "exclusive answer with others"),
        (6, "Q13", "answer skip logic hides"),
        (7, "Q1", "no answers"),
        (9, "Q4", "not a whole number"),
        (9, "Q26", "out of range"),
    }
    assert report.rows == 8 and report.blank_rows == 1
    assert report.rows_with_problems == 7
    assert not report.ok
    assert nothing_written(survey)


def test_problems_read_as_sentences_with_the_value(survey, bad_csv):
    lines = services.dry_run(survey, bad_csv, MAPPING).lines()
    assert "Row 2, column Q1: '4' is not a code of 'nhs_work' in the mapping" in lines
    assert any(line.startswith("Row 3, column Q4: '21' is outside 0 to 20") for line in lines)


def test_unmapped_and_missing_columns_are_reported_with_the_rows(survey, tmp_path):
    header = [h for h in HEADER if h != "Q13"] + ["Shoe size"]
    rows = [["1", "x", "9", "1", "0", "1", "", "", "", "42"]]
    path = write_csv(tmp_path / "odd.csv", rows, header=header)
    report = services.dry_run(survey, path, MAPPING)
    assert found(report) == {
        (None, "Shoe size", "unmapped column"),
        (None, "Q13", "missing column"),
        (2, "Q1", "unknown code"),
    }
    assert report.items()[0]["where"] == "The file"


def test_skip_logic_answers_can_be_dropped_instead(survey, tmp_path):
    path = write_csv(tmp_path / "hidden.csv", [BAD_ROWS[4]])
    report = services.dry_run(survey, path, "on_hidden_answers: drop\n" + MAPPING)
    assert report.ok
    batch = services.run_import(survey, path, "on_hidden_answers: drop\n" + MAPPING, user=None,
                                filename="hidden.csv")  # fmt: skip
    assert "nhs_band" not in batch.responses.get().answers


def test_an_import_with_problems_is_refused_and_writes_nothing(survey, bad_csv):
    with pytest.raises(services.ImportRefused) as refused:
        services.run_import(survey, bad_csv, MAPPING, user=None, filename="bad.csv")
    assert refused.value.report.problem_count == 10
    assert nothing_written(survey)
    batch = survey.import_batches.get()
    assert batch.status == "failed" and "10 problems" in batch.error


def test_the_full_problem_list_is_csv(survey, bad_csv):
    text = services.dry_run(survey, bad_csv, MAPPING).to_csv()
    lines = text.splitlines()
    assert lines[0] == "row,column,value,kind,problem"
    assert len(lines) == 11
    assert lines[1].startswith("2,Q1,4,unknown code,")
