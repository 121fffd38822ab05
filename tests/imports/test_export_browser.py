"""An organiser makes and downloads an Excel file in a real browser, on a phone: the export
page, the file's page and its one download; axe-core on each page, nothing wider than the
screen."""

import pytest
from playwright.sync_api import expect

from freeassoc.findings.models import ExportFile
from freeassoc.orgs.models import AuditEvent
from freeassoc.surveys.models import Response
from tests.browser.conftest import PHONE
from tests.browser.respondent import press
from tests.browser.test_every_page import OVERFLOW, axe_check

from .test_browser import rowan, sign_in  # noqa: F401 - the organiser fixture

pytestmark = pytest.mark.browser


def test_an_organiser_makes_and_downloads_an_excel_file(new_context, rowan, survey, screenshots):  # noqa: F811
    Response.objects.create(
        survey=survey, instrument_version=1, submitted_on="2026-03-02",
        collector_kind="open", answers={"nhs_work": "no", "comments": "Too many targets"},
    )  # fmt: skip
    problems = []
    page = new_context(PHONE).new_page()
    sign_in(page)
    page.goto(survey.get_absolute_url())
    page.get_by_role("link", name="Excel").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Excel workbook")
    axe_check(page, "export-start-phone", problems, screenshots)
    press(page, "Make the file")
    expect(page.get_by_role("button", name="Download the file")).to_be_visible()
    axe_check(page, "export-ready-phone", problems, screenshots)
    found = page.evaluate(OVERFLOW, PHONE["viewport"]["width"])
    assert found["scrollWidth"] <= PHONE["viewport"]["width"], found["wide"]
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the file").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert ExportFile.objects.get().status == "downloaded"
    assert AuditEvent.objects.filter(action="export").count() == 1
    page.reload()
    expect(page.get_by_text("no longer on the server")).to_be_visible()
    axe_check(page, "export-gone-phone", problems, screenshots)
    assert not problems, "axe-core found serious or critical problems:\n" + "\n".join(problems)
