"""The shapes the API reads and writes; they are what the OpenAPI document describes."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema
from pydantic import Field


class ErrorOut(Schema):
    message: str = Field(description="What was wrong, in a sentence.")
    errors: list[dict[str, Any]] | None = Field(
        None, description="Details, e.g. one entry per question with a bad answer."
    )


class OptionOut(Schema):
    code: str
    label: str


class ConditionOut(Schema):
    question: str
    any_of: list[str]


class QuestionOut(Schema):
    id: str
    page: str
    type: str = Field(description="single, multiple, number, pay_band or text")
    label: str
    required: bool
    sensitive: bool
    options: list[OptionOut]
    min: int | None
    max: int | None
    max_length: int | None
    show_if: ConditionOut | None
    page_show_if: ConditionOut | None


class SurveyOut(Schema):
    id: int
    title: str
    instrument: str = Field(description="The questionnaire, as slug@version.")
    instrument_title: str
    status: str = Field(description="draft, open or closed")
    disclosure_k: int
    synthetic: bool
    published: bool
    opened_on: datetime.date | None
    closed_on: datetime.date | None
    responses: int


class SurveyDetailOut(SurveyOut):
    questions: list[QuestionOut]


class ResponseIn(Schema):
    answers: dict[str, Any] = Field(
        description="Question id to answer: a code (single, pay_band), a list of codes "
        '(multiple), a whole number or "prefer_not" where offered (number), a string (text).'
    )


class ResponseOut(Schema):
    survey: int
    replayed: bool = Field(
        description="True when an earlier post with this Idempotency-Key stored these answers."
    )
    message: str = Field(
        description="What happens next: the answers are held and added to the survey's "
        "responses in a group of at least the survey's threshold (disclosure_k), in a mixed "
        "order, dated by the day the group is added. No response id is given."
    )


class SurveyMetaOut(Schema):
    id: int
    title: str
    synthetic: bool
    notice: str | None = None


class FindingsOut(Schema):
    """As disclosure control publishes them; see the findings guide for each field."""

    survey: SurveyMetaOut
    instrument: str
    k: int
    min_base: int
    respondents: int | None
    indicators: list[dict[str, Any]]
    comparisons: list[dict[str, Any]]


class ContributorOut(Schema):
    organisation: str
    data_sets: int


class PoolOut(Schema):
    slug: str
    name: str
    description: str
    instrument: str
    published: bool
    data_sets: int


class PoolMetaOut(Schema):
    slug: str
    name: str
    description: str
    synthetic: bool
    notice: str | None = None
    data_sets: int
    contributors: list[ContributorOut]


class PoolFindingsOut(Schema):
    pool: PoolMetaOut
    instrument: str
    k: int
    min_base: int
    respondents: int | None
    indicators: list[dict[str, Any]]
    comparisons: list[dict[str, Any]]


class ImportOut(Schema):
    dry_run: bool
    ok: bool = Field(description="True when the file has no problem and can be imported.")
    rows: int = Field(description="Rows that become (or would become) responses.")
    blank_rows: int | None = Field(description="Wholly empty rows skipped (dry run only).")
    problem_count: int
    problems: list[dict[str, Any]] = Field(
        description="The first problems by row (at most 200): where, column, value, what."
    )
    batch: int | None = Field(None, description="The import batch made (not on a dry run).")
    status: str | None = None
