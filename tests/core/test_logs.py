"""Django's request log: a respondent's refused page (400, 404, 429) is not written, since its
time would date the respondent; other pages' refusals are."""

import logging


def test_a_respondents_refused_page_leaves_no_log_line(client, open_link, caplog):
    caplog.set_level(logging.DEBUG)
    client.post(f"/s/{open_link.slug}/start/")
    page = client.post(f"/s/{open_link.slug}/p/work/", {"action": "next"})  # nothing answered
    assert page.status_code == 400
    assert client.get(f"/s/{open_link.slug}/p/nosuchpage/").status_code == 404
    assert "/s/" not in caplog.text


def test_other_pages_are_still_logged(client, caplog):
    caplog.set_level(logging.DEBUG)
    assert client.get("/nosuchpage/").status_code == 404
    assert "Not Found: /nosuchpage/" in caplog.text
