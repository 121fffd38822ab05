"""Answers into polars: types from the instrument, strictness about codes, and the database
fast paths giving exactly what the in-memory path gives."""

import json

import numpy as np
import polars as pl
import pytest

from freeassoc.findings import engine, frame
from freeassoc.findings.frame import FindingsDataError
from freeassoc.findings.synthetic import generate_answers
from freeassoc.orgs.models import Organisation
from freeassoc.surveys.models import Response, Survey


def make_survey(title: str, answers: list[dict], k: int = 10) -> Survey:
    org, _ = Organisation.objects.get_or_create(
        slug="findings-tests", defaults={"name": "Findings tests", "kind": "research"}
    )
    survey = Survey.objects.create(
        organisation=org, title=title, instrument_slug="surviving-work", instrument_version=1,
        disclosure_k=k,
    )  # fmt: skip
    Response.objects.bulk_create(
        Response(survey=survey, instrument_version=1, submitted_on="2017-03-01", answers=a)
        for a in answers
    )
    return survey


def test_columns_take_their_types_from_the_instrument(indicator_set):
    answers = [{"nhs_work": "direct", "roles": ["lead"], "age": 50}, {"age": "prefer_not"}, {}]
    f = frame.frame_from_answers(answers, indicator_set.instrument, indicator_set.questions)
    assert isinstance(f.schema["nhs_work"], pl.Enum)
    assert f.schema["roles"] == pl.List(pl.Enum(["supervision", "teaching", "lead", "management",
                                                 "specialist", "none"]))  # fmt: skip
    assert f["age"].to_list() == [50, None, None]
    assert f["age__declined"].to_list() == [False, True, False]
    assert f.height == 3


def test_a_code_the_instrument_does_not_know_is_refused(indicator_set):
    with pytest.raises(FindingsDataError, match="do not match the instrument"):
        frame.frame_from_answers(
            [{"nhs_work": "sometimes"}], indicator_set.instrument, {"nhs_work"}
        )


def test_free_text_is_never_decoded(indicator_set):
    assert "comments" not in frame.json_schema(indicator_set.instrument, indicator_set.questions)
    with pytest.raises(ValueError, match="free text"):
        frame.json_schema(indicator_set.instrument, {"comments"})


def _same_report(a: engine.Report, b: engine.Report) -> None:
    assert a.respondents == b.respondents
    assert a.sets.keys == b.sets.keys
    assert np.array_equal(a.sets.counts, b.sets.counts)
    for x, y in zip(a.indicators, b.indicators, strict=True):
        assert np.array_equal(x.base, y.base)


@pytest.mark.django_db
def test_the_database_path_reads_what_the_in_memory_path_reads(indicator_set, monkeypatch):
    answers = generate_answers(700, 8)
    # Free text that would break a careless line-by-line reader.
    answers[0]["comments"] = 'Line one\nline two, "quoted", back\\slash, tab\there, £ and é'
    answers[1]["comments"] = "}\n{"
    survey = make_survey("Loader test", answers)
    make_survey("Someone else's survey", generate_answers(60, 9))
    monkeypatch.setattr(frame, "CHUNK_ROWS", 97)  # several pages on SQLite
    monkeypatch.setattr(frame, "COPY_CHUNK_BYTES", 10_000)  # several blocks on PostgreSQL
    from_db = frame.frame_from_database(
        [survey.pk], indicator_set.instrument, indicator_set.questions
    )
    in_memory = frame.frame_from_answers(answers, indicator_set.instrument, indicator_set.questions)
    assert from_db.height == 700
    assert from_db.schema == in_memory.schema
    _same_report(engine.compute(from_db, indicator_set), engine.compute(in_memory, indicator_set))


@pytest.mark.django_db
def test_an_empty_survey_loads_as_an_empty_frame(indicator_set):
    survey = make_survey("Nobody yet", [])
    f = frame.frame_from_database([survey.pk], indicator_set.instrument, indicator_set.questions)
    assert f.height == 0
    report = engine.compute(f, indicator_set)
    assert report.respondents == 0


@pytest.mark.django_db
def test_surveys_with_the_same_instrument_can_be_pooled(indicator_set):
    first = make_survey("Pool one", generate_answers(300, 1))
    second = make_survey("Pool two", generate_answers(200, 2))
    pooled = engine.report_for_surveys([first, second])
    assert pooled.respondents == 500
    alone = engine.report_for_surveys([first])
    assert alone.respondents == 300


@pytest.mark.django_db
def test_a_document_stored_with_raw_newlines_is_still_read(indicator_set):
    from django.db import connection

    answers = generate_answers(120, 12)
    survey = make_survey("Hand-written JSON", answers)
    target = Response.objects.filter(survey=survey).order_by("pk")[5]
    pretty = json.dumps(answers[5], indent=2)  # not how Django writes it
    assert "\n" in pretty
    with connection.cursor() as cursor:
        table = Response._meta.db_table
        cast = "::jsonb" if connection.vendor == "postgresql" else ""
        sql = f"UPDATE {table} SET answers = %s{cast} WHERE id = %s"  # noqa: S608
        cursor.execute(sql, [pretty, target.pk])
    f = frame.frame_from_database([survey.pk], indicator_set.instrument, indicator_set.questions)
    assert f.height == 120
    _same_report(
        engine.compute(f, indicator_set),
        engine.compute(
            frame.frame_from_answers(answers, indicator_set.instrument, indicator_set.questions),
            indicator_set,
        ),
    )


@pytest.mark.django_db
def test_a_bad_page_stops_the_load_cleanly(indicator_set, monkeypatch):
    import threading

    answers = generate_answers(300, 13)
    answers[250]["nhs_work"] = "sometimes"  # a code the instrument does not have
    survey = make_survey("One bad answer", answers)
    monkeypatch.setattr(frame, "CHUNK_ROWS", 50)
    monkeypatch.setattr(frame, "COPY_CHUNK_BYTES", 5_000)
    with pytest.raises(FindingsDataError, match="do not match the instrument"):
        frame.frame_from_database([survey.pk], indicator_set.instrument, indicator_set.questions)
    assert not [t for t in threading.enumerate() if t.name == "findings-fetch"]
