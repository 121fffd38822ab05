import datetime

from django.utils import timezone

from freeassoc.surveys.models import Collector, Response, Survey
from tests.auth import sign_in


def test_pages_for_organisers_ask_anonymous_visitors_to_sign_in(client, survey):
    for url in ["/org/", "/org/surveys/new/", f"/org/surveys/{survey.pk}/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_organiser_creates_opens_and_closes_a_survey(client, organiser, org):
    sign_in(client, organiser)
    response = client.post(
        "/org/surveys/new/",
        {"organisation": org.pk, "title": "Pay survey", "instrument": "surviving-work@1"},
    )
    survey = Survey.objects.get(title="Pay survey")
    assert response["Location"] == f"/org/surveys/{survey.pk}/"
    assert survey.status == "draft"
    client.post(f"/org/surveys/{survey.pk}/collectors/new/", {"kind": "open", "name": "Web"})
    collector = Collector.objects.get(survey=survey)
    client.post(f"/org/surveys/{survey.pk}/status/", {"status": "open"})
    survey.refresh_from_db()
    assert survey.status == "open" and survey.opened_on is not None
    page = client.get(f"/org/surveys/{survey.pk}/").text
    assert f"/s/{collector.slug}/" in page
    client.post(f"/org/surveys/{survey.pk}/status/", {"status": "closed"})
    survey.refresh_from_db()
    assert survey.status == "closed"


def test_a_bad_survey_form_shows_errors_not_a_crash(client, organiser, org):
    sign_in(client, organiser)
    response = client.post("/org/surveys/new/", {"organisation": org.pk, "title": ""})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert not Survey.objects.exists()


def test_the_survey_page_shows_the_count_and_responses_per_day(client, organiser, survey):
    for days_ago, count in [(0, 3), (2, 5)]:
        for _ in range(count):
            Response.objects.create(
                survey=survey,
                instrument_version=1,
                submitted_on=timezone.localdate() - datetime.timedelta(days=days_ago),
                answers={},
            )
    sign_in(client, organiser)
    page = client.get(f"/org/surveys/{survey.pk}/").text
    assert '<strong id="response-total">8</strong>' in page
    assert 'value="5"' in page and 'value="3"' in page  # one meter per day


def test_someone_from_another_organisation_gets_a_404(client, outsider, survey):
    sign_in(client, outsider)
    assert client.get(f"/org/surveys/{survey.pk}/").status_code == 404
    assert client.post(f"/org/surveys/{survey.pk}/status/", {"status": "closed"}).status_code == 404
    survey.refresh_from_db()
    assert survey.status == "open"
    assert survey.title not in client.get("/org/").text


def test_an_analyst_can_look_but_not_run_the_survey(client, analyst, survey):
    sign_in(client, analyst)
    assert client.get(f"/org/surveys/{survey.pk}/").status_code == 200
    assert client.post(f"/org/surveys/{survey.pk}/status/", {"status": "closed"}).status_code == 403
    response = client.post(
        f"/org/surveys/{survey.pk}/collectors/new/", {"kind": "open", "name": "x"}
    )
    assert response.status_code == 403


def test_an_analyst_cannot_create_surveys(client, analyst, org):
    sign_in(client, analyst)
    client.post(
        "/org/surveys/new/",
        {"organisation": org.pk, "title": "Nope", "instrument": "surviving-work@1"},
    )
    assert not Survey.objects.filter(title="Nope").exists()


def test_an_impossible_status_change_is_explained(client, organiser, survey):
    sign_in(client, organiser)
    response = client.post(f"/org/surveys/{survey.pk}/status/", {"status": "draft"}, follow=True)
    assert "cannot be set to draft" in response.text


def test_the_dashboard_has_an_empty_state_for_people_without_an_organisation(client, db):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("newcomer", password="x" * 12)
    sign_in(client, user)
    assert "not a member of an organisation yet" in client.get("/org/").text


def test_sign_in_is_throttled_after_repeated_failures(client, organiser):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "olive", "password": "wrong"})
    locked = client.post(
        "/accounts/login/", {"username": "olive", "password": "correct horse battery"}
    )
    assert locked.status_code == 429
    assert "paused" in locked.text
