import datetime
import re
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from freeassoc.groups import services
from freeassoc.groups.models import JoinRequest

from .privacy import database_text

WORKER = "worried.worker@mail.example"
CONTACT = "convenor@group.example"
MESSAGE = "I work in an IAPT service in Stockport and would like to meet others. Can I come?"


@pytest.fixture
def group(make_group):
    return make_group("Stockport workers", ["SK"], contact=CONTACT)


def ask_to_join(client, group, environ=None, **fields):
    data = {"message": MESSAGE, "email": WORKER, **fields}
    return client.post(group.get_absolute_url(), data, **(environ or {}))


def reply_path(email) -> str:
    url = re.search(r"https?://\S+/groups/reply/\?t=\S+", email.body).group(0)
    parsed = urlparse(url)
    return f"{parsed.path}?{parsed.query}"


def test_a_worker_asks_to_join_and_the_contact_gets_the_message_without_the_address(client, group):
    response = ask_to_join(client, group)
    assert response.status_code == 302 and response["Location"].endswith("/sent/")
    sent_page = client.get(response["Location"]).text
    assert "Your message is on its way" in sent_page
    assert WORKER not in sent_page and CONTACT not in sent_page

    [email] = mail.outbox
    assert email.to == [CONTACT]
    assert "Stockport workers" in email.subject
    assert MESSAGE in email.body
    assert WORKER not in email.body and WORKER not in str(email.message())  # no Reply-To either
    assert email.reply_to == []

    # The contact's reply page shows the message but neither address.
    reply_page = client.get(reply_path(email))
    assert reply_page.status_code == 200
    assert MESSAGE in reply_page.text
    assert WORKER not in reply_page.text and CONTACT not in reply_page.text


def test_the_reply_is_relayed_with_both_addresses_and_the_request_is_deleted(client, group):
    ask_to_join(client, group)
    path = reply_path(mail.outbox[0])
    assert JoinRequest.objects.count() == 1
    assert WORKER in database_text()  # held, only while the request waits

    response = client.post(
        "/groups/reply/", {"t": path.split("t=")[1], "reply": "Yes! We meet on Tuesdays."}
    )
    assert response.status_code == 200
    assert "Your reply has been sent" in response.text
    assert WORKER not in response.text and CONTACT not in response.text

    to_worker, copy = mail.outbox[1:]
    assert to_worker.to == [WORKER] and to_worker.reply_to == [CONTACT]
    assert "Yes! We meet on Tuesdays." in to_worker.body and CONTACT in to_worker.body
    assert copy.to == [CONTACT] and copy.reply_to == [WORKER] and WORKER in copy.body

    assert not JoinRequest.objects.exists()
    assert WORKER not in database_text() and MESSAGE not in database_text()
    # The link was good for one reply only.
    again = client.get(path)
    assert again.status_code == 404 and "This link no longer works" in again.text


def test_no_page_ever_shows_the_workers_or_the_contacts_address(client, group):
    ask_to_join(client, group)
    path = reply_path(mail.outbox[0])
    token = path.split("t=")[1]
    pages = [
        client.get(group.get_absolute_url()),
        client.get(f"{group.get_absolute_url()}sent/"),
        client.get("/groups/"),
        client.get("/groups/search", {"q": "SK1"}),
        client.get(f"/groups/networks/{group.network.slug}/"),
        client.get(path),
        client.post("/groups/reply/", {"t": token, "reply": ""}),  # a form error
        client.post("/groups/reply/", {"t": token, "reply": "Welcome"}),
        client.get(path),
    ]
    for page in pages:
        assert WORKER not in page.text and CONTACT not in page.text, page.request["PATH_INFO"]


def test_the_contact_can_delete_a_request_without_replying(client, group):
    ask_to_join(client, group)
    path = reply_path(mail.outbox[0])
    response = client.post(
        "/groups/reply/", {"t": path.split("t=")[1], "action": "discard", "reply": ""}
    )
    assert "The request has been deleted" in response.text
    assert not JoinRequest.objects.exists()
    assert len(mail.outbox) == 1  # nothing was sent to the worker


@pytest.mark.parametrize("token", ["", "nonsense", "x" * 500])
def test_a_bad_reply_link_is_a_404_with_a_message(client, db, token):
    response = client.get("/groups/reply/", {"t": token})
    assert response.status_code == 404
    assert "This link no longer works" in response.text
    response = client.post("/groups/reply/", {"t": token, "reply": "hello"})
    assert response.status_code == 404
    assert not mail.outbox


def test_requests_nobody_answers_are_deleted_after_the_retention_period(client, group, capsys):
    ask_to_join(client, group)
    path = reply_path(mail.outbox[0])
    call_command("purge_join_requests")
    assert JoinRequest.objects.count() == 1  # still within its days
    JoinRequest.objects.update(expires_on=timezone.localdate() - datetime.timedelta(days=1))
    assert client.get(path).status_code == 404  # expired links stop at once
    call_command("purge_join_requests")
    assert "Deleted 1 join request older than 14 days" in capsys.readouterr().out
    assert not JoinRequest.objects.exists()


