"""A page POST, the respondents' hot path, reads the collector (with its survey) and the draft
in one query, and still behaves as before when there is no draft."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from freeassoc.surveys import instrument as instruments
from freeassoc.surveys.models import Collector, Draft, Survey

from .answering import page_data

WORK = {p.id: p for p in instruments.get("surviving-work", 1).pages}["work"]


def _selects(captured) -> list[str]:
    return [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].lstrip().upper().startswith("SELECT")
    ]


def test_a_page_post_reads_collector_and_draft_in_one_query(client, open_link):
    client.post(f"/s/{open_link.slug}/start/")
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"/s/{open_link.slug}/p/work/", page_data(WORK))
    assert response.status_code == 302 and response["Location"].endswith("/p/role/")
    selects = _selects(captured)
    assert len(selects) == 1, selects
    assert "surveys_draft" in selects[0] and "surveys_collector" in selects[0]
    assert "surveys_survey" in selects[0]
    assert Draft.objects.get().answers["employer_count"] == int(page_data(WORK)["employer_count"])


def test_without_a_draft_the_page_still_says_so_and_an_unknown_survey_is_404(client, open_link):
    response = client.post(f"/s/{open_link.slug}/p/work/", page_data(WORK))
    assert response.status_code == 400
    assert open_link.survey.title in response.text
    client.post(f"/s/{open_link.slug}/start/")
    assert client.post("/s/no-such-link/p/work/", page_data(WORK)).status_code == 404
    assert client.get("/s/no-such-link/review/").status_code == 404


def test_a_draft_cookie_from_another_survey_link_is_not_used_here(client, open_link, org):
    other_survey = Survey.objects.create(
        organisation=org, title="Another survey", instrument_slug="surviving-work",
        instrument_version=1, status=Survey.Status.OPEN,
    )  # fmt: skip
    other = Collector.objects.create(survey=other_survey, kind="open", name="Another link")
    client.post(f"/s/{open_link.slug}/start/")
    key = client.cookies["fa_draft"].value
    client.cookies["fa_draft"] = key  # the same key, sent to another link's pages
    client.cookies["fa_draft"]["path"] = "/"
    response = client.post(f"/s/{other.slug}/p/work/", page_data(WORK))
    assert response.status_code == 400
    assert Draft.objects.get().answers == {}


def test_an_expired_draft_is_treated_as_none(client, open_link):
    client.post(f"/s/{open_link.slug}/start/")
    Draft.objects.update(expires_on=timezone.localdate() - datetime.timedelta(days=1))
    response = client.post(f"/s/{open_link.slug}/p/work/", page_data(WORK))
    assert response.status_code == 400
    assert Draft.objects.get().answers == {}
