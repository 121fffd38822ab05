"""Microdata exports: every format read back and compared with the answers the test stored;
formula injection; streaming; who may export; the audit log; the `export` command.

Expected values come from the answers below and the questionnaire file, never from the export
code: `expected_names` and `expected_cell` restate the layout from the design."""

import csv
import datetime
import io
import json

import openpyxl
import pyreadstat
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.http import FileResponse, StreamingHttpResponse

from freeassoc.findings import exports
from freeassoc.findings.models import ExportFile
from freeassoc.orgs.models import AuditEvent, Membership
from freeassoc.surveys import instrument as instruments
from freeassoc.surveys.models import Response
from tests.auth import sign_in

INSTRUMENT = instruments.get("surviving-work", 1)
QUESTIONS = [q for page in INSTRUMENT.pages for q in page.questions]
HYPERLINK = '=HYPERLINK("http://x","y")'

NHS_WORKER = {
    "nhs_work": "direct",
    "employer": "nhs",
    "sector": "nhs",
    "employer_count": 2,
    "contract": "permanent",
    "written_contract": "yes",
    "hours": "part_time",
    "profession": "cbt_therapist",
    "roles": ["supervision", "teaching"],
    "modality": ["cbt"],
    "registrations": ["babcp", "bacp"],
    "in_training": "no",
    "nhs_band": "band_7",
    "iapt_relation": "employed",
    "iapt_postgrad_before": "yes",
    "iapt_training": ["hi_cbt", "counselling_depression"],
    "patients_per_day": 7,
    "weekly_pay": "prefer_not",
    "unpaid_hours": 5,
    "honorary": "no",
    "raised_concerns": ["data"],
    "talked_to": ["union", "colleague"],
    "union_member": "unison",
    "best_improvement": "caseload",
    "age": "prefer_not",
    "region": "london",
    "comments": HYPERLINK,
}
HONORARY = {
    "nhs_work": "no",
    "employer": "third_sector",
    "sector": "third_sector",
    "employer_count": 1,
    "contract": "zero_hours",
    "written_contract": "no",
    "hours": "part_time",
    "profession": "counsellor",
    "roles": ["none"],
    "in_training": "yes",
    "iapt_relation": "no",
    "weekly_pay": "p200_299",
    "unpaid_hours": 12,
    "honorary": "yes",
    "honorary_sector": "third_sector",
    "raised_concerns": ["none"],
    "talked_to": ["nobody"],
    "union_member": "prefer_not",
    "best_improvement": "pay",
    "age": 34,
    "region": "prefer_not",
    "comments": "+1",
}
MINIMAL = {  # only the required questions
    "nhs_work": "contracted",
    "employer": "private",
    "sector": "private",
    "employer_count": 0,
    "contract": "self_employed",
    "written_contract": "dont_know",
    "hours": "full_time",
    "profession": "pwp",
    "in_training": "no",
    "iapt_relation": "no",
    "unpaid_hours": 0,
    "honorary": "no",
    "raised_concerns": ["conditions", "patient_care"],
    "talked_to": ["manager"],
    "best_improvement": "retire",
    "comments": "-1",
}
ANSWERS = [
    (NHS_WORKER, datetime.date(2026, 3, 2), "web"),
    (HONORARY, datetime.date(2026, 3, 3), "web"),
    (MINIMAL, datetime.date(2026, 3, 3), "import"),
    ({**MINIMAL, "comments": "@SUM(A1)"}, datetime.date(2026, 3, 4), "web"),
    ({**MINIMAL, "comments": "\tcmd|' /C calc'!A0"}, datetime.date(2026, 3, 4), "web"),
    (
        {**MINIMAL, "age": 61, "comments": 'Pay, "hours" and £ —\r\nall worse.'},
        datetime.date(2026, 3, 5),
        "web",
    ),
]
INJECTIONS = {HYPERLINK, "+1", "-1", "@SUM(A1)", "\tcmd|' /C calc'!A0"}


def options(q):
    """The option codes, with "prefer_not" last on a sensitive question (the design)."""
    return [o.code for o in q.options] + (["prefer_not"] if q.sensitive else [])


def expected_names():
    names = ["response_id", "submitted_on", "source"]
    for q in QUESTIONS:
        if q.type == "multiple":
            names += [f"{q.id}__{code}" for code in options(q)]
        else:
            names.append(q.id)
    return names


