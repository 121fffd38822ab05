"""Every change to a local group is audited: in the listing organisation's log and on the
group's own history page, which its contact and the platform's staff read too. A change of the
contact address is told to the old address."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from freeassoc.groups.models import LocalGroup
from freeassoc.orgs.models import AuditEvent
from tests.auth import sign_in

pytestmark = pytest.mark.django_db


def edit_form(group, **change):
    return {
        "organisation": group.organisation.pk, "network": group.network.pk,
        "name": group.name, "meets": "in_person", "town": group.town, "region": group.region,
        "areas": " ".join(group.area_codes), "frequency": group.frequency,
        "who_for": group.who_for, "contact_email": group.contact_email, **change,
    }  # fmt: skip


@pytest.fixture
def group(make_group):
    return make_group("Leeds counsellors", ["LS"], contact="real.contact@group.example")


@pytest.fixture
def contact(group):
    user = get_user_model().objects.create_user("convenor", password="x" * 16)
    LocalGroup.objects.filter(pk=group.pk).update(contact_user=user)
    return user


def test_a_change_of_contact_address_is_audited_and_told_to_the_old_address(
    client, organiser, group, org, django_capture_on_commit_callbacks
):
    sign_in(client, organiser)
    data = edit_form(group, contact_email="new.contact@group.example", town="Wakefield")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("groups:edit", args=[group.slug]), data)
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="group_change")
    assert (event.organisation, event.group, event.user) == (org, group, organiser)
    assert "contact address" in event.detail and "town" in event.detail
    assert "name" not in event.detail  # only what changed
    (told,) = mail.outbox
    assert told.to == ["real.contact@group.example"]
    assert "olive" in told.body and "new.contact@group.example" not in told.body
    # Saving again without a change records nothing more.
    group.refresh_from_db()
    client.post(reverse("groups:edit", args=[group.slug]), edit_form(group))
    assert AuditEvent.objects.filter(action="group_change").count() == 1


def test_the_history_is_read_by_the_contact_staff_and_the_organisers_only(
    client, organiser, analyst, outsider, contact, group
):
    sign_in(client, organiser)
    client.post(
        reverse("groups:edit", args=[group.slug]),
        edit_form(group, contact_email="attacker@elsewhere.example"),
    )
    url = reverse("groups:history", args=[group.slug])
    staff = get_user_model().objects.create_user("stella", password="x" * 16, is_staff=True)
    for reader in (contact, staff, organiser):
        sign_in(client, reader)
        page = client.get(url)
        assert page.status_code == 200, reader
        text = page.content.decode()
        assert "Changed a local group" in text and "olive" in text
        assert "changed the contact address" in text
    sign_in(client, contact)
    assert f'href="{url}"' in client.get(group.get_absolute_url()).content.decode()
    for stranger in (analyst, outsider):
        sign_in(client, stranger)
        assert client.get(url).status_code == 404
        assert f'href="{url}"' not in client.get(group.get_absolute_url()).content.decode()
    client.logout()
    assert client.get(url).status_code == 302


def test_listing_and_removing_are_audited_and_the_removal_stays_in_the_log(
    client, organiser, org, network
):
    sign_in(client, organiser)
    form = {
        "organisation": org.pk, "network": network.pk, "name": "Sheffield IAPT workers",
        "meets": "online", "region": "", "areas": "", "frequency": "monthly",
        "who_for": "Talking Therapies workers.", "contact_email": "sheffield@group.example",
    }  # fmt: skip
    assert client.post("/groups/new/", form).status_code == 302
    group = LocalGroup.objects.get()
    listed = AuditEvent.objects.get(action="group_list")
    assert (listed.group, listed.user, listed.detail) == (group, organiser, group.name)
    client.post(reverse("groups:remove", args=[group.slug]))
    removed = AuditEvent.objects.get(action="group_remove")
    assert removed.organisation == org and removed.group is None
    assert removed.detail == "Sheffield IAPT workers" and removed.user == organiser


def test_changes_in_the_admin_are_audited_too(
    admin_client, admin_user, group, django_capture_on_commit_callbacks
):
    response = admin_client.post(
        "/admin/groups/localgroup/",
        {"action": "withdraw", "_selected_action": [group.pk]},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="group_change")
    assert event.user == admin_user and event.group == group
    assert "approval" in event.detail
    page = admin_client.get(f"/admin/groups/localgroup/{group.pk}/change/").content.decode()
    assert 'name="areas-TOTAL_FORMS"' in page
    area = group.areas.get()
    data = {
        **edit_form(group, contact_email="new@group.example"),
        "areas": None, "approved": "on", "contact_user": "", "slug": group.slug,
        "areas-TOTAL_FORMS": "1", "areas-INITIAL_FORMS": "1", "areas-MIN_NUM_FORMS": "0",
        "areas-MAX_NUM_FORMS": "1000", "areas-0-id": area.pk, "areas-0-group": group.pk,
        "areas-0-area": "LS",
    }  # fmt: skip
    data = {k: v for k, v in data.items() if v is not None}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/groups/localgroup/{group.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    latest = AuditEvent.objects.filter(action="group_change").first()
    assert latest.user == admin_user and "contact address" in latest.detail
    assert [m.to for m in mail.outbox] == [["real.contact@group.example"]]
