import json

import pytest

from freeassoc.imports import services
from freeassoc.imports.models import ImportBatch
from freeassoc.orgs.models import AuditEvent
from freeassoc.surveys.models import Response

from .conftest import GOOD_ROWS, MAPPING, nothing_written, write_csv


def test_a_clean_import_stores_exactly_the_rows_with_their_answers(survey, organiser, good_csv):
    batch = services.run_import(survey, good_csv, MAPPING, user=organiser, filename="export.csv")
    assert batch.status == ImportBatch.Status.COMPLETE
    assert batch.row_count == 3
    assert batch.organisation == survey.organisation
    assert batch.created_by == organiser
    stored = list(Response.objects.filter(survey=survey).order_by("pk"))
    assert len(stored) == 3
    assert all(r.source == "import" and r.batch_id == batch.pk for r in stored)
    assert all(r.instrument_version == 1 for r in stored)
    first, second, third = (r.answers for r in stored)
    assert first == {
        "nhs_work": "direct",
        "employer_count": 2,
        "roles": ["supervision"],
        "modality": ["cbt", "psychodynamic"],
        "nhs_band": "band_6",
        "age": 45,
        "comments": 'Too many "targets", 1\\2',
    }
    assert second == {
        "nhs_work": "no",
        "employer_count": 0,
        "roles": ["none"],
        "modality": ["low_intensity"],
        "age": "prefer_not",
    }
    # -99 means not asked; a line break inside free text survives.
    assert third == {
        "nhs_work": "contracted",
        "employer_count": 5,
        "nhs_band": "band_7",
        "comments": "Unpaid travel\nbetween sites",
    }


def test_nothing_from_ignored_columns_is_stored(survey, good_csv):
    services.run_import(survey, good_csv, MAPPING, user=None, filename="export.csv")
    stored = json.dumps([r.answers for r in Response.objects.filter(survey=survey)])
    assert "192.0.2" not in stored and "101" not in stored


def test_a_failure_midway_leaves_nothing(survey, tmp_path, monkeypatch):
    rows = [GOOD_ROWS[0]] * 25
    path = write_csv(tmp_path / "many.csv", rows)
    monkeypatch.setattr(services, "CHUNK_ROWS", 10)
    seen = []

    def fail_after_first_chunk(done, total):
        seen.append(done)
        if len(seen) == 2:
            raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError):
        services.run_import(
            survey, path, MAPPING, user=None, filename="many.csv", progress=fail_after_first_chunk
        )
    assert seen == [10, 20]  # two chunks had been inserted when it failed
    assert nothing_written(survey)
    batch = survey.import_batches.get()
    assert batch.status == "failed"
    assert batch.error == "The import stopped with an error; nothing was imported."


def test_progress_counts_up_to_the_total(survey, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "many.csv", [GOOD_ROWS[1]] * 25)
    monkeypatch.setattr(services, "CHUNK_ROWS", 10)
    seen = []
    services.run_import(
        survey, path, MAPPING, user=None, filename="many.csv",
        progress=lambda done, total: seen.append((done, total)),
    )  # fmt: skip
    assert seen == [(10, 25), (20, 25), (25, 25)]


def test_withdraw_deletes_exactly_that_batch(survey, organiser, good_csv, tmp_path, open_link):
    web = Response.objects.create(
        survey=survey, collector_kind="open", instrument_version=1,
        submitted_on="2026-01-05", answers={"nhs_work": "direct"},
    )  # fmt: skip
    keep = services.run_import(survey, good_csv, MAPPING, user=organiser, filename="a.csv")
    other = write_csv(tmp_path / "b.csv", GOOD_ROWS[:2])
    gone = services.run_import(survey, other, MAPPING, user=organiser, filename="b.csv")
    assert survey.responses.count() == 6

    deleted = services.withdraw(gone, user=organiser)

    assert deleted == 2
    assert set(survey.responses.values_list("pk", flat=True)) == {
        web.pk, *keep.responses.values_list("pk", flat=True)
    }  # fmt: skip
    assert keep.responses.count() == 3
    gone.refresh_from_db()
    assert gone.status == "withdrawn" and gone.withdrawn_at and gone.withdrawn_by_name == "olive"
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE)
    assert event.user == organiser and "b.csv" in event.detail and "2 responses" in event.detail
    with pytest.raises(ValueError):
        services.withdraw(gone, user=organiser)


def test_findings_no_longer_count_a_withdrawn_batch(survey, organiser, good_csv):
    from freeassoc.findings.frame import frame_from_database

    batch = services.run_import(survey, good_csv, MAPPING, user=organiser, filename="a.csv")
    instrument = survey.instrument
    assert frame_from_database([survey.pk], instrument, ["nhs_work"]).height == 3
    services.withdraw(batch, user=organiser)
    assert frame_from_database([survey.pk], instrument, ["nhs_work"]).height == 0


def test_a_bad_mapping_stops_before_any_batch(survey, good_csv):
    with pytest.raises(services.MappingError):
        services.run_import(
            survey, good_csv, "columns:\n  Q1: {question: nope}\n", user=None, filename="x.csv"
        )
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_to_others_while_the_import_runs(survey):
    """The recorder writes where another request can read it, outside the import's
    transaction (the batch row on PostgreSQL, a file beside the uploads on SQLite)."""
    from django.db import transaction

    batch = services.import_prepare(survey, MAPPING, user=None, filename="a.csv")
    recorder = services.BatchProgress(batch)
    try:
        with transaction.atomic():  # as the import's own transaction would be
            recorder(40, 100)
        batch.refresh_from_db()
        assert services.progress_read(batch) == 40
    finally:
        recorder.close()


def test_withdrawing_removes_the_findings_cache_of_the_survey(
    survey, organiser, good_csv, django_capture_on_commit_callbacks
):
    from freeassoc.findings import cache, engine

    batch = services.run_import(survey, good_csv, MAPPING, user=organiser, filename="a.csv")
    engine.report_for_surveys([survey])
    assert cache.path_for(survey).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw(batch, user=organiser)
    assert not cache.path_for(survey).exists()
