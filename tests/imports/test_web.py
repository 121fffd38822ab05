import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from freeassoc.imports import services, uploads
from freeassoc.imports.models import ImportBatch
from freeassoc.orgs.models import AuditEvent
from freeassoc.surveys.models import Response
from tests.auth import sign_in

from .conftest import GOOD_ROWS, HEADER, MAPPING, nothing_written


def csv_bytes(rows, header=HEADER):
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def files(data=None, mapping=MAPPING, name="their-export.csv"):
    return {
        "data": SimpleUploadedFile(name, csv_bytes(GOOD_ROWS) if data is None else data),
        "mapping": SimpleUploadedFile("map.yaml", mapping.encode()),
    }


def upload_folders():
    return list(services.progress_dir().glob("upload-*"))


def test_dry_run_then_confirm_then_withdraw(client, organiser, survey):
    sign_in(client, organiser)
    start = reverse("imports:start", args=[survey.pk])
    assert "Import responses" in client.get(start).content.decode()

    response = client.post(start, files())
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "No problems found" in page and "Import 3 responses" in page
    assert nothing_written(survey)

    token = response["Location"].rstrip("/").rsplit("/", 1)[1]
    response = client.post(reverse("imports:confirm", args=[survey.pk, token]))
    batch = ImportBatch.objects.get(survey=survey)
    assert response["Location"] == reverse("imports:batch", args=[survey.pk, batch.pk])
    page = client.get(response["Location"]).content.decode()
    assert "3</strong> responses imported" in page
    assert Response.objects.filter(survey=survey, batch=batch).count() == 3
    assert upload_folders() == []  # the uploaded file is not kept

    listing = client.get(reverse("imports:batches", args=[survey.pk])).content.decode()
    assert "their-export.csv" in listing and "Withdraw" in listing

    withdraw = reverse("imports:withdraw", args=[survey.pk, batch.pk])
    assert "delete the <strong>3</strong>" in client.get(withdraw).content.decode().replace(
        "deletes", "delete"
    )
    assert Response.objects.filter(survey=survey).count() == 3  # a GET changes nothing
    response = client.post(withdraw, follow=True)
    assert "Withdrawn: 3 imported responses were deleted." in response.content.decode()
    assert not Response.objects.filter(survey=survey).exists()
    assert AuditEvent.objects.filter(action="delete", user=organiser).count() == 1


def test_problems_are_listed_by_row_capped_with_a_full_download(client, organiser, survey):
    sign_in(client, organiser)
    bad = [["1", "x", "7", "1", "0", "1", "", "", "", ""]] * 250
    response = client.post(reverse("imports:start", args=[survey.pk]), files(csv_bytes(bad)))
    page = client.get(response["Location"]).content.decode()
    assert "250 problems</strong> in 250 rows" in page
    assert "The first 200 of 250 problems" in page
    assert page.count("is not a code of") == 200
    assert '<th scope="row">Row 2</th>' in page
    assert "Import 250" not in page

    token = response["Location"].rstrip("/").rsplit("/", 1)[1]
    download = client.get(reverse("imports:problems", args=[survey.pk, token]))
    lines = download.content.decode().splitlines()
    assert download["Content-Type"].startswith("text/csv") and len(lines) == 251
    assert lines[-1].startswith("251,Q1,7,unknown code,")

    response = client.post(reverse("imports:confirm", args=[survey.pk, token]), follow=True)
    assert "cannot be imported" in response.content.decode()
    assert nothing_written(survey) and not ImportBatch.objects.exists()


def test_a_mapping_error_is_a_form_error_with_its_line(client, organiser, survey):
    sign_in(client, organiser)
    mapping = "columns:\n  Q1:\n    question: nhs_work\n    values: {1: direkt}\n"
    response = client.post(reverse("imports:start", args=[survey.pk]), files(mapping=mapping))
    assert response.status_code == 200
    assert "line 4: column &#x27;Q1&#x27;: &#x27;direkt&#x27;" in response.content.decode()
    assert upload_folders() == []


def test_a_file_over_the_limit_gets_a_clear_message(client, organiser, survey, settings):
    settings.FREEASSOC_IMPORT_MAX_MB = 0.0001  # about 100 bytes
    sign_in(client, organiser)
    response = client.post(reverse("imports:start", args=[survey.pk]), files())
    page = response.content.decode()
    assert response.status_code == 200
    assert "the largest we accept here is" in page and "Split it into parts" in page
    assert upload_folders() == []


def test_a_file_of_another_kind_is_refused(client, organiser, survey):
    sign_in(client, organiser)
    response = client.post(
        reverse("imports:start", args=[survey.pk]), files(b"{}", name="answers.json")
    )
    assert "We can read .csv, .xlsx and .sav files" in response.content.decode()


def test_cancel_deletes_the_upload(client, organiser, survey):
    sign_in(client, organiser)
    response = client.post(reverse("imports:start", args=[survey.pk]), files())
    token = response["Location"].rstrip("/").rsplit("/", 1)[1]
    assert len(upload_folders()) == 1
    client.post(reverse("imports:cancel", args=[survey.pk, token]))
    assert upload_folders() == []
    assert client.get(reverse("imports:check", args=[survey.pk, token])).status_code == 404


