"""Export files made by the worker: only the member who asked sees the file, it downloads
once and is deleted as it goes, the download is what the audit log records, and a file nobody
downloads is deleted when it expires."""

import datetime

import pytest
from django.utils import timezone

from freeassoc.findings import export_files
from freeassoc.findings.models import ExportFile
from freeassoc.orgs.models import AuditEvent, Membership
from tests.auth import member, sign_in

from .test_exports import responses  # noqa: F401 - the stored answers fixture


@pytest.fixture
def made(client, analyst, survey, responses):  # noqa: F811
    sign_in(client, analyst)
    asked = client.post(f"/org/surveys/{survey.pk}/export/xlsx/")
    assert asked.status_code == 302
    return ExportFile.objects.get()


def audited():
    return AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT)


def test_the_file_downloads_once_and_is_deleted_as_it_goes(client, analyst, survey, made):
    assert made.status == "ready" and made.path.exists()
    assert not audited().exists()  # made, but nothing has left the server yet
    url = f"/org/surveys/{survey.pk}/exports/{made.pk}/download/"
    assert client.get(url).status_code == 405  # a link follower cannot spend it
    response = client.post(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"  # a zip: the workbook
    assert not made.path.exists()
    made.refresh_from_db()
    assert made.status == "downloaded"
    event = audited().get()
    assert event.user == analyst and event.detail == f"xlsx export of survey {survey.pk} (6 rows)"

    again = client.post(url)
    assert again.status_code == 410 and "no longer here" in again.text
    assert audited().count() == 1
    page = client.get(f"/org/surveys/{survey.pk}/exports/{made.pk}/").text
    assert "Make it again" in page


def test_only_the_member_who_asked_sees_the_file(client, org, survey, made):
    colleague = member(org, "colleen", Membership.Role.ANALYST)
    client.logout()
    sign_in(client, colleague)
    assert client.get(f"/org/surveys/{survey.pk}/exports/{made.pk}/").status_code == 404
    assert client.post(f"/org/surveys/{survey.pk}/exports/{made.pk}/download/").status_code == 404
    assert made.path.exists() and not audited().exists()


def test_a_file_nobody_downloads_is_deleted_when_it_expires(client, survey, made, settings):
    assert export_files.export_files_expire() == 0
    later = timezone.now() + datetime.timedelta(minutes=settings.FREEASSOC_EXPORT_KEEP_MINUTES + 1)
    assert export_files.export_files_expire(now=later) == 1
    assert not made.path.exists()
    made.refresh_from_db()
    assert made.status == "expired"
    response = client.post(f"/org/surveys/{survey.pk}/exports/{made.pk}/download/")
    assert response.status_code == 410 and not audited().exists()


def test_a_member_who_lost_access_cannot_download_what_they_asked_for(
    client, analyst, survey, made
):
    Membership.objects.filter(user=analyst).delete()
    assert client.post(f"/org/surveys/{survey.pk}/exports/{made.pk}/download/").status_code == 404
    assert not audited().exists()
