"""The expression language: what it means, and how it refuses bad definitions."""

import textwrap

import polars as pl
import pytest

from freeassoc.findings import definitions, engine, frame
from freeassoc.findings.definitions import DefinitionError

HEAD = """\
instrument: surviving-work@1
breakdowns: [region]
derived:
  nhs_any: {question: nhs_work, any_of: [direct, contracted]}
indicators:
"""


def parse(indicators: str, head: str = HEAD) -> definitions.IndicatorSet:
    return definitions.parse(head + textwrap.indent(textwrap.dedent(indicators), "  "), "test.yaml")


def one(numerator: str, denominator: str = "everyone") -> str:
    return (
        "- id: it\n"
        "  label: It\n"
        f"  numerator: {numerator}\n"
        f"  denominator: {denominator}\n"
        "  denominator_label: all respondents\n"
    )


def evaluate(numerator: str, answers: list[dict], denominator: str = "everyone") -> list[bool]:
    """Which answers are counted by the numerator, within the denominator."""
    indicator_set = parse(one(numerator, denominator))
    ind = indicator_set.indicators[0]
    answers_frame = frame.frame_from_answers(
        answers, indicator_set.instrument, indicator_set.questions
    )
    return answers_frame.select((ind.numerator & ind.denominator).alias("x"))["x"].to_list()


def test_a_single_choice_matches_any_of_its_codes():
    answers = [{"nhs_work": "direct"}, {"nhs_work": "no"}, {}]
    assert evaluate("{question: nhs_work, any_of: [direct, contracted]}", answers) == [
        True,
        False,
        False,
    ]


def test_a_multiple_choice_matches_any_or_all_ticked_codes():
    answers = [{"roles": ["lead", "teaching"]}, {"roles": ["lead"]}, {"roles": ["none"]}, {}]
    assert evaluate("{question: roles, any_of: [lead, management]}", answers) == [
        True,
        True,
        False,
        False,
    ]
    assert evaluate("{question: roles, all_of: [lead, teaching]}", answers) == [
        True,
        False,
        False,
        False,
    ]


def test_numbers_compare_and_between_is_inclusive():
    answers = [{"unpaid_hours": h} for h in (0, 1, 35, 36)]
    assert evaluate("{number: unpaid_hours, between: [1, 35]}", answers) == [
        False,
        True,
        True,
        False,
    ]
    assert evaluate("{number: unpaid_hours, gt: 0, lt: 36}", answers) == [False, True, True, False]
    assert evaluate("{number: unpaid_hours, eq: 0}", answers) == [True, False, False, False]


def test_prefer_not_to_say_and_unanswered_satisfy_no_test_but_stay_in_the_base():
    answers = [{"age": 60}, {"age": "prefer_not"}, {}]
    assert evaluate("{number: age, gt: 47}", answers) == [True, False, False]
    assert evaluate("{not: {number: age, gt: 47}}", answers) == [False, True, True]
    assert evaluate("{answered: age}", answers) == [True, True, False]
    assert evaluate("{stated: age}", answers) == [True, False, False]
    pay = [{"weekly_pay": "p100_199"}, {"weekly_pay": "prefer_not"}, {}]
    assert evaluate("{stated: weekly_pay}", pay) == [True, False, False]
    assert evaluate("{question: weekly_pay, any_of: [prefer_not]}", pay) == [False, True, False]


def test_all_any_not_and_derived_names_combine():
    answers = [
        {"nhs_work": "direct", "hours": "part_time"},
        {"nhs_work": "direct", "hours": "full_time"},
        {"nhs_work": "no", "hours": "part_time"},
    ]
    both = "{all: [nhs_any, {question: hours, any_of: [part_time]}]}"
    either = "{any: [nhs_any, {question: hours, any_of: [part_time]}]}"
    assert evaluate(both, answers) == [True, False, False]
    assert evaluate(either, answers) == [True, True, True]
    assert evaluate("{not: nhs_any}", answers) == [False, False, True]
    assert evaluate("nhs_any", answers, denominator="{question: hours, any_of: [part_time]}") == [
        True, False, False,
    ]  # fmt: skip


def test_a_new_indicator_needs_no_engine_change():
    indicator_set = parse(
        """\
        - id: nhs_part_timers_with_a_lead_role
          label: Leads a team while working part-time for the NHS
          numerator: {question: roles, any_of: [lead]}
          denominator: {all: [nhs_any, {question: hours, any_of: [part_time]}]}
          denominator_label: part-time NHS workers
        """
    )
    answers = [
        {"nhs_work": "direct", "hours": "part_time", "roles": ["lead"], "region": "wales"},
        {"nhs_work": "direct", "hours": "part_time", "roles": ["none"], "region": "wales"},
        {"nhs_work": "no", "hours": "part_time", "roles": ["lead"]},
    ]
    answers_frame = frame.frame_from_answers(
        answers, indicator_set.instrument, indicator_set.questions
    )
    result = engine.compute(answers_frame, indicator_set).indicator(
        "nhs_part_timers_with_a_lead_role"
    )
    assert (result.count[0], result.base[0]) == (1, 2)


