"""The shipped data: themes drawn from the essay, rights information without invented links."""

import re

from freeassoc.surgeries.taxonomy import region_choices, rights, sector_choices, themes
from freeassoc.surveys import instrument as instruments

ISSUE_THEMES = {
    "pay",
    "unwaged_work",
    "contracts",
    "multiple_employers",
    "caseload",
    "targets_data",
    "downgrading",
    "below_qualification",
    "bullying_silencing",
    "patient_safety",
    "training_costs",
    "supervision",
}


def test_the_taxonomy_has_the_issues_themes_and_the_essays_others():
    codes = set(themes())
    assert ISSUE_THEMES <= codes
    assert {
        "welfare_reform",
        "privatisation",
        "wellbeing_tokenism",
        "retirement_generation",
        "precarious_work",
    } <= codes
    for theme in themes().values():
        assert re.fullmatch(r"[a-z_]+", theme.code)
        assert theme.label and 20 < len(theme.description) < 200


def test_rights_entries_name_the_law_and_load_nothing():
    entries = rights()
    assert {
        "raising_concerns",
        "accompanied",
        "employment_status",
        "union_recognition",
        "working_time",
    } <= set(entries)
    assert "Public Interest Disclosure Act 1998" in entries["raising_concerns"].law
    for right in entries.values():
        text = " ".join([right.title, right.law, right.summary, right.look_up])
        assert "http" not in text and "www." not in text
        assert right.look_up.startswith("Search")


def test_regions_and_sectors_are_the_questionnaires():
    questions = instruments.get("surviving-work", 1).questions
    assert [c for c, _ in region_choices()] == [o.code for o in questions["region"].options]
    assert [c for c, _ in sector_choices()] == [o.code for o in questions["sector"].options]
