import pytest

from freeassoc.surveys import instrument as instruments
from freeassoc.surveys.models import Draft, Response

from .answering import complete, page_data

PAGES = {p.id: p for p in instruments.get("surviving-work", 1).pages}


def test_a_respondent_completes_the_survey_and_one_response_is_stored(client, open_link):
    final = complete(client, open_link.slug)
    assert final.status_code == 302 and final["Location"].endswith("/thanks/")
    assert "your answers have been received" in client.get(final["Location"]).text.lower()
    response = Response.objects.get()
    assert response.answers["iapt_relation"] == "employed"
    assert response.answers["iapt_postgrad_before"]  # the IAPT page was shown and answered


def test_skip_logic_leaves_out_iapt_questions_for_people_outside_iapt(client, open_link):
    complete(client, open_link.slug, {"iapt_relation": "no"})
    answers = Response.objects.get().answers
    assert answers["iapt_relation"] == "no"
    assert "iapt_postgrad_before" not in answers
    assert "iapt_training" not in answers


def test_a_hidden_page_cannot_be_reached_by_its_address(client, open_link):
    client.post(f"/s/{open_link.slug}/start/")
    page = client.get(f"/s/{open_link.slug}/p/iapt_detail/")
    assert page.status_code == 302  # nothing answered yet: sent to the first page
    assert page["Location"].endswith("/p/work/")


def test_the_intro_page_says_who_runs_it_what_is_collected_and_for_how_long(client, open_link):
    page = client.get(f"/s/{open_link.slug}/").text
    assert open_link.survey.organisation.name in page
    assert "We do <strong>not</strong> ask your name" in page
    assert "kept for five years" in page
    assert "special-category" in page


def test_a_missing_required_answer_is_shown_on_the_page_with_a_summary(client, open_link):
    client.post(f"/s/{open_link.slug}/start/")
    page = client.post(f"/s/{open_link.slug}/p/work/", {"action": "next", "employer_count": "3"})
    assert page.status_code == 400
    html = page.text
    assert "There is a problem" in html
    assert 'href="#id_nhs_work_0"' in html  # the summary links to the field
    assert 'value="3"' in html  # what was typed is kept


@pytest.mark.parametrize("value", ["-1", "21", "two", "1e3"])
def test_an_out_of_range_or_non_numeric_number_is_refused_with_a_message(client, open_link, value):
    client.post(f"/s/{open_link.slug}/start/")
    page = client.post(f"/s/{open_link.slug}/p/work/", {"employer_count": value})
    assert page.status_code == 400
    assert "error-message" in page.text


def test_exclusive_options_cannot_be_ticked_with_others(client, open_link):
    assert client.post(f"/s/{open_link.slug}/start/").status_code == 302
    client.post(f"/s/{open_link.slug}/p/work/", page_data(PAGES["work"]))
    data = page_data(PAGES["role"], {"roles": ["none", "teaching"]})
    page = client.post(f"/s/{open_link.slug}/p/role/", data)
    assert page.status_code == 400
    assert "cannot be ticked together" in page.text


def test_a_same_page_condition_makes_the_follow_up_required_only_when_it_holds(client, open_link):
    client.post(f"/s/{open_link.slug}/start/")
    data = page_data(PAGES["pay"], {"honorary": "yes"})
    del data["honorary_sector"]
    for page_id in ("work", "role", "iapt", "iapt_detail"):
        client.post(f"/s/{open_link.slug}/p/{page_id}/", page_data(PAGES[page_id]))
    page = client.post(f"/s/{open_link.slug}/p/pay/", data)
    assert page.status_code == 400 and "because of your answer above" in page.text
    data = page_data(PAGES["pay"], {"honorary": "no"})
    assert client.post(f"/s/{open_link.slug}/p/pay/", data).status_code == 302
    assert "honorary_sector" not in Draft.objects.get().answers


def test_a_double_submit_stores_one_response_and_says_so(client, open_link):
    client.post(f"/s/{open_link.slug}/start/")
    key = client.cookies["fa_draft"].value
    final = complete(client, open_link.slug)
    client.cookies["fa_draft"] = key  # the second click left before the first one's answer
    again = client.post(f"/s/{open_link.slug}/review/", {"action": "submit"})
    assert final.status_code == 302 and final["Location"].endswith("/thanks/")
    assert again.status_code == 200
    assert "your answers were received, once" in again.text
    assert again.cookies["fa_draft"].value == "" and int(again.cookies["fa_draft"]["max-age"]) == 0
    assert Response.objects.count() == 1


def test_after_sending_no_draft_is_kept(client, open_link):
    complete(client, open_link.slug)
    assert not Draft.objects.exists()


def test_a_closed_survey_takes_no_answers(client, open_link):
    survey = open_link.survey
    survey.status = survey.Status.CLOSED
    survey.save()
    assert "not open for answers" in client.get(f"/s/{open_link.slug}/").text
    assert client.post(f"/s/{open_link.slug}/start/").status_code == 403


def test_a_survey_closed_while_someone_answers_refuses_the_send_without_losing_answers(
    client, open_link
):
    survey = open_link.survey
    client.post(f"/s/{open_link.slug}/start/")
    for page in instruments.get("surviving-work", 1).visible_pages(
        {"iapt_relation": "employed", "honorary": "no", "nhs_work": "contracted"}
    ):
        client.post(f"/s/{open_link.slug}/p/{page.id}/", page_data(page) | {"action": "next"})
    survey.status = survey.Status.CLOSED
    survey.save()
    page = client.post(f"/s/{open_link.slug}/review/", {"action": "submit"})
    assert page.status_code == 400 and "not open" in page.text
    assert Response.objects.count() == 0
    assert Draft.objects.get().answers["nhs_work"] == "contracted"


def test_pages_without_a_draft_explain_how_to_start_or_resume(client, open_link):
    page = client.get(f"/s/{open_link.slug}/p/work/")
    assert page.status_code == 400
    assert "resume with your code" in page.text


def test_an_unknown_survey_link_is_a_404(client, db):
    assert client.get("/s/no-such-link/").status_code == 404


def test_the_honeypot_refuses_bots(client, open_link):
    response = client.post(f"/s/{open_link.slug}/start/", {"website": "http://spam"})
    assert response.status_code == 400
    assert not Draft.objects.exists()