def test_progress_is_polled_while_running(client, organiser, survey):
    sign_in(client, organiser)
    batch = ImportBatch.objects.create(
        survey=survey, organisation=survey.organisation, filename="big.csv", mapping=MAPPING,
        created_by_name="olive", status="running", row_count=1000, rows_done=400,
    )  # fmt: skip
    url = reverse("imports:batch", args=[survey.pk, batch.pk])
    page = client.get(url).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page  # without JavaScript
    assert 'hx-trigger="every 1s"' in page
    assert "400 of 1000 rows stored (40%)" in page
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="import-progress"')
    assert "<html" not in fragment

    ImportBatch.objects.filter(pk=batch.pk).update(status="complete", rows_done=1000)
    done = client.get(url, headers={"HX-Request": "true"})
    assert done.status_code == 204 and done["HX-Refresh"] == "true"
    assert "refresh" not in client.get(url).content.decode()


@pytest.mark.parametrize(
    "name,args,method",
    [
        ("imports:start", [], "get"),
        ("imports:start", [], "post"),
        ("imports:batches", [], "get"),
        ("imports:batch", ["batch"], "get"),
        ("imports:withdraw", ["batch"], "get"),
        ("imports:withdraw", ["batch"], "post"),
    ],
)
def test_another_organisation_gets_404(client, outsider, survey, name, args, method):
    batch = ImportBatch.objects.create(
        survey=survey, organisation=survey.organisation, filename="a.csv", mapping=MAPPING,
        created_by_name="olive", status="complete", row_count=0,
    )  # fmt: skip
    url = reverse(name, args=[survey.pk, *[batch.pk for _ in args]])
    sign_in(client, outsider)
    assert getattr(client, method)(url).status_code == 404
    batch.refresh_from_db()
    assert batch.status == "complete"


def test_an_analyst_may_not_import(client, analyst, survey):
    sign_in(client, analyst)
    assert client.get(reverse("imports:start", args=[survey.pk])).status_code == 403


def test_someone_elses_upload_is_not_found(client, organiser, survey, org):
    from tests.auth import member

    sign_in(client, organiser)
    response = client.post(reverse("imports:start", args=[survey.pk]), files())
    colleague = member(org, "colin", "organiser")
    client.logout()
    sign_in(client, colleague)
    assert client.get(response["Location"]).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, survey):
    response = client.get(reverse("imports:start", args=[survey.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.django_db(transaction=True)
def test_confirming_queues_the_import_for_the_worker(client, organiser, survey, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    sign_in(client, organiser)
    response = client.post(reverse("imports:start", args=[survey.pk]), files())
    token = response["Location"].rstrip("/").rsplit("/", 1)[1]
    client.post(reverse("imports:confirm", args=[survey.pk, token]))
    batch = ImportBatch.objects.get(survey=survey)
    assert batch.status == "queued" and batch.job_id
    assert not Response.objects.exists()
    page = client.get(reverse("imports:batch", args=[survey.pk, batch.pk])).text
    assert "Waiting for the background worker" in page
    assert "No background worker is running" in page

    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["*"], interval=0, batch=True, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id="test", excluded_queue_names=[],
    ).run()  # fmt: skip
    batch.refresh_from_db()
    assert batch.status == "complete" and batch.row_count == 3
    assert Response.objects.filter(batch=batch).count() == 3
    assert upload_folders() == []
    assert not services.progress_file(batch.pk).exists()


def test_a_second_confirm_does_not_import_twice(client, organiser, survey):
    sign_in(client, organiser)
    response = client.post(reverse("imports:start", args=[survey.pk]), files())
    token = response["Location"].rstrip("/").rsplit("/", 1)[1]
    upload = uploads.find(token, survey_id=survey.pk, user_id=organiser.pk)
    assert upload.claim()  # as if the first click's import were under way
    again = client.post(reverse("imports:confirm", args=[survey.pk, token]))
    assert again["Location"] == reverse("imports:batches", args=[survey.pk])
    assert not ImportBatch.objects.exists()


def test_an_import_cut_off_long_ago_shows_as_failed_not_importing(client, organiser, survey):
    import datetime

    from django.utils import timezone

    def batch(hours_ago):
        made = ImportBatch.objects.create(
            survey=survey, organisation=survey.organisation, filename=f"{hours_ago}h.csv",
            mapping=MAPPING, created_by_name="olive", status=ImportBatch.Status.RUNNING,
        )  # fmt: skip
        then = timezone.now() - datetime.timedelta(hours=hours_ago)
        ImportBatch.objects.filter(pk=made.pk).update(created_at=then)
        return made

    cut_off, running = batch(5), batch(0)
    sign_in(client, organiser)
    page = client.get(reverse("imports:batches", args=[survey.pk]))
    assert page.status_code == 200
    cut_off.refresh_from_db()
    running.refresh_from_db()
    assert cut_off.status == ImportBatch.Status.FAILED
    assert "cut off" in cut_off.error
    assert running.status == ImportBatch.Status.RUNNING
    assert "Failed: nothing was imported" in page.content.decode()
