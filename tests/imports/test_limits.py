"""Uploads too large to read safely are refused before they are parsed, with a sentence on the
page, and leave nothing behind: no batch, no response, no file."""

import io
import zipfile

import polars as pl
import pyreadstat
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from freeassoc.imports import readers, services
from freeassoc.imports.models import ImportBatch
from tests.auth import sign_in

from .conftest import GOOD_ROWS, MAPPING, nothing_written
from .test_readers import SMALL, numeric_frame
from .test_web import csv_bytes, upload_folders


def post(client, survey, name, data):
    return client.post(
        reverse("imports:start", args=[survey.pk]),
        {
            "data": SimpleUploadedFile(name, data),
            "mapping": SimpleUploadedFile("map.yaml", MAPPING.encode()),
        },
    )


def refused(response, survey, sentence):
    page = response.content.decode()
    assert response.status_code == 200, page[:300]
    assert sentence in page, page
    assert nothing_written(survey) and not ImportBatch.objects.exists()
    assert upload_folders() == []
    return page


def bomb_workbook(inflated_mb: int) -> bytes:
    """A real workbook whose one text cell is `inflated_mb` megabytes of one letter: a zip
    that packs to a few hundred kilobytes. calamine would hold the whole text in memory."""
    honest = io.BytesIO()
    numeric_frame().with_columns(pl.lit("x").alias("Q28")).write_excel(honest)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(honest.getvalue())) as book,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for part in book.infolist():
            if part.filename == "xl/sharedStrings.xml":
                with bomb.open(part.filename, "w") as text:
                    text.write(
                        b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats'
                        b'.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
                    )
                    for _ in range(inflated_mb):
                        text.write(b"A" * (1024 * 1024))
                    text.write(b"</t></si></sst>")
            else:
                bomb.writestr(part, book.read(part))
    return out.getvalue()


def test_a_zip_bomb_workbook_is_refused_before_it_is_read(client, organiser, survey):
    data = bomb_workbook(64)
    assert len(data) < 1024 * 1024  # a small upload ...
    sign_in(client, organiser)
    refused(post(client, survey, "theirs.xlsx", data), survey, "refused as unsafe")


def test_a_workbook_that_unpacks_past_the_limit_is_refused(client, organiser, survey, settings):
    settings.FREEASSOC_IMPORT_XLSX_MAX_MB = 8
    settings.FREEASSOC_IMPORT_XLSX_MAX_RATIO = 10_000
    sign_in(client, organiser)
    refused(post(client, survey, "theirs.xlsx", bomb_workbook(10)), survey, "unpacks to 10 MB")


def test_a_workbook_whose_parts_lie_about_their_size_is_refused(survey, tmp_path):
    data = bytearray(bomb_workbook(20))
    # The central directory's entry for the shared strings: claim 1,000 bytes unpacked.
    entry = data.rfind(b"PK\x01\x02", 0, data.rfind(b"xl/sharedStrings.xml"))
    data[entry + 24 : entry + 28] = (1000).to_bytes(4, "little")
    path = tmp_path / "liar.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(readers.ReadError, match="could not be read"):
        services.dry_run(survey, path, SMALL)


def test_an_honest_workbook_still_reads(survey, tmp_path):
    path = tmp_path / "export.xlsx"
    numeric_frame().write_excel(path)
    assert services.dry_run(survey, path, SMALL).ok


def test_a_csv_with_too_many_columns_is_refused(client, organiser, survey, settings):
    settings.FREEASSOC_IMPORT_MAX_COLUMNS = 9
    sign_in(client, organiser)
    page = refused(post(client, survey, "theirs.csv", csv_bytes(GOOD_ROWS)), survey, "10 columns")
    assert "FREEASSOC_IMPORT_MAX_COLUMNS" in page


def test_a_csv_with_too_many_rows_is_refused(client, organiser, survey, settings):
    settings.FREEASSOC_IMPORT_MAX_ROWS = 2
    sign_in(client, organiser)
    refused(post(client, survey, "theirs.csv", csv_bytes(GOOD_ROWS)), survey, "Split it into parts")


def test_a_header_row_of_a_megabyte_is_refused(survey, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_bytes(b"A," * (600 * 1024) + b"\n1\n")
    with pytest.raises(readers.ReadError, match="not a header row"):
        services.dry_run(survey, path, SMALL)


def test_an_spss_file_with_too_many_cases_is_refused_before_its_data_is_read(
    survey, tmp_path, settings
):
    settings.FREEASSOC_IMPORT_MAX_ROWS = 1
    path = tmp_path / "export.sav"
    pyreadstat.write_sav(numeric_frame(), str(path))
    with pytest.raises(readers.ReadError, match="about 2 cases"):
        services.dry_run(survey, path, SMALL)
    assert nothing_written(survey)
