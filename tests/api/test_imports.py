"""Importing a batch through the API: a dry run by default, then whole or not at all."""

import pytest

from freeassoc.imports.models import ImportBatch
from freeassoc.surveys.models import Response
from tests.imports.conftest import GOOD_ROWS, MAPPING, write_csv

from .conftest import auth

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_import_folder(settings, tmp_path_factory):
    settings.FREEASSOC_IMPORT_DIR = str(tmp_path_factory.mktemp("imports"))


def send(client, survey, key, path, mapping=MAPPING, **fields):
    with path.open("rb") as fh:
        return client.post(
            f"/api/surveys/{survey.pk}/imports",
            {"file": fh, "mapping": mapping, **fields},
            headers=auth(key),
        )


def test_a_dry_run_is_the_default_and_writes_nothing(client, survey, raw_key, tmp_path):
    response = send(client, survey, raw_key, write_csv(tmp_path / "export.csv", GOOD_ROWS))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["dry_run"] is True and body["ok"] is True and body["rows"] == 3
    assert not Response.objects.exists() and not ImportBatch.objects.exists()


def test_a_dry_run_lists_problems_by_row(client, survey, raw_key, tmp_path):
    rows = [GOOD_ROWS[0], ["102", "", "7", "0", "0", "1", "7", "", "-9", ""]]
    body = send(client, survey, raw_key, write_csv(tmp_path / "export.csv", rows)).json()
    assert body["ok"] is False and body["problem_count"] >= 1
    assert any(p["column"] == "Q1" and str(p["value"]) == "7" for p in body["problems"])
    assert not Response.objects.exists()


def test_an_import_stores_every_row_as_one_batch(client, survey, raw_key, tmp_path):
    path = write_csv(tmp_path / "export.csv", GOOD_ROWS)
    response = send(client, survey, raw_key, path, dry_run="false")
    assert response.status_code == 201, response.content
    batch = ImportBatch.objects.get()
    assert response.json()["batch"] == batch.pk and batch.status == "complete"
    assert batch.created_by is None and batch.created_by_name.startswith("API key fa_")
    assert Response.objects.filter(survey=survey).count() == 3


def test_an_import_with_problems_is_refused_whole(client, survey, raw_key, tmp_path):
    rows = [GOOD_ROWS[0], ["102", "", "7", "0", "0", "1", "7", "", "-9", ""]]
    path = write_csv(tmp_path / "export.csv", rows)
    response = send(client, survey, raw_key, path, dry_run="false")
    assert response.status_code == 422
    assert "nothing was imported" in response.json()["message"]
    assert response.json()["errors"]
    assert not Response.objects.exists()


def test_a_bad_mapping_is_422_with_its_reason(client, survey, raw_key, tmp_path):
    path = write_csv(tmp_path / "export.csv", GOOD_ROWS)
    response = send(client, survey, raw_key, path, mapping="instrument: [unclosed")
    assert response.status_code == 422
    assert response.json()["message"]


def test_an_unreadable_file_is_422(client, survey, raw_key, tmp_path):
    path = tmp_path / "export.pdf"
    path.write_bytes(b"%PDF-1.4 not a data set")
    response = send(client, survey, raw_key, path)
    assert response.status_code == 422
    assert response.json()["message"]


def test_a_file_too_big_is_413(client, survey, raw_key, tmp_path, settings):
    settings.FREEASSOC_API_MAX_IMPORT_BYTES = 100
    response = send(client, survey, raw_key, write_csv(tmp_path / "export.csv", GOOD_ROWS))
    assert response.status_code == 413
    assert "too big" in response.json()["message"]


def test_another_organisations_survey_is_404(client, survey, their_key, tmp_path):
    path = write_csv(tmp_path / "export.csv", GOOD_ROWS)
    response = send(client, survey, their_key, path, dry_run="false")
    assert response.status_code == 404
    assert not Response.objects.exists() and not ImportBatch.objects.exists()


def test_no_key_no_import(client, survey, tmp_path):
    with write_csv(tmp_path / "export.csv", GOOD_ROWS).open("rb") as fh:
        response = client.post(
            f"/api/surveys/{survey.pk}/imports", {"file": fh, "mapping": MAPPING}
        )
    assert response.status_code == 401
    assert not Response.objects.exists()
