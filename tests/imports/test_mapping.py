import pytest

from freeassoc.imports.mapping import MappingError, parse
from freeassoc.surveys import instrument as instruments

from .conftest import MAPPING

SW = instruments.get("surviving-work", 1)


def error(text):
    with pytest.raises(MappingError) as caught:
        parse(text, SW)
    return caught.value


def test_the_example_mapping_fits_the_instrument():
    mapping = parse(MAPPING, SW)
    assert mapping.questions == [
        "nhs_work", "employer_count", "roles", "modality", "nhs_band", "age", "comments",
    ]  # fmt: skip
    assert mapping.ignore == {"ID", "IP"}


def test_the_shipped_example_mapping_fits_the_instrument():
    from pathlib import Path

    import freeassoc.imports

    path = Path(freeassoc.imports.__file__).parent / "examples/other-tool-surviving-work-v1.yaml"
    mapping = parse(path.read_text(), SW)
    assert len(mapping.questions) == len(SW.questions)


def test_an_unknown_question_is_refused_on_its_line():
    text = MAPPING + "  Q99: {question: shoe_size}\n"
    exc = error(text)
    assert exc.line == 13
    assert "'shoe_size' is not a question" in str(exc)


def test_an_unknown_code_is_refused_on_its_own_line_in_a_block():
    text = """\
columns:
  Q1:
    question: nhs_work
    values:
      1: direct
      2: contracted
      3: nope
"""
    exc = error(text)
    assert exc.line == 7
    assert "'nope' is not a code of 'nhs_work'" in str(exc)


def test_an_unquoted_no_is_caught_with_advice():
    exc = error("columns:\n  Q1: {question: nhs_work, values: {3: no}}\n")
    assert exc.line == 2
    assert "quotes" in str(exc)


def test_a_question_answered_by_two_columns_is_refused():
    text = "columns:\n  A: {question: hours}\n  B: {question: hours}\n"
    exc = error(text)
    assert exc.line == 3
    assert "already answered by column 'A'" in str(exc)


def test_a_several_answer_question_needs_code_or_separator():
    exc = error("columns:\n  A: {question: roles}\n")
    assert exc.line == 2 and "'separator'" in str(exc)


def test_a_tick_column_must_name_an_option_of_its_question():
    exc = error("columns:\n  A: {question: roles, code: juggling}\n")
    assert exc.line == 2 and "'juggling' is not a code of 'roles'" in str(exc)


def test_prefer_not_only_for_a_sensitive_number():
    exc = error("columns:\n  A: {question: employer_count, values: {-9: prefer_not}}\n")
    assert "no 'prefer not to say'" in str(exc)


def test_a_mapping_for_another_instrument_is_refused():
    exc = error("instrument: surviving-work@2\ncolumns:\n  A: {question: hours}\n")
    assert exc.line == 1 and "surviving-work@1" in str(exc)


def test_a_column_both_mapped_and_ignored_is_refused():
    exc = error("ignore: [A]\ncolumns:\n  A: {question: hours}\n")
    assert exc.line == 3


def test_broken_yaml_names_its_line():
    exc = error("columns:\n  A: {question: hours\n  B: x\n")
    assert exc.line is not None and exc.line >= 2


def test_unknown_keys_are_refused():
    exc = error("columns:\n  A: {question: hours, valuez: {1: full_time}}\n")
    assert exc.line == 2 and "valuez" in str(exc)