def expected_cell(response, name):
    """What CSV shows in column `name` for this response, as text."""
    if name == "response_id":
        return str(response.pk)
    if name == "submitted_on":
        return response.submitted_on.isoformat()
    if name == "source":
        return response.source
    qid, _, code = name.partition("__")
    value = response.answers.get(qid)
    if code:  # a multiple-choice indicator
        return "" if not value else ("1" if code in value else "0")
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return str(value)


def numeric_code(qid, code):
    """1..n in option order (the design), or the SPSS missing code -9 for prefer_not."""
    if code == "prefer_not":
        return -9
    return [o.code for o in INSTRUMENT.questions[qid].options].index(code) + 1


@pytest.fixture
def responses(survey):
    return [
        Response.objects.create(
            survey=survey,
            instrument_version=1,
            submitted_on=day,
            source=source,
            collector_kind="open",
            answers=answers,
        )
        for answers, day, source in ANSWERS
    ]


def download(client, survey, fmt, **params):
    """CSV streams from its address; a file format is asked for (POST), made by the worker
    (at once, in tests), and downloaded from its page (POST)."""
    url = f"/org/surveys/{survey.pk}/export/{fmt}/"
    if fmt == "csv":
        response = client.get(url, params)
    else:
        asked = client.post(url)
        assert asked.status_code == 302, asked.content[:300]
        page = client.get(asked["Location"])
        assert "Download the file" in page.text, page.text
        response = client.post(asked["Location"] + "download/")
    assert response.status_code == 200, response.content[:300]
    if response.streaming:
        return response, b"".join(response.streaming_content)
    return response, response.content


def read_csv(content: bytes):
    return list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))


# CSV ----------------------------------------------------------------------------------------


