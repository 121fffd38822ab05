import textwrap

import pytest

from freeassoc.surveys import instrument as instruments
from freeassoc.surveys.instrument import InstrumentError, parse

GOOD = """\
slug: tiny
version: 1
title: Tiny
description: A tiny survey.
purpose: Testing.
pages:
  - id: one
    title: One
    questions:
      - id: works
        type: single
        label: Do you work?
        options:
          - {code: "yes", label: "Yes"}
          - {code: "no", label: "No"}
      - id: hours
        type: number
        label: Hours
        min: 0
        max: 80
        show_if: {question: works, any_of: ["yes"]}
"""


def test_the_shipped_questionnaire_loads_and_has_what_the_indicators_need():
    instrument = instruments.get("surviving-work", 1)
    needed = {
        "nhs_work", "employer", "contract", "written_contract", "employer_count", "hours",
        "iapt_relation", "iapt_postgrad_before", "iapt_training", "weekly_pay", "honorary",
        "honorary_sector", "in_training", "unpaid_hours", "registrations", "profession",
        "roles", "raised_concerns", "age", "best_improvement", "talked_to", "region", "sector",
        "modality", "nhs_band", "patients_per_day", "union_member", "comments",
    }  # fmt: skip
    assert needed <= instrument.questions.keys()
    assert instrument.questions["union_member"].why  # special category: says why
    for qid in ("weekly_pay", "union_member", "age", "region"):
        assert instrument.questions[qid].sensitive, qid  # "prefer not to say" offered


def test_a_good_file_parses():
    instrument = parse(GOOD)
    assert instrument.questions["hours"].visible({"works": "yes"})
    assert not instrument.questions["hours"].visible({"works": "no"})


@pytest.mark.parametrize(
    ("change", "line", "reason"),
    [
        (("type: number", "type: slider"), 16, "type 'slider' is not one of"),
        (("id: hours", "id: works"), 16, "is used twice"),
        (('any_of: ["yes"]', "any_of: [maybe]"), 21, "unknown codes"),
        (("question: works", "question: later"), 21, "not an earlier question"),
        (("min: 0", "min: 90"), 16, "needs whole 'min' < 'max'"),
        (("label: Hours", "label: Hours\n        colour: red"), 16, "unknown keys ['colour']"),
        (('- {code: "no", label: "No"}', '- {code: "yes", label: "No"}'), 15, "repeated"),
        (("title: One", "title: [One"), None, ""),
    ],
)
def test_a_bad_file_is_refused_with_its_line_and_reason(change, line, reason):
    text = GOOD.replace(*change)
    with pytest.raises(InstrumentError) as error:
        parse(text, "tiny.yaml")
    if line:
        assert error.value.line == line
    assert reason in error.value.reason
    assert str(error.value).startswith("tiny.yaml")


def test_pay_bands_must_follow_on_from_each_other():
    text = textwrap.dedent("""\
        slug: pay
        version: 1
        title: Pay
        description: d
        purpose: p
        pages:
          - id: one
            title: One
            questions:
              - id: pay
                type: pay_band
                label: Pay
                options:
                  - {code: low, label: Low, min: 0, max: 100}
                  - {code: high, label: High, min: 200}
        """)
    with pytest.raises(InstrumentError, match="line 15: pay bands must follow on"):
        parse(text, "pay.yaml")
