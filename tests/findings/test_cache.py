"""The per-survey cache of decoded answers: a report with it is the report without it, whatever
happened to the responses in between, and a file that cannot be trusted is rebuilt."""

import dataclasses
from collections import Counter

import polars as pl
import pytest

from freeassoc.findings import cache, disclosure, engine
from freeassoc.findings.synthetic import generate_answers
from freeassoc.surveys.models import Response, Survey

pytestmark = pytest.mark.django_db


def add(survey: Survey, answers: list[dict], **fields) -> list[Response]:
    return Response.objects.bulk_create(
        Response(
            survey=survey, instrument_version=1, submitted_on="2026-03-02", answers=a, **fields
        )
        for a in answers
    )


def published(survey: Survey) -> dict:
    return disclosure.publish(engine.report_for_surveys([survey]), k=survey.disclosure_k)


def published_without_cache(survey: Survey, settings) -> dict:
    settings.FINDINGS_CACHE = False
    try:
        return published(survey)
    finally:
        settings.FINDINGS_CACHE = True


def count_of(findings: dict, ident: str) -> int:
    return next(i for i in findings["indicators"] if i["id"] == ident)["count"]


def poison(survey: Survey) -> None:
    """Rewrite the cached file with every respondent on a zero-hours contract, keeping its key and
    extent: a report that reads it shows the poison, one that rebuilds does not."""
    path = cache.path_for(survey)
    meta = pl.read_parquet_metadata(path)
    frame = pl.read_parquet(path)
    frame = frame.with_columns(
        pl.lit("zero_hours", dtype=frame.schema["contract"]).alias("contract")
    )
    frame.write_parquet(path, metadata=meta)


def test_the_first_report_writes_a_cache_file_and_the_second_reads_it(survey, settings):
    add(survey, generate_answers(400, 1))
    first = published(survey)
    assert cache.path_for(survey).exists()
    poison(survey)
    # The poison shows: the second report came from the file, not the database.
    assert published(survey) != first
    assert published(survey)["respondents"] == first["respondents"]


def test_appended_responses_appear(survey, settings):
    add(survey, generate_answers(400, 2))
    before = published(survey)
    add(survey, generate_answers(150, 3))
    after = published(survey)
    assert after["respondents"] == before["respondents"] + 150
    assert after == published_without_cache(survey, settings)


def test_a_deleted_response_disappears(survey, settings):
    rows = add(survey, generate_answers(400, 4))
    published(survey)
    honorary = [r for r in rows if r.answers.get("honorary") == "yes"]
    Response.objects.filter(pk=honorary[len(honorary) // 2].pk).delete()  # not the last one
    after = published(survey)
    assert after["respondents"] == 399
    assert after == published_without_cache(survey, settings)


def test_a_withdrawn_batch_of_the_latest_responses_disappears(survey, settings):
    add(survey, generate_answers(300, 5))
    published(survey)
    batch = add(survey, generate_answers(120, 6))
    assert published(survey)["respondents"] == 420
    Response.objects.filter(pk__in=[r.pk for r in batch]).delete()
    add(survey, generate_answers(50, 7)[:7])  # and someone answers afterwards
    after = published(survey)
    assert after["respondents"] == 307
    assert after == published_without_cache(survey, settings)


def test_a_response_committed_late_below_the_cached_ids_appears(survey, settings):
    rows = add(survey, generate_answers(200, 8))
    top = max(r.pk for r in rows)
    add(survey, generate_answers(50, 9)[:1], pk=top + 50)
    published(survey)
    # A transaction that took its id earlier commits after the cache was written.
    late = generate_answers(50, 10)[:1]
    add(survey, late, pk=top + 10)
    after = published(survey)
    assert after["respondents"] == 202
    assert after == published_without_cache(survey, settings)


def test_a_change_in_what_is_decoded_rebuilds(survey, settings, indicator_set, monkeypatch):
    add(survey, generate_answers(300, 11))
    truth = published(survey)
    poison(survey)
    # Another set of questions decoded: the file's key no longer matches.
    fewer = dataclasses.replace(indicator_set, questions=indicator_set.questions - {"age"})
    frame = cache.survey_frame(survey, fewer)
    assert "age" not in frame.columns
    stored = Response.objects.filter(survey=survey).values_list("answers", flat=True)
    # The true answers, not the poisoned ones (rows come in no particular order).
    assert Counter(frame["contract"].to_list()) == Counter(a.get("contract") for a in stored)
    poison(survey)
    # A new cache format (the code changed what a cached frame means): rebuilt too.
    monkeypatch.setattr(cache, "FORMAT", cache.FORMAT + 1)
    assert published(survey) == truth


def test_a_corrupt_cache_file_is_rebuilt(survey, settings):
    add(survey, generate_answers(300, 12))
    truth = published(survey)
    path = cache.path_for(survey)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert published(survey) == truth
    pl.read_parquet(path)  # a whole file again
    path.write_bytes(b"not a parquet file at all")
    assert published(survey) == truth


def test_a_cache_file_with_the_wrong_columns_is_rebuilt(survey, settings):
    add(survey, generate_answers(200, 13))
    truth = published(survey)
    path = cache.path_for(survey)
    meta = pl.read_parquet_metadata(path)
    pl.read_parquet(path).drop("contract").write_parquet(path, metadata=meta)
    assert published(survey) == truth


def test_the_report_with_the_cache_is_the_report_without_it(survey, org, settings):
    add(survey, generate_answers(900, 14))
    published(survey)
    add(survey, generate_answers(300, 15))
    gone = Response.objects.filter(survey=survey, answers__nhs_work="direct").order_by("pk")[40]
    gone.delete()
    with_cache = published(survey)
    without = published_without_cache(survey, settings)
    assert with_cache == without
    assert count_of(with_cache, with_cache["indicators"][0]["id"]) is not None


def test_a_pool_reads_each_survey_s_cache(survey, org, settings):
    other = Survey.objects.create(
        organisation=org, title="Second wave", instrument_slug="surviving-work",
        instrument_version=1,
    )  # fmt: skip
    add(survey, generate_answers(300, 16))
    add(other, generate_answers(200, 17))
    pooled = engine.report_for_surveys([survey, other])
    assert cache.path_for(survey).exists() and cache.path_for(other).exists()
    add(other, generate_answers(50, 18))
    again = disclosure.publish(engine.report_for_surveys([survey, other]))
    assert again["respondents"] == pooled.respondents + 50
    settings.FINDINGS_CACHE = False
    assert again == disclosure.publish(engine.report_for_surveys([survey, other]))


def test_a_cache_that_cannot_be_written_does_not_stop_the_report(survey, settings, tmp_path):
    add(survey, generate_answers(100, 19))
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    settings.FINDINGS_CACHE_DIR = blocker / "findings-cache"
    assert published(survey)["respondents"] == 100


def test_the_cache_holds_no_free_text_and_no_identifiers(survey, settings):
    answers = generate_answers(100, 20)
    answers[3]["comments"] = "Zebra-unique-phrase about my manager"
    add(survey, answers)
    published(survey)
    path = cache.path_for(survey)
    assert b"Zebra-unique-phrase" not in path.read_bytes()
    columns = set(pl.read_parquet(path).columns)
    assert "comments" not in columns
    assert not columns & {"__pk", "__day", "__source", "id", "submitted_on", "source"}


def test_forgetting_a_survey_removes_its_file(survey, settings):
    add(survey, generate_answers(50, 21))
    published(survey)
    cache.forget(survey)
    assert not cache.path_for(survey).exists()
    cache.forget(survey)  # nothing there: no error