def test_the_csv_export_has_one_row_per_response_with_the_stored_answers(
    client, analyst, survey, responses
):
    sign_in(client, analyst)
    response, content = download(client, survey, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = read_csv(content)
    assert rows[0] == expected_names()
    assert len(rows) == 1 + len(ANSWERS)
    by_id = {int(row[0]): dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert sorted(by_id) == [r.pk for r in responses]
    for stored in responses:
        row = by_id[stored.pk]
        assert row == {name: expected_cell(stored, name) for name in rows[0]}


def test_the_csv_spells_out_the_values_a_reader_would_check(client, analyst, survey, responses):
    sign_in(client, analyst)
    _, content = download(client, survey, "csv")
    rows = read_csv(content)
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["submitted_on"] == "2026-03-02"
    assert first["nhs_work"] == "direct"
    assert first["employer_count"] == "2"
    assert first["weekly_pay"] == "prefer_not" and first["age"] == "prefer_not"
    assert (first["roles__supervision"], first["roles__teaching"], first["roles__lead"]) == (
        "1",
        "1",
        "0",
    )
    assert first["iapt_training__counselling_depression"] == "1"
    minimal = dict(zip(rows[0], rows[3], strict=True))
    assert minimal["source"] == "import"
    assert minimal["roles__supervision"] == ""  # not answered: blank, not 0
    assert minimal["nhs_band"] == "" and minimal["weekly_pay"] == ""
    last = dict(zip(rows[0], rows[6], strict=True))
    assert last["age"] == "61"
    assert last["comments"] == 'Pay, "hours" and £ —\r\nall worse.'


def test_formula_injection_is_neutralised_in_the_csv(client, analyst, survey, responses):
    sign_in(client, analyst)
    _, content = download(client, survey, "csv")
    rows = read_csv(content)
    comments = [row[rows[0].index("comments")] for row in rows[1:]]
    for attack in INJECTIONS:
        assert "'" + attack in comments
        assert attack not in comments
    assert not any(
        cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row
    )


def test_the_csv_is_streamed_without_a_byte_order_mark_unless_asked(
    client, analyst, survey, responses
):
    sign_in(client, analyst)
    response = client.get(f"/org/surveys/{survey.pk}/export/csv/")
    assert isinstance(response, StreamingHttpResponse)
    assert not response.has_header("Content-Length")
    content = b"".join(response.streaming_content)
    assert content.startswith(b"response_id,")
    assert content.endswith(b"\r\n")
    _, with_bom = download(client, survey, "csv", bom="1")
    assert with_bom.startswith(b"\xef\xbb\xbfresponse_id,")


def test_the_csv_is_the_same_however_the_rows_are_chunked(survey, responses, monkeypatch):
    whole = "".join(exports.csv_chunks(survey))
    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)
    chunks = list(exports.csv_chunks(survey))
    assert len(chunks) == 3  # six responses, two at a time
    assert "".join(chunks) == whole
    assert whole.count("response_id") == 1  # one header


def test_an_empty_survey_exports_a_header_and_no_rows(client, analyst, survey):
    sign_in(client, analyst)
    _, content = download(client, survey, "csv")
    assert read_csv(content) == [expected_names()]


def test_the_file_is_named_after_the_survey_and_the_day(client, analyst, survey, responses):
    sign_in(client, analyst)
    today = datetime.date.today().isoformat()  # noqa: DTZ011 - the server's day, as the export
    response, _ = download(client, survey, "csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="working-conditions-2026-{today}.csv"'
    )
    response, _ = download(client, survey, "sav")
    assert f'filename="working-conditions-2026-{today}.sav"' in response["Content-Disposition"]


def test_a_synthetic_survey_says_so_in_the_file_name_and_the_codebook(
    client, analyst, survey, responses
):
    survey.is_synthetic = True
    survey.save()
    sign_in(client, analyst)
    response, _ = download(client, survey, "csv")
    assert response["Content-Disposition"].endswith('-synthetic.csv"')
    codebook = client.get(f"/org/surveys/{survey.pk}/codebook/")
    assert codebook["Content-Disposition"].endswith('-synthetic-codebook.csv"')
    assert "SYNTHETIC DEMO DATA" in codebook.text
    document = client.get(f"/org/surveys/{survey.pk}/codebook/", {"format": "json"}).json()
    assert document["dataset"]["synthetic"] is True
    _, content = download(client, survey, "sav")
    path = _save(content, "sav")
    _, meta = pyreadstat.read_sav(path, metadataonly=True)
    assert meta.file_label.startswith("SYNTHETIC")


# XLSX ---------------------------------------------------------------------------------------


def _save(content: bytes, extension: str, tmp=[]) -> str:  # noqa: B006 - one temp dir per run
    import tempfile

    if not tmp:
        tmp.append(tempfile.mkdtemp())
    path = f"{tmp[0]}/export-{len(content)}.{extension}"
    with open(path, "wb") as out:
        out.write(content)
    return path


def unescape(value):
    """OOXML writes a carriage return in text as _x000D_; Excel reads it back, openpyxl not."""
    return value.replace("_x000D_", "\r") if isinstance(value, str) else value


def test_the_xlsx_export_reads_back_with_the_same_values(client, analyst, survey, responses):
    sign_in(client, analyst)
    response, content = download(client, survey, "xlsx")
    assert isinstance(response, FileResponse)
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    assert book.sheetnames == ["Responses", "Codebook"]
    rows = list(book["Responses"].iter_rows(values_only=True))
    assert list(rows[0]) == expected_names()
    assert len(rows) == 1 + len(ANSWERS)
    for stored, row in zip(responses, rows[1:], strict=True):
        cells = dict(zip(rows[0], row, strict=True))
        assert cells["response_id"] == stored.pk
        assert cells["submitted_on"] == datetime.datetime.combine(
            stored.submitted_on, datetime.time()
        )
        for name in expected_names()[2:]:
            text = expected_cell(stored, name)
            value = cells[name]
            if text == "":
                assert value is None, name
            elif text.lstrip("-").isdigit():
                assert value == int(text), name  # numbers and 0/1 are numbers, not text
            else:
                assert unescape(value) == text, name
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["weekly_pay"] == "prefer_not" and first["age"] == "prefer_not"
    assert first["employer_count"] == 2 and first["roles__teaching"] == 1


def test_formula_injection_is_neutralised_in_the_xlsx(client, analyst, survey, responses):
    sign_in(client, analyst)
    _, content = download(client, survey, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(content))  # full mode: cell types are visible
    sheet = book["Responses"]
    header = [cell.value for cell in sheet[1]]
    column = header.index("comments") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, sheet.max_row + 1)]
    assert all(cell.data_type == "s" for cell in cells)  # text, never a formula ("f")
    values = {cell.value for cell in cells}
    for attack in INJECTIONS:
        assert "'" + attack in values and attack not in values