def test_the_worker_s_schedule_purges_expired_requests_on_its_own(client, group, make_group):
    JoinRequest.objects.create(
        group=group,
        message="Left over from last month",
        worker_email="old@mail.example",
        token_hash="0" * 64,
        expires_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    other = make_group("Liverpool counsellors", ["L"])
    ask_to_join(client, other)
    from freeassoc.core.jobs import schedule_tick
    from freeassoc.schedule import SCHEDULE

    schedule_tick(SCHEDULE)  # what `freeassoc worker` does; jobs run at once in tests
    assert list(JoinRequest.objects.values_list("group__name", flat=True)) == [
        "Liverpool counsellors"
    ]


def test_the_retention_period_follows_the_setting(client, group, settings):
    settings.FREEASSOC_JOIN_REQUEST_DAYS = 3
    ask_to_join(client, group)
    expected = timezone.localdate() + datetime.timedelta(days=3)
    assert JoinRequest.objects.get().expires_on == expected
    assert "after 3 days" in client.get(group.get_absolute_url()).text


def test_join_requests_are_rate_limited_per_network_without_keeping_the_address(
    client, group, settings
):
    settings.FREEASSOC_RATELIMIT = True
    settings.FREEASSOC_RATELIMIT_JOIN = "3/h"
    address = "198.51.100.23"
    here, there = {"REMOTE_ADDR": address}, {"REMOTE_ADDR": "198.51.100.99"}
    statuses = [ask_to_join(client, group, here).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert "Too many attempts" in ask_to_join(client, group, here).text
    assert len(mail.outbox) == 3
    assert ask_to_join(client, group, there).status_code == 302
    assert address not in database_text()


def test_the_honeypot_refuses_bots_and_sends_nothing(client, group):
    response = ask_to_join(client, group, website="http://spam.example")
    assert response.status_code == 400
    assert not mail.outbox and not JoinRequest.objects.exists()


def test_a_message_full_of_links_is_refused_as_spam(client, group):
    links = " ".join(f"https://spam.example/{i}" for i in range(3))
    response = ask_to_join(client, group, message=f"Buy now {links}")
    assert response.status_code == 400
    assert "more than two looks like spam" in response.text
    assert not mail.outbox


@pytest.mark.parametrize(
    "change, message",
    [
        ({"message": ""}, "Write a message to the group."),
        ({"email": ""}, "Enter your email address, so that the group can answer you."),
        ({"message": "hi"}, "at least 10 characters"),
        ({"message": "x" * 1501}, "at most 1500 characters"),
        ({"email": "not an address"}, "Enter a valid email address."),
    ],
)
def test_a_bad_join_form_keeps_what_was_typed_and_sends_nothing(client, group, change, message):
    response = ask_to_join(client, group, **change)
    assert response.status_code == 400
    assert message in response.text and "There is a problem" in response.text
    assert not mail.outbox


def test_a_group_with_many_unanswered_requests_takes_no_more_for_now(client, group, settings):
    settings.FREEASSOC_RATELIMIT = False
    for _ in range(services.MAX_WAITING_PER_GROUP):
        assert ask_to_join(client, group).status_code == 302
    response = ask_to_join(client, group)
    assert response.status_code == 400
    assert "many messages waiting for an answer" in response.text
    assert JoinRequest.objects.count() == services.MAX_WAITING_PER_GROUP


def test_if_the_mail_cannot_be_sent_nothing_is_kept_and_the_worker_is_told(client, group, settings):
    settings.EMAIL_BACKEND = "tests.groups.test_join.BrokenBackend"
    response = ask_to_join(client, group)
    assert response.status_code == 400
    assert "We could not send your message just now" in response.text
    assert not JoinRequest.objects.exists()


def test_if_the_reply_cannot_be_sent_the_link_still_works_for_another_try(client, group, settings):
    ask_to_join(client, group)
    path = reply_path(mail.outbox[0])
    settings.EMAIL_BACKEND = "tests.groups.test_join.BrokenBackend"
    response = client.post("/groups/reply/", {"t": path.split("t=")[1], "reply": "Welcome"})
    assert response.status_code == 400
    assert "We could not send your reply just now" in response.text
    assert JoinRequest.objects.count() == 1


def test_a_withdrawn_group_takes_no_requests(client, group):
    group.approved = False
    group.save()
    assert ask_to_join(client, group).status_code == 404
    assert not mail.outbox


def test_the_group_page_says_what_happens_to_the_address(client, group):
    html = client.get(group.get_absolute_url()).text
    assert "They don't see your email address" in html
    assert "We delete your message and your address" in html
    assert 'name="website"' in html  # the honeypot


def test_a_join_request_keeps_no_address_agent_or_time_of_day():
    from django.db import models

    names = {f.name for f in JoinRequest._meta.get_fields()}
    assert names == {"id", "group", "message", "worker_email", "token_hash", "expires_on"}
    for field in JoinRequest._meta.get_fields():
        assert not isinstance(field, models.DateTimeField | models.TimeField), field.name


def test_nothing_logs_an_address(client, group, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    ask_to_join(client, group)
    path = reply_path(mail.outbox[0])
    client.post("/groups/reply/", {"t": path.split("t=")[1], "reply": "Welcome"})
    client.get(path)  # a 404, which Django logs
    assert WORKER not in caplog.text and CONTACT not in caplog.text
    assert path.split("t=")[1] not in caplog.text


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")
