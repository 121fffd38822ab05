"""Platform administrators approve or refuse new organisations."""

import pytest
from django.core import mail

from freeassoc.orgs.models import Organisation
from tests.auth import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant(db):
    return Organisation.objects.create(
        name="Honorary Trainees Network",
        slug="htn",
        kind="workers_group",
        contact_name="Hana",
        contact_email="hana@example.org",
    )


def test_staff_see_the_waiting_organisation_and_approve_it(client, staff, applicant, org):
    sign_in(client, staff)
    page = client.get("/org/approvals/").content.decode()
    assert f'id="org-{applicant.pk}"' in page
    assert org.name not in page  # approved before the reviews were recorded: not waiting
    response = client.post(f"/org/approvals/{applicant.pk}/", {"decision": "approve"})
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.approved and not applicant.is_pending
    assert mail.outbox[-1].to == ["hana@example.org"]
    assert "approved" in mail.outbox[-1].body
    # No longer waiting (no Approve button), and listed among the reviewed.
    page = client.get("/org/approvals/").content.decode()
    assert f'id="org-{applicant.pk}"' not in page
    assert "Honorary Trainees Network</td><td>Approved" in page


def test_staff_refuse_an_organisation_and_it_stays_unable_to_run_surveys(client, staff, applicant):
    sign_in(client, staff)
    client.post(f"/org/approvals/{applicant.pk}/", {"decision": "refuse"})
    applicant.refresh_from_db()
    assert not applicant.approved and applicant.is_refused
    assert "employers" in mail.outbox[-1].body


def test_a_bad_decision_changes_nothing(client, staff, applicant):
    sign_in(client, staff)
    client.post(f"/org/approvals/{applicant.pk}/", {"decision": "maybe"})
    applicant.refresh_from_db()
    assert applicant.is_pending


def test_only_staff_reach_the_approvals(client, owner, applicant):
    sign_in(client, owner)
    assert client.get("/org/approvals/").status_code == 404
    assert (
        client.post(f"/org/approvals/{applicant.pk}/", {"decision": "approve"}).status_code == 404
    )
    applicant.refresh_from_db()
    assert applicant.is_pending
    client.logout()
    response = client.get("/org/approvals/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_staff_with_only_a_password_are_sent_to_the_second_step(client, staff, applicant):
    client.force_login(staff)  # the password step only, on purpose
    response = client.get("/org/approvals/")
    assert response.status_code == 302
    assert response["Location"].startswith("/org/two-factor/setup/")
    response = client.post(f"/org/approvals/{applicant.pk}/", {"decision": "approve"})
    assert response.status_code == 302 and "/org/two-factor/" in response["Location"]
    applicant.refresh_from_db()
    assert applicant.is_pending
    assert client.get("/admin/").status_code == 302
