"""The import pages in a real browser: upload, dry run, confirm, progress, withdraw; with
axe-core on each page and the phone-width check."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from freeassoc.orgs.models import Membership
from freeassoc.surveys.models import Response
from tests.auth import phone_for, second_step_in_browser
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.respondent import press
from tests.browser.test_every_page import OVERFLOW, axe_check

from .conftest import GOOD_ROWS, MAPPING, write_csv

pytestmark = pytest.mark.browser
PASSWORD = "a long and known password"


@pytest.fixture
def rowan(org):
    user = get_user_model().objects.create_user("rowan", password=PASSWORD)
    Membership.objects.create(organisation=org, user=user, role=Membership.Role.ORGANISER)
    return user


def sign_in(page):
    phone_for("rowan")
    page.goto("/accounts/login/")
    page.get_by_role("textbox", name="Username").fill("rowan")
    page.get_by_label("Password").fill(PASSWORD)
    press(page, "Sign in")
    second_step_in_browser(page, "rowan")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your surveys")


def test_an_organiser_imports_and_withdraws_a_file(
    new_context, rowan, survey, tmp_path, screenshots
):
    data = write_csv(tmp_path / "their-export.csv", GOOD_ROWS)
    mapping = tmp_path / "map.yaml"
    mapping.write_text(MAPPING)
    bad = write_csv(tmp_path / "bad.csv", [["1", "x", "7", "1", "0", "1", "", "", "", ""]] * 3)
    problems = []
    page = new_context(DESKTOP).new_page()
    sign_in(page)
    page.goto(survey.get_absolute_url())
    page.get_by_role("link", name="Import responses").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import responses")
    axe_check(page, "import-start", problems, screenshots)

    page.get_by_label("Data file").set_input_files(str(bad))
    page.get_by_label("Mapping file").set_input_files(str(mapping))
    press(page, "Check the file")
    expect(page.get_by_role("table")).to_contain_text("Row 4")
    axe_check(page, "import-problems", problems, screenshots)
    press(page, "Start again with other files")

    page.get_by_label("Data file").set_input_files(str(data))
    page.get_by_label("Mapping file").set_input_files(str(mapping))
    press(page, "Check the file")
    expect(page.get_by_text("No problems found")).to_be_visible()
    axe_check(page, "import-check", problems, screenshots)
    press(page, "Import 3 responses")
    # htmx polls the progress and reloads the page when the import is done.
    expect(page.get_by_text("responses imported into this survey")).to_be_visible()
    axe_check(page, "import-batch", problems, screenshots)
    assert Response.objects.filter(survey=survey, source="import").count() == 3

    page.get_by_role("link", name="Withdraw this import…").click()
    axe_check(page, "import-withdraw", problems, screenshots)
    press(page, "Withdraw and delete 3 responses")
    expect(page.get_by_text("Withdrawn: 3 imported responses were deleted.")).to_be_visible()
    assert not Response.objects.filter(survey=survey).exists()
    page.get_by_role("link", name="Past imports").click()
    axe_check(page, "import-batches", problems, screenshots)
    assert not problems, "axe-core found serious or critical problems:\n" + "\n".join(problems)


def test_the_problem_list_fits_a_phone(new_context, rowan, survey, tmp_path, screenshots):
    mapping = tmp_path / "map.yaml"
    mapping.write_text(MAPPING)
    bad = write_csv(tmp_path / "bad.csv", [["1", "x", "7", "21", "2", "1", "9", "", "", ""]] * 3)
    page = new_context(PHONE).new_page()
    sign_in(page)
    page.goto(f"/org/surveys/{survey.pk}/import/")
    page.get_by_label("Data file").set_input_files(str(bad))
    page.get_by_label("Mapping file").set_input_files(str(mapping))
    press(page, "Check the file")
    expect(page.get_by_role("table")).to_contain_text("Row 2")
    screenshots(page, "import-problems-phone")
    found = page.evaluate(OVERFLOW, PHONE["viewport"]["width"])
    assert found["scrollWidth"] <= PHONE["viewport"]["width"], found["wide"]