@pytest.mark.parametrize(
    "numerator, message",
    [
        (
            "{question: nhs_wrok, any_of: [direct]}",
            "'nhs_wrok' is not a question of surviving-work@1",
        ),
        ("{question: nhs_work, any_of: [maybe]}", "['maybe'] are not codes of 'nhs_work'"),
        ("{question: honorary, any_of: [yes]}", 'write yes and no in quotes ("yes")'),
        ("{question: nhs_work, any_of: []}", "non-empty list of codes"),
        ("{question: nhs_work, all_of: [direct]}", "'all_of' needs a multiple-choice question"),
        ("{question: nhs_work, one_of: [direct]}", "'question' takes one of any_of, all_of"),
        ("{question: age, any_of: [prefer_not]}", "'age' is a number"),
        ("{number: nhs_work, gt: 1}", "'nhs_work' is not a number question"),
        ("{number: age, over: 47}", "'number' takes gt, ge, lt, le, eq or between"),
        ("{number: age, gt: forty}", "'gt' takes a number"),
        ("{number: age, between: [57, 47]}", "'between' takes [low, high]"),
        ("{question: comments, any_of: [x]}", "'comments' is free text"),
        ("{answered: comments}", "'comments' is free text"),
        ("nhs_anything", "'nhs_anything' is not a derived variable"),
        ("{any: []}", "'any' takes a non-empty list"),
        ("{all: nhs_any}", "'all' takes a non-empty list"),
        ("{not: nhs_any, any: [nhs_any]}", "exactly one of question, number"),
        ("{}", "exactly one of question, number"),
        ("42", "expected an expression"),
    ],
)
def test_a_bad_expression_is_refused_with_a_clear_message(numerator, message):
    with pytest.raises(DefinitionError) as error:
        parse(one(numerator))
    assert message in str(error.value)
    assert "indicator 'it', numerator" in str(error.value)
    # The line of the expression's own mapping, or of its indicator for a bare name.
    assert error.value.line == (8 if numerator.startswith("{") else 6)
    assert str(error.value).startswith(f"test.yaml, line {error.value.line}: ")


def test_the_error_names_the_line():
    text = one("{question: nhs_work, any_of: [direct]}") + one("{question: sector, any_of: [moon]}")
    with pytest.raises(DefinitionError) as error:
        parse(text.replace("id: it\n", "id: first\n", 1))
    assert error.value.line == 13  # the second indicator's numerator
    assert "indicator 'it', numerator" in error.value.reason


def test_derived_variables_may_not_refer_to_each_other_in_a_circle():
    head = HEAD.replace(
        "  nhs_any: {question: nhs_work, any_of: [direct, contracted]}\n",
        "  a: {all: [b]}\n  b: {not: c}\n  c: {any: [a]}\n",
    )
    with pytest.raises(DefinitionError, match="in a circle: a -> b -> c -> a"):
        parse(one("a"), head=head)


@pytest.mark.parametrize(
    "change, message",
    [
        (
            ("instrument: surviving-work@1", "instrument: surviving-work@9"),
            "'instrument' must be one of",
        ),
        (
            ("breakdowns: [region]", "breakdowns: [roles]"),
            "'roles' is not a single-choice question",
        ),
        (
            ("breakdowns: [region]", "breakdowns: [region]\nfilters: [age]"),
            "unknown keys ['filters']",
        ),
        (("derived:\n", "derived:\n  everyone: {answered: age}\n"), "'everyone' is built in"),
    ],
)
def test_a_bad_file_is_refused(change, message):
    with pytest.raises(DefinitionError) as error:
        parse(one("nhs_any"), head=HEAD.replace(*change))
    assert message in str(error.value)


def test_an_indicator_needs_its_denominator_in_words_and_a_unique_id():
    with pytest.raises(DefinitionError, match="'denominator_label' must be text"):
        parse(one("nhs_any").replace("  denominator_label: all respondents\n", ""))
    with pytest.raises(DefinitionError, match="id 'it' is used twice"):
        parse(one("nhs_any") + one("nhs_any"))
    with pytest.raises(DefinitionError, match=r"unknown keys \['filter'\]"):
        parse(one("nhs_any") + "  filter: {answered: age}\n")


def test_a_median_band_needs_a_pay_band_question():
    with pytest.raises(DefinitionError, match="needs a pay_band question; 'age' is not"):
        parse(
            """\
            - id: median_age
              kind: median_band
              label: Median age
              question: age
              denominator_label: all respondents
            """
        )


def test_invalid_yaml_is_refused_with_its_line():
    with pytest.raises(DefinitionError) as error:
        parse(one("{question: nhs_work, any_of: [direct"))
    assert error.value.line is not None


def test_the_shipped_definitions_load_and_read_no_free_text(indicator_set):
    assert "comments" not in indicator_set.questions
    assert [b.question for b in indicator_set.breakdowns] == ["region", "sector", "profession"]
    assert all(isinstance(i.denominator, pl.Expr) for i in indicator_set.indicators)
