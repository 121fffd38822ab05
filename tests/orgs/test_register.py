"""Registering an organisation: everyone on the workers' side is welcome, employers are not."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from freeassoc.orgs.models import Membership, Organisation
from tests.auth import sign_in

pytestmark = pytest.mark.django_db


def _application(**overrides):
    data = {
        "name": "Psychotherapists for Change",
        "kind": "workers_group",
        "employer": "no",
        "contact_name": "Pat Jones",
        "contact_email": "pat@example.org",
        "username": "pat",
        "email": "pat@example.org",
        "password1": "a long and known password",
        "password2": "a long and known password",
    }
    return data | overrides


def test_the_form_asks_whether_the_organisation_is_an_employer_and_says_why(client):
    page = client.get("/org/register/").content.decode()
    assert "Is your organisation an employer or provider of mental-health services" in page
    assert "other side of the negotiating table" in page
    # The six kinds are offered, and no kind for employers.
    for label in ("Trade union", "Service-user or disability network", "Research group"):
        assert label in page
    assert "Employer" not in page.split("What kind of organisation")[1].split("</fieldset>")[0]


def test_an_employer_is_refused_with_the_reason_and_nothing_is_saved(client):
    response = client.post("/org/register/", _application(name="Mindful NHS Trust", employer="yes"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "We cannot register an employer, a provider of services or a body of employers" in page
    assert "employers are the other side of the table" in page
    assert not Organisation.objects.filter(name="Mindful NHS Trust").exists()
    assert not Membership.objects.exists()


def test_the_employer_question_must_be_answered(client):
    data = _application()
    del data["employer"]
    response = client.post("/org/register/", data)
    assert response.status_code == 400
    assert not Organisation.objects.exists()


def test_a_union_registers_and_waits_for_approval_with_its_first_owner(
    client, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/org/register/", _application(kind="union", name="Therapists' Union")
        )
    assert response.status_code == 302
    organisation = Organisation.objects.get(name="Therapists' Union")
    assert organisation.kind == "union"
    assert not organisation.approved and organisation.is_pending
    membership = Membership.objects.get(organisation=organisation)
    assert membership.user.username == "pat" and membership.role == "owner"
    assert membership.user.check_password("a long and known password")
    # The administrators hear of it.
    assert [m.to for m in mail.outbox] == [["stella@example.org"]]
    assert "Therapists' Union" in mail.outbox[0].subject


def test_a_name_already_taken_and_a_weak_password_are_refused(client, org):
    response = client.post(
        "/org/register/",
        _application(name=org.name.upper(), password1="password", password2="password"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "already registered" in page
    assert "This password is too common." in page
    assert Organisation.objects.count() == 1


def test_a_signed_in_person_becomes_the_owner_without_a_new_account(client, delegate):
    sign_in(client, delegate)
    page = client.get("/org/register/").content.decode()
    assert 'name="password1"' not in page
    response = client.post(
        "/org/register/",
        {
            "name": "Service Users Speak",
            "kind": "service_user",
            "employer": "no",
            "contact_name": "Dee",
            "contact_email": "dee@example.org",
        },
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get(name="Service Users Speak")
    assert Membership.objects.get(organisation=organisation).user == delegate


def test_an_organisation_waiting_for_approval_cannot_run_a_survey_until_approved(client):
    client.post("/org/register/", _application())
    sign_in(client, get_user_model().objects.get(username="pat"))
    organisation = Organisation.objects.get()
    attempt = {"organisation": organisation.pk, "title": "Ours", "instrument": "surviving-work@1"}
    response = client.post("/org/surveys/new/", attempt)
    assert response.status_code == 200  # the form again: the organisation is not a choice
    assert organisation.surveys.count() == 0

    organisation.approved = True
    organisation.save()
    assert client.post("/org/surveys/new/", attempt).status_code == 302
    assert organisation.surveys.count() == 1


def test_registrations_from_one_address_are_limited(client):
    # Invalid attempts count too: a script cannot probe the form without limit.
    statuses = [
        client.post("/org/register/", _application(employer="yes")).status_code for _ in range(11)
    ]
    assert statuses == [400] * 10 + [429]
    assert client.get("/org/register/").status_code == 200  # reading the form is not limited
