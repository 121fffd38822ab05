"""The privacy rules of DESIGN.md, each attacked directly."""

import csv
import io
import logging
import re

from django.db import connection, models

from freeassoc.surveys.models import Draft, InvitationToken, Response
from tests.auth import sign_in

from .answering import complete

IP = "203.0.113.77"
AGENT = "Mozilla/5.0 (DistinctiveAgent-4242)"
HEADERS = {"REMOTE_ADDR": IP, "HTTP_USER_AGENT": AGENT, "HTTP_X_FORWARDED_FOR": IP}


def database_text() -> str:
    """Every row of every table, as text: what an operator with the database could read."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_a_response_leaves_no_address_or_agent_in_the_database_or_logs(client, open_link, caplog):
    caplog.set_level(logging.DEBUG)
    final = complete(client, open_link.slug, **HEADERS)
    assert final["Location"].endswith("/thanks/")
    dump = database_text()
    assert Response.objects.count() == 1
    assert IP not in dump and "203.0.113" not in dump
    assert "DistinctiveAgent" not in dump
    assert IP not in caplog.text and "DistinctiveAgent" not in caplog.text


def test_a_response_keeps_no_time_finer_than_the_day_and_no_identifiers():
    for field in Response._meta.get_fields():
        assert not isinstance(field, models.DateTimeField | models.TimeField), field.name
        assert not re.search(r"ip|agent|cookie|token|session|draft", field.name), field.name


def test_an_invitation_token_is_stored_only_hashed_and_records_no_time_or_link():
    names = {f.name for f in InvitationToken._meta.get_fields()}
    assert names == {"id", "collector", "token_hash"}


def _issue(client, organiser, collector, count=3):
    sign_in(client, organiser)
    url = f"/org/surveys/{collector.survey.pk}/collectors/{collector.pk}/invitations/"
    response = client.post(url, {"count": count})
    client.logout()
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    return [row["invitation_link"].split("?t=")[1] for row in rows]


def test_a_used_invitation_cannot_be_joined_to_the_response(
    client, organiser, invite_collector, caplog
):
    caplog.set_level(logging.DEBUG)
    tokens = _issue(client, organiser, invite_collector)
    token = tokens[1]
    client.get(f"/s/{invite_collector.slug}/?t={token}", **HEADERS)
    start = client.post(f"/s/{invite_collector.slug}/start/", {"t": token}, **HEADERS)
    assert start.status_code == 302
    client.cookies.pop("fa_draft", None)  # the start above was only to check the token
    assert InvitationToken.objects.count() == 2  # spending deleted the third
    dump = database_text()
    for clear in tokens:
        assert clear not in dump  # only hashes are kept
        assert clear not in caplog.text
    # The draft has no column that could point at the token it was opened with.
    draft_fields = {f.name for f in Draft._meta.get_fields()}
    assert not any("token" in name or "invitation" in name for name in draft_fields)


def test_the_resume_code_and_draft_key_are_stored_only_as_hashes(client, open_link):
    client.post(f"/s/{open_link.slug}/start/")
    saved = client.post(f"/s/{open_link.slug}/p/work/", {"action": "save"})
    code = re.search(r'id="resume-code">([A-Z0-9-]+)<', saved.text).group(1)
    key = client.cookies["fa_draft"].value
    dump = database_text()
    assert code not in dump and code.replace("-", "") not in dump
    assert key not in dump


def test_rate_limit_counters_do_not_hold_the_address(client, open_link, settings):
    settings.FREEASSOC_RATELIMIT = True
    client.post(f"/s/{open_link.slug}/start/", **HEADERS)
    dump = database_text()  # the embedded deployment counts in a database cache table
    assert "rl:" in dump or "rl%3A" in dump or "start" in dump
    assert IP not in dump