def test_the_xlsx_carries_the_codebook_as_its_second_sheet(client, analyst, survey, responses):
    sign_in(client, analyst)
    _, content = download(client, survey, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    rows = list(book["Codebook"].iter_rows(values_only=True))
    header = rows[0]
    by_name = {row[header.index("name")]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert list(by_name)[1:] == expected_names()  # after the row describing the data set
    weekly = by_name["weekly_pay"]
    assert weekly["label"] == INSTRUMENT.questions["weekly_pay"].label
    assert "under_100 = Under £100" in weekly["values"]
    assert "1 = Under £100" in weekly["spss_stata_values"]
    assert "prefer_not" in weekly["missing"] and "-9" in weekly["missing"]
    assert by_name["honorary_sector"]["asked_if"] == "honorary is yes"
    assert by_name["iapt_training__pwp"]["asked_if"].startswith("iapt_relation is employed")


def test_past_excel_s_row_limit_the_rows_continue_on_another_sheet(
    survey, responses, monkeypatch, tmp_path
):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)  # a header and two rows a sheet
    path = tmp_path / "long.xlsx"
    assert exports.write_xlsx(survey, path) == len(ANSWERS)
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["Responses", "Responses 2", "Responses 3", "Codebook"]
    ids = []
    for name in book.sheetnames[:3]:
        rows = list(book[name].iter_rows(values_only=True))
        assert list(rows[0]) == expected_names()
        ids += [row[0] for row in rows[1:]]
    assert ids == [r.pk for r in responses]


def test_a_workbook_of_any_size_is_made_by_the_worker_with_its_progress(
    client, analyst, survey, responses, monkeypatch
):
    """No size limit on the web any more: the file is made in the background, and its page
    shows how many responses were written."""
    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)
    sign_in(client, analyst)
    page = client.get(f"/org/surveys/{survey.pk}/export/xlsx/")
    assert page.status_code == 200 and "Make the file" in page.text
    assert not ExportFile.objects.exists()  # a GET asks for nothing
    asked = client.post(f"/org/surveys/{survey.pk}/export/xlsx/")
    made = ExportFile.objects.get()
    assert made.status == "ready" and made.rows_done == made.rows_total == len(ANSWERS)
    assert made.path.exists() and not exports_audited().exists()
    assert f"{len(ANSWERS)} responses" in client.get(asked["Location"]).text


# SPSS and Stata -----------------------------------------------------------------------------


def blank(value):
    """Missing as pyreadstat reads it: None, NaN, or an empty string for a text variable."""
    return value is None or value == "" or value != value


def _expected_number(response, name, missing):
    """The numeric value .sav/.dta should hold, or None for a blank."""
    text = expected_cell(response, name)
    qid = name.partition("__")[0]
    q = INSTRUMENT.questions.get(qid)
    raw = response.answers.get(qid)
    if text == "" or q is None or q.type == "text":
        return None if text == "" else text
    if "__" in name:
        return int(text)
    if raw == "prefer_not":
        return missing
    if q.type in {"single", "pay_band"}:
        return numeric_code(qid, raw)
    return int(raw)


def test_the_sav_export_has_numeric_codes_labels_and_user_missing_values(
    client, analyst, survey, responses
):
    sign_in(client, analyst)
    response, content = download(client, survey, "sav")
    assert response["Content-Type"] == "application/x-spss-sav"
    path = _save(content, "sav")
    data, meta = pyreadstat.read_sav(path, user_missing=True, output_format="dict")
    assert meta.column_names == expected_names()
    assert meta.number_rows == len(ANSWERS)
    assert data["response_id"] == [r.pk for r in responses]
    assert data["submitted_on"] == [r.submitted_on for r in responses]
    assert data["source"] == [1, 1, 2, 1, 1, 1]  # web, web, import ...: Response.Source order
    for name in expected_names()[3:]:
        for stored, value in zip(responses, data[name], strict=True):
            expected = _expected_number(stored, name, -9)
            if isinstance(expected, str):  # free text is kept as it was written
                assert value == stored.answers[name], name
            elif expected is None:
                assert blank(value), name
            else:
                assert value == expected, (name, stored.answers.get(name.partition("__")[0]))
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["weekly_pay"] == INSTRUMENT.questions["weekly_pay"].label
    assert (
        labels["roles__teaching"]
        == "Do you have any of these roles as well? [Teaching or training]"
    )
    values = meta.variable_value_labels
    assert values["nhs_work"] == {
        1: "Yes, employed directly by the NHS",
        2: "Yes, contracted to an NHS service (by a provider, or self-employed)",
        3: "No",
    }
    assert values["weekly_pay"][1] == "Under £100"
    assert values["weekly_pay"][-9] == "Prefer not to say"
    assert values["age"] == {-9: "Prefer not to say"}
    assert values["roles__none"] == {0: "Not ticked", 1: "Ticked"}
    assert meta.missing_ranges["weekly_pay"] == [{"lo": -9, "hi": -9}]
    assert meta.missing_ranges["age"] == [{"lo": -9, "hi": -9}]
    assert "nhs_work" not in meta.missing_ranges  # not sensitive: no "prefer not to say"
    assert meta.variable_measure["weekly_pay"] == "ordinal"
    assert meta.variable_measure["age"] == "scale"


