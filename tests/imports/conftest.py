import csv

import pytest

from freeassoc.imports.models import ImportBatch
from freeassoc.surveys.models import Response

# The browser tests' fixtures, for this folder's browser test.
from tests.browser.conftest import chromium, new_context, screenshots, server  # noqa: F401

# A small mapping in another tool's shape: numbered codes, a number with a special code for
# "prefer not to say", a several-answer question as 0/1 columns and another as one delimited
# column, a question behind skip logic, free text, and columns deliberately ignored.
MAPPING = """\
instrument: surviving-work@1
missing: ["", "-99"]
ignore: [ID, IP]
columns:
  Q1: {question: nhs_work, values: {1: direct, 2: contracted, 3: "no"}}
  Q4: {question: employer_count}
  Q9_1: {question: roles, code: supervision}
  Q9_6: {question: roles, code: none}
  Q10: {question: modality, separator: ";", values: {1: cbt, 2: psychodynamic, 7: low_intensity}}
  Q13: {question: nhs_band, values: {4: band_6, 5: band_7}}
  Q26: {question: age, values: {-9: prefer_not}}
  Q28: {question: comments}
"""

HEADER = ["ID", "IP", "Q1", "Q4", "Q9_1", "Q9_6", "Q10", "Q13", "Q26", "Q28"]

GOOD_ROWS = [
    ["101", "192.0.2.7", "1", "2", "1", "0", "1;2", "4", "45", 'Too many "targets", 1\\2'],
    ["102", "192.0.2.8", "3", "0", "0", "1", "7", "", "-9", ""],
    ["103", "192.0.2.9", "2", "5", "", "", "", "5", "-99", "Unpaid travel\nbetween sites"],
]


def write_csv(path, rows, header=HEADER):
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def good_csv(tmp_path):
    return write_csv(tmp_path / "export.csv", GOOD_ROWS)


@pytest.fixture(autouse=True)
def _private_import_folder(settings, tmp_path_factory):
    settings.FREEASSOC_IMPORT_DIR = str(tmp_path_factory.mktemp("imports"))


def nothing_written(survey):
    return not Response.objects.filter(survey=survey).exists() and not (
        ImportBatch.objects.filter(survey=survey, status=ImportBatch.Status.COMPLETE).exists()
    )
