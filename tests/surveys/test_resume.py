import re

from django.test import Client

from freeassoc.surveys import instrument as instruments
from freeassoc.surveys.models import Response

from .answering import page_data

PAGES = {p.id: p for p in instruments.get("surviving-work", 1).pages}


def _save(client, slug):
    client.post(f"/s/{slug}/start/")
    client.post(f"/s/{slug}/p/work/", page_data(PAGES["work"], {"nhs_work": "direct"}))
    saved = client.post(f"/s/{slug}/p/role/", {"profession": "counsellor", "action": "save"})
    assert saved.status_code == 200
    assert "we cannot show it again" in saved.text
    assert "no-store" in saved["Cache-Control"]
    return re.search(r'id="resume-code">([A-Z0-9-]+)<', saved.text).group(1)


def test_saved_answers_resume_on_another_device_with_the_code(client, open_link):
    code = _save(client, open_link.slug)
    other = Client()
    resumed = other.post(f"/s/{open_link.slug}/resume/", {"code": code.lower().replace("-", " ")})
    assert resumed.status_code == 302
    # The work page was complete, and the role page's valid answer was kept on saving.
    assert resumed["Location"].endswith("/p/role/")
    page = other.get(resumed["Location"])
    assert 'value="counsellor"' in page.text and "checked" in page.text


def test_a_wrong_code_is_refused_with_a_message_on_the_form(client, open_link):
    _save(client, open_link.slug)
    response = Client().post(f"/s/{open_link.slug}/resume/", {"code": "AAAA-BBBB-CCCC-DDDD"})
    assert response.status_code == 400
    assert "does not match saved answers" in response.text


def test_resuming_moves_the_draft_off_the_first_browser(client, open_link):
    code = _save(client, open_link.slug)
    Client().post(f"/s/{open_link.slug}/resume/", {"code": code})
    assert client.get(f"/s/{open_link.slug}/p/work/").status_code == 400  # no draft here now


def test_saving_again_replaces_the_code(client, open_link):
    first = _save(client, open_link.slug)
    second = client.post(f"/s/{open_link.slug}/p/work/", {"action": "save"})
    second_code = re.search(r'id="resume-code">([A-Z0-9-]+)<', second.text).group(1)
    assert second_code != first
    assert Client().post(f"/s/{open_link.slug}/resume/", {"code": first}).status_code == 400
    assert Client().post(f"/s/{open_link.slug}/resume/", {"code": second_code}).status_code == 302


def test_a_code_stops_working_once_the_answers_are_sent(client, open_link):
    from .answering import complete

    code = _save(client, open_link.slug)
    complete(client, open_link.slug)
    assert Response.objects.count() == 1
    assert Client().post(f"/s/{open_link.slug}/resume/", {"code": code}).status_code == 400


def test_expired_drafts_are_purged(client, open_link):
    import datetime

    from freeassoc.surveys import services
    from freeassoc.surveys.models import Draft

    _save(client, open_link.slug)
    Draft.objects.update(expires_on=datetime.date(2020, 1, 1))
    assert client.get(f"/s/{open_link.slug}/p/work/").status_code == 400
    assert services.drafts_purge_expired() == 1