def test_without_user_missing_prefer_not_reads_as_missing_in_spss(
    client, analyst, survey, responses
):
    sign_in(client, analyst)
    _, content = download(client, survey, "sav")
    data, _ = pyreadstat.read_sav(_save(content, "sav"), output_format="dict")
    assert blank(data["age"][0])  # declined
    assert data["age"][1] == 34
    assert blank(data["weekly_pay"][0])
    assert data["weekly_pay"][1] == numeric_code("weekly_pay", "p200_299")


def test_the_dta_export_has_labels_and_extended_missing_a(client, analyst, survey, responses):
    sign_in(client, analyst)
    response, content = download(client, survey, "dta")
    assert response["Content-Type"] == "application/x-stata-dta"
    path = _save(content, "dta")
    data, meta = pyreadstat.read_dta(path, user_missing=True, output_format="dict")
    names = meta.column_names
    assert len(names) == len(expected_names())
    assert all(len(name) <= 32 for name in names) and len(set(names)) == len(names)
    # Names that fit Stata are the same as in the other formats.
    short = [n for n in expected_names() if len(n) <= 28]
    assert set(short) <= set(names)
    by_position = dict(zip(expected_names(), names, strict=True))
    long_name = by_position["iapt_training__counselling_depression"]
    assert long_name != "iapt_training__counselling_depression"
    assert long_name.startswith("iapt_training__counsel")
    labels = dict(zip(names, meta.column_labels, strict=True))
    assert all(len(label) <= 80 for label in labels.values())
    assert labels[long_name].endswith("[Counselling for Depression]")
    assert labels["weekly_pay"].startswith("What is your usual weekly take-home pay")
    for name in expected_names()[3:]:
        for stored, value in zip(responses, data[by_position[name]], strict=True):
            expected = _expected_number(stored, name, "a")
            if isinstance(expected, str) and expected != "a":
                assert value == stored.answers[name], name
            elif expected is None:
                assert blank(value), name
            else:
                assert value == expected, name
    assert data["weekly_pay"][0] == "a" and data["age"][0] == "a"
    assert data["union_member"][1] == "a" and data["region"][1] == "a"
    values = meta.variable_value_labels
    assert values["weekly_pay"]["a"] == "Prefer not to say"
    assert values["weekly_pay"][numeric_code("weekly_pay", "p800_plus")] == "£800 or more"
    assert values["age"] == {"a": "Prefer not to say"}
    assert meta.missing_user_values["weekly_pay"] == ["a"]


def test_sav_and_dta_of_an_empty_survey_have_every_column_and_no_rows(client, analyst, survey):
    sign_in(client, analyst)
    for fmt, read in [("sav", pyreadstat.read_sav), ("dta", pyreadstat.read_dta)]:
        _, content = download(client, survey, fmt)
        _, meta = read(_save(content, fmt), metadataonly=True)
        assert meta.number_rows in (0, None)
        assert len(meta.column_names) == len(expected_names())
    _, content = download(client, survey, "xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).worksheets[0].values)
    assert rows == [tuple(expected_names())]


def test_an_answer_that_does_not_fit_the_questionnaire_stops_the_export(
    client, analyst, survey, responses
):
    bad = Response.objects.create(
        survey=survey,
        instrument_version=1,
        submitted_on=datetime.date(2026, 3, 6),
        answers={**MINIMAL, "nhs_work": "sometimes"},
    )
    sign_in(client, analyst)
    response = client.get(f"/org/surveys/{survey.pk}/export/csv/")
    assert response.status_code == 422
    assert f"Response {bad.pk}" in response.text and "nhs_work" in response.text
    for fmt in ["xlsx", "sav", "dta"]:
        page = client.get(client.post(f"/org/surveys/{survey.pk}/export/{fmt}/")["Location"])
        assert page.status_code == 200 and "Download the file" not in page.text
        assert f"Response {bad.pk}" in page.text and "nhs_work" in page.text
    with pytest.raises(CommandError, match=f"Response {bad.pk}"):
        call_command("export", str(survey.pk), "--format", "csv", stdout=io.StringIO())
    assert not AuditEvent.objects.filter(action="export").exists()


def test_a_number_that_is_not_whole_stops_the_export(survey, responses):
    bad = Response.objects.create(
        survey=survey,
        instrument_version=1,
        submitted_on=datetime.date(2026, 3, 6),
        answers={**MINIMAL, "unpaid_hours": "lots"},
    )
    with pytest.raises(exports.ExportError, match=f"Response {bad.pk}.*unpaid_hours"):
        "".join(exports.csv_chunks(survey))


def test_empty_answers_count_as_unanswered(survey):
    stored = Response.objects.create(
        survey=survey,
        instrument_version=1,
        submitted_on=datetime.date(2026, 3, 6),
        answers={**MINIMAL, "roles": [], "comments": "", "nhs_band": None, "age": 40.0},
    )
    rows = read_csv("".join(exports.csv_chunks(survey)).encode())
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["response_id"] == str(stored.pk)
    assert row["roles__none"] == "" and row["comments"] == "" and row["nhs_band"] == ""
    assert row["age"] == "40"


# Who may export, and the audit log ----------------------------------------------------------


def exports_audited():
    """Export events only: signing in writes its own lines to the audit log."""
    return AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT)


