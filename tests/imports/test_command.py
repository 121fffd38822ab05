import io

import pytest
from django.core.management import CommandError, call_command

from freeassoc.cli import main
from freeassoc.surveys.models import Response

from .conftest import MAPPING, nothing_written, write_csv


@pytest.fixture
def mapping_file(tmp_path):
    path = tmp_path / "map.yaml"
    path.write_text(MAPPING)
    return path


def run(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_responses", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_a_dry_run_by_title_writes_nothing(survey, good_csv, mapping_file):
    out, _ = run(str(good_csv), survey="working conditions 2026", mapping=str(mapping_file),
                 dry_run=True)  # fmt: skip
    assert "3 rows of answers" in out and "No problems found" in out
    assert "Nothing was written" in out
    assert nothing_written(survey)


def test_the_import_by_number_shows_progress_on_stderr(survey, good_csv, mapping_file):
    out, err = run(str(good_csv), survey=str(survey.pk), mapping=str(mapping_file))
    assert Response.objects.filter(survey=survey, source="import").count() == 3
    assert "3 / 3 rows (100%)" in err and "rows/s" in err
    assert f"Imported 3 responses into survey {survey.pk}" in out


def test_problems_are_printed_by_row_and_fail_the_command(survey, tmp_path, mapping_file):
    path = write_csv(tmp_path / "bad.csv", [["1", "x", "7", "1", "0", "1", "", "", "", ""]])
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_responses", str(path), survey=str(survey.pk),
                     mapping=str(mapping_file), stdout=out, stderr=io.StringIO())  # fmt: skip
    assert "Row 2, column Q1: '7' is not a code of 'nhs_work'" in out.getvalue()
    assert nothing_written(survey)


def test_a_bad_mapping_names_its_line(survey, good_csv, tmp_path):
    path = tmp_path / "map.yaml"
    path.write_text("columns:\n  Q1: {question: nhs_work, values: {1: direkt}}\n")
    with pytest.raises(CommandError, match="line 2: column 'Q1': 'direkt' is not a code"):
        run(str(good_csv), survey=str(survey.pk), mapping=str(path))


def test_an_unknown_survey_is_named(db, good_csv, mapping_file):
    with pytest.raises(CommandError, match="No survey has the number or title 'Nope'"):
        run(str(good_csv), survey="Nope", mapping=str(mapping_file))


def test_the_freeassoc_command_exits_non_zero_on_problems(survey, tmp_path, mapping_file, capsys):
    path = write_csv(tmp_path / "bad.csv", [["1", "x", "7", "1", "0", "1", "", "", "", ""]])
    with pytest.raises(SystemExit) as exit_:
        main(["freeassoc", "import-responses", str(path), "--survey", str(survey.pk),
              "--mapping", str(mapping_file), "--dry-run"])  # fmt: skip
    assert exit_.value.code != 0
    assert "nothing was imported" in capsys.readouterr().err


def test_two_surveys_with_one_title_must_be_named_by_number(survey, good_csv, mapping_file):
    from freeassoc.surveys.models import Survey

    twin = Survey.objects.create(
        organisation=survey.organisation, title=survey.title, instrument_slug="surviving-work",
        instrument_version=1,
    )  # fmt: skip
    with pytest.raises(CommandError, match=f"name one by number: .*{twin.pk}"):
        run(str(good_csv), survey=survey.title, mapping=str(mapping_file), dry_run=True)
