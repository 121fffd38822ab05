import pytest

from freeassoc.api import services
from freeassoc.orgs.models import Membership
from tests.auth import member


@pytest.fixture
def owner(org):
    return member(org, "owen", Membership.Role.OWNER)


@pytest.fixture
def raw_key(org, owner):
    _, raw = services.api_key_create(organisation=org, name="Branch database", user=owner)
    return raw


@pytest.fixture
def their_key(other_org):
    _, raw = services.api_key_create(organisation=other_org, name="Theirs", user=None)
    return raw


def auth(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


# One complete, valid questionnaire, written from the Surviving Work questionnaire's pages.
VALID = {
    "nhs_work": "direct",
    "employer": "nhs",
    "sector": "nhs",
    "employer_count": 1,
    "contract": "permanent",
    "written_contract": "yes",
    "hours": "full_time",
    "profession": "cbt_therapist",
    "roles": ["supervision"],
    "in_training": "no",
    "nhs_band": "band_7",
    "iapt_relation": "no",
    "weekly_pay": "prefer_not",
    "unpaid_hours": 4,
    "honorary": "no",
    "raised_concerns": ["conditions"],
    "talked_to": ["colleague"],
    "best_improvement": "pay",
    "age": 41,
    "comments": "Caseloads keep growing.",
}