FORMATS = ["csv", "xlsx", "sav", "dta"]


def test_an_analyst_and_an_organiser_may_export_every_format(
    client, analyst, organiser, survey, responses
):
    for user in (analyst, organiser):
        sign_in(client, user)
        for fmt in FORMATS:
            download(client, survey, fmt)
        assert client.get(f"/org/surveys/{survey.pk}/codebook/").status_code == 200


def test_someone_from_another_organisation_gets_a_404_and_no_data(
    client, outsider, survey, responses
):
    sign_in(client, outsider)
    for fmt in [*FORMATS, "pdf"]:
        response = client.get(f"/org/surveys/{survey.pk}/export/{fmt}/")
        assert response.status_code == 404
        assert b"HYPERLINK" not in response.content
    assert client.get(f"/org/surveys/{survey.pk}/codebook/").status_code == 404
    assert not exports_audited().exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, survey, responses):
    for url in [f"/org/surveys/{survey.pk}/export/csv/", f"/org/surveys/{survey.pk}/codebook/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert not exports_audited().exists()


def test_a_delegate_may_not_export(client, org, survey, responses):
    delegate = get_user_model().objects.create_user("dee", password="correct horse battery")
    Membership.objects.create(organisation=org, user=delegate, role=Membership.Role.DELEGATE)
    sign_in(client, delegate)
    assert client.get(f"/org/surveys/{survey.pk}/export/csv/").status_code == 403
    assert not exports_audited().exists()


def test_an_unknown_format_is_a_404_that_says_so(client, analyst, survey):
    sign_in(client, analyst)
    response = client.get(f"/org/surveys/{survey.pk}/export/pdf/")
    assert response.status_code == 404
    assert "There is no 'pdf' export" in response.text
    response = client.get(f"/org/surveys/{survey.pk}/codebook/", {"format": "xml"})
    assert response.status_code == 404
    assert not exports_audited().exists()


def test_each_export_writes_one_audit_event(client, analyst, org, survey, responses):
    sign_in(client, analyst)
    for count, fmt in enumerate(FORMATS, start=1):
        download(client, survey, fmt)
        assert exports_audited().count() == count
        event = exports_audited().order_by("-pk").first()
        assert event.action == AuditEvent.Action.EXPORT
        assert event.organisation == org
        assert event.user == analyst and event.username == "ana"
        assert event.detail == f"{fmt} export of survey {survey.pk} (6 rows)"
    client.get(f"/org/surveys/{survey.pk}/codebook/")  # no answers in it: not an export
    assert exports_audited().count() == len(FORMATS)


def test_exports_are_not_cached(client, analyst, survey, responses):
    sign_in(client, analyst)
    response, _ = download(client, survey, "csv")
    assert "no-store" in response["Cache-Control"]
    response, _ = download(client, survey, "dta")
    assert "no-store" in response["Cache-Control"]


def test_only_get_is_allowed(client, analyst, survey):
    sign_in(client, analyst)
    assert client.post(f"/org/surveys/{survey.pk}/export/csv/").status_code == 405
    assert not exports_audited().exists()


# The codebook -------------------------------------------------------------------------------


def test_the_codebook_describes_every_column_in_order(client, analyst, survey):
    sign_in(client, analyst)
    response = client.get(f"/org/surveys/{survey.pk}/codebook/")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows[0]["type"] == "dataset" and rows[0]["label"] == survey.title
    assert [row["name"] for row in rows[1:]] == expected_names()
    assert [row["position"] for row in rows[1:]] == [
        str(i) for i in range(1, len(expected_names()) + 1)
    ]
    comments = rows[-1]
    assert comments["name"] == "comments" and comments["type"] == "free text"
    assert "never publish" in comments["notes"]


def test_the_json_codebook_lists_codes_values_and_missing_codes(client, analyst, survey):
    sign_in(client, analyst)
    response = client.get(f"/org/surveys/{survey.pk}/codebook/", {"format": "json"})
    assert response["Content-Type"] == "application/json"
    document = response.json()
    assert document["dataset"]["instrument"] == "surviving-work@1"
    assert document["dataset"]["synthetic"] is False
    columns = {c["name"]: c for c in document["columns"]}
    assert list(columns) == expected_names()
    region = columns["region"]
    assert region["codes"][0] == {"code": "london", "value": 1, "label": "London"}
    assert region["prefer_not"] == {
        "label": "Prefer not to say",
        "csv": "prefer_not",
        "xlsx": "prefer_not",
        "spss": -9,
        "stata": ".a",
    }
    assert region["sensitive"] is True
    assert columns["patients_per_day"]["range"] == {"min": 0, "max": 30, "unit": None}
    assert columns["comments"]["free_text"] is True
    assert "prefer_not" not in columns["nhs_work"]


# The command --------------------------------------------------------------------------------


def test_the_command_writes_csv_to_standard_output(survey, responses):
    out, err = io.StringIO(), io.StringIO()
    call_command("export", str(survey.pk), stdout=out, stderr=err)
    rows = read_csv(out.getvalue().encode())
    assert rows[0] == expected_names() and len(rows) == 1 + len(ANSWERS)
    assert "Wrote 6 responses" in err.getvalue()
    event = exports_audited().get()
    assert event.username == "(command line)" and event.user is None
    assert event.detail == f"csv export of survey {survey.pk} (6 rows)"


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_command_writes_each_format_to_a_file(survey, responses, tmp_path, fmt):
    path = tmp_path / f"out.{fmt}"
    out = io.StringIO()
    call_command("export", str(survey.pk), "--format", fmt, "--output", str(path), stdout=out)
    assert f"Wrote 6 responses of survey {survey.pk} to {path}" in out.getvalue()
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no partial file left
    if fmt == "csv":
        rows = read_csv(path.read_bytes())
        ids = [int(row[0]) for row in rows[1:]]
    elif fmt == "xlsx":
        sheet = openpyxl.load_workbook(path, read_only=True)["Responses"]
        ids = [row[0] for row in list(sheet.iter_rows(values_only=True))[1:]]
    else:
        read = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
        data, _ = read(str(path), output_format="dict")
        ids = data["response_id"]
    assert ids == [r.pk for r in responses]
    assert exports_audited().get().detail == f"{fmt} export of survey {survey.pk} (6 rows)"


def test_the_command_needs_a_file_for_binary_formats(survey):
    with pytest.raises(CommandError, match="--output"):
        call_command("export", str(survey.pk), "--format", "sav", stdout=io.StringIO())
    assert not exports_audited().exists()


def test_the_command_says_when_there_is_no_such_survey(db):
    with pytest.raises(CommandError, match="There is no survey 999"):
        call_command("export", "999", stdout=io.StringIO())


def test_the_command_writes_the_codebook(survey, tmp_path):
    out = io.StringIO()
    call_command("export", str(survey.pk), "--codebook", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [row["name"] for row in rows[1:]] == expected_names()
    path = tmp_path / "codebook.json"
    call_command(
        "export", str(survey.pk), "--codebook", "--format", "json", "-o", str(path), stdout=out
    )
    assert [c["name"] for c in json.loads(path.read_text())["columns"]] == expected_names()
    with pytest.raises(CommandError):
        call_command("export", str(survey.pk), "--codebook", "--format", "sav", stdout=out)
    with pytest.raises(CommandError, match="codebook"):
        call_command("export", str(survey.pk), "--format", "json", stdout=out)
    assert not exports_audited().exists()


def test_columns_nobody_answered_still_export_to_every_format(survey, tmp_path):
    """No one answered the optional questions (age, free text ...): empty columns, not a crash."""
    minimal = {key: value for key, value in MINIMAL.items() if key != "comments"}
    stored = Response.objects.create(
        survey=survey, instrument_version=1, submitted_on=datetime.date(2026, 3, 6), answers=minimal
    )
    for fmt in FORMATS:
        path = tmp_path / f"empty-columns.{fmt}"
        assert exports.export_to_path(survey=survey, fmt=fmt, path=path) == 1
    data, _ = pyreadstat.read_dta(str(tmp_path / "empty-columns.dta"), output_format="dict")
    assert data["response_id"] == [stored.pk]
    assert blank(data["age"][0]) and blank(data["comments"][0])
    assert data["employer_count"] == [0]
    data, _ = pyreadstat.read_sav(str(tmp_path / "empty-columns.sav"), output_format="dict")
    assert blank(data["weekly_pay"][0]) and data["unpaid_hours"] == [0]


# The layout's names and labels on an awkward questionnaire -----------------------------------

AWKWARD = """
slug: awkward
version: 1
title: Awkward names
description: Identifiers that SPSS and Stata reserve or find too long.
purpose: Tests.
pages:
  - id: only
    title: Only page
    questions:
      - id: to
        type: single
        label: A question whose identifier is an SPSS keyword
        options:
          - {code: a, label: A}
          - {code: b, label: B}
      - id: in
        type: number
        label: A question whose identifier is a Stata keyword, and which allows minus nine
        sensitive: true
        min: -20
        max: 20
      - id: a_really_quite_long_question_identifier
        type: multiple
        label: >-
          Which of these very many things, each described at a length that no statistics
          package would ever show in a variable label, apply to you?
        options:
          - {code: first_option_code, label: First}
          - {code: first_option_code_two, label: Second}
"""


def test_names_are_made_safe_for_spss_and_stata_and_labels_fit():
    from freeassoc.findings import codebook

    columns = {c.name: c for c in codebook.columns(instruments.parse(AWKWARD))}
    assert list(columns) == [
        "response_id",
        "submitted_on",
        "source",
        "to",
        "in",
        "a_really_quite_long_question_identifier__first_option_code",
        "a_really_quite_long_question_identifier__first_option_code_two",
    ]
    assert (columns["to"].spss_name, columns["to"].stata_name) == ("to_v", "to")
    assert (columns["in"].spss_name, columns["in"].stata_name) == ("in", "in_v")
    first, second = list(columns.values())[-2:]
    assert first.spss_name == first.name  # 57 bytes: SPSS takes 64
    assert first.stata_name == "a_really_quite_long_question"
    assert second.stata_name == "a_really_quite_long_questi_1"
    assert columns["in"].spss_missing == -99  # -9 is a real answer here
    assert len(first.stata_label) <= 80 and first.stata_label.endswith("… [First]")
    assert first.label.endswith("apply to you? [First]")  # the codebook keeps it whole
    assert codebook.fit("one two three four", 10) == "one two…"
    assert codebook.fit("£" * 200, 120, encoding="utf-8") == "£" * 58 + "…"


def test_an_awkward_questionnaire_still_writes_valid_sav_and_dta(survey, tmp_path, monkeypatch):
    from freeassoc.surveys.models import Survey

    awkward = instruments.parse(AWKWARD)
    monkeypatch.setattr(Survey, "instrument", property(lambda self: awkward))
    Response.objects.create(
        survey=survey,
        instrument_version=1,
        submitted_on=datetime.date(2026, 3, 6),
        answers={
            "to": "b",
            "in": "prefer_not",
            "a_really_quite_long_question_identifier": ["first_option_code_two"],
        },
    )
    exports.export_to_path(survey=survey, fmt="sav", path=tmp_path / "a.sav")
    data, meta = pyreadstat.read_sav(
        str(tmp_path / "a.sav"), user_missing=True, output_format="dict"
    )
    assert meta.column_names[3:5] == ["to_v", "in"]
    assert data["to_v"] == [2] and data["in"] == [-99]
    assert meta.missing_ranges["in"] == [{"lo": -99, "hi": -99}]
    exports.export_to_path(survey=survey, fmt="dta", path=tmp_path / "a.dta")
    data, meta = pyreadstat.read_dta(
        str(tmp_path / "a.dta"), user_missing=True, output_format="dict"
    )
    assert meta.column_names[3:] == [
        "to",
        "in_v",
        "a_really_quite_long_question",
        "a_really_quite_long_questi_1",
    ]
    assert data["in_v"] == ["a"]
    assert data["a_really_quite_long_question"] == [0]
    assert data["a_really_quite_long_questi_1"] == [1]
    assert meta.variable_value_labels["a_really_quite_long_questi_1"] == {
        0: "Not ticked",
        1: "Ticked",
    }
