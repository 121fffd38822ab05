import pytest
from django.contrib.auth import get_user_model

from freeassoc.groups.models import LocalGroup
from freeassoc.orgs.models import Membership, Organisation
from tests.auth import sign_in


@pytest.fixture
def form(org, network):
    return {
        "organisation": org.pk,
        "network": network.pk,
        "name": "Sheffield IAPT workers",
        "meets": "in_person",
        "town": "Sheffield",
        "region": "yorkshire",
        "areas": "s, DN S35",
        "frequency": "monthly",
        "who_for": "Anyone working in NHS Talking Therapies in South Yorkshire.",
        "contact_email": "sheffield@group.example",
    }


def test_an_organiser_lists_a_group_that_workers_can_then_find(client, organiser, form):
    sign_in(client, organiser)
    response = client.post("/groups/new/", form)
    group = LocalGroup.objects.get()
    assert response.status_code == 302 and response["Location"] == group.get_absolute_url()
    assert group.area_codes == ["S", "DN"]
    assert group.created_by == organiser and group.approved
    client.logout()
    html = client.get("/groups/search", {"q": "S1 2HE"}).text
    assert "Sheffield IAPT workers" in html and "Covers your postcode area" in html
    page = client.get(group.get_absolute_url()).text
    assert "Anyone working in NHS Talking Therapies in South Yorkshire." in page
    assert "sheffield@group.example" not in page  # the contact address is never shown


def test_an_owner_may_list_too(client, org, form):
    owner = get_user_model().objects.create_user("owen", password="x" * 12)
    Membership.objects.create(organisation=org, user=owner, role=Membership.Role.OWNER)
    sign_in(client, owner)
    assert client.post("/groups/new/", form).status_code == 302


def test_anonymous_visitors_are_asked_to_sign_in(client, form):
    for response in [client.get("/groups/new/"), client.post("/groups/new/", form)]:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not LocalGroup.objects.exists()


def test_an_analyst_cannot_list_a_group(client, analyst, form):
    sign_in(client, analyst)
    assert client.get("/groups/new/").status_code == 403
    response = client.post("/groups/new/", form)
    assert response.status_code == 403
    assert "Only organisers can list groups" in response.text
    assert not LocalGroup.objects.exists()


def test_an_organiser_of_an_unapproved_organisation_cannot_list(client, organiser, org, form):
    Organisation.objects.filter(pk=org.pk).update(approved=False)
    sign_in(client, organiser)
    assert client.post("/groups/new/", form).status_code == 403
    assert not LocalGroup.objects.exists()


def test_an_organiser_cannot_list_a_group_for_another_organisation(
    client, organiser, other_org, form
):
    sign_in(client, organiser)
    response = client.post("/groups/new/", {**form, "organisation": other_org.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    assert not LocalGroup.objects.exists()


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"town": ""}, "town", "Give the town or city where the group meets."),
        ({"areas": ""}, "areas", "Give at least one postcode area"),
        ({"areas": "M QQ"}, "areas", "We don&#x27;t know the postcode area “QQ”"),
        ({"region": ""}, "region", "Choose the region where the group meets."),
        ({"contact_email": "nope"}, "contact_email", "Enter a valid email address."),
        ({"meets": "by carrier pigeon"}, "meets_0", "Select a valid choice."),
        ({"network": "999999"}, "network", "Select a valid choice."),
        ({"name": "x" * 121}, "name", "at most 120 characters"),
    ],
)
def test_a_bad_group_form_shows_the_problem_beside_the_field(
    client, organiser, form, change, field, message
):
    sign_in(client, organiser)
    response = client.post("/groups/new/", {**form, **change})
    assert response.status_code == 400
    assert message in response.text
    assert f'href="#id_{field}"' in response.text
    assert not LocalGroup.objects.exists()


def test_an_online_group_needs_no_town_or_areas(client, organiser, form):
    sign_in(client, organiser)
    online = {**form, "meets": "online", "town": "ignored", "region": "", "areas": ""}
    assert client.post("/groups/new/", online).status_code == 302
    group = LocalGroup.objects.get()
    assert group.is_online and group.town == "" and group.area_codes == []
    assert group.where == "Online, UK-wide"


def test_a_group_cannot_take_a_name_that_is_a_page_of_the_site(client, organiser, form):
    sign_in(client, organiser)
    client.post("/groups/new/", {**form, "name": "Search"})
    client.post("/groups/new/", {**form, "name": "Search"})
    assert sorted(LocalGroup.objects.values_list("slug", flat=True)) == ["search-2", "search-3"]
    assert client.get("/groups/search-2/").status_code == 200


def test_an_organiser_changes_and_removes_their_group(client, organiser, make_group):
    group = make_group("Leeds counsellors", ["LS"])
    sign_in(client, organiser)
    assert "Change or remove this listing" in client.get(group.get_absolute_url()).text
    page = client.get(f"/groups/{group.slug}/edit/")
    assert page.status_code == 200 and 'value="LS"' in page.text
    data = {
        "organisation": group.organisation.pk,
        "network": group.network.pk,
        "name": "Leeds and Wakefield counsellors",
        "meets": "in_person",
        "town": "Leeds",
        "region": "yorkshire",
        "areas": "LS WF",
        "frequency": "weekly",
        "who_for": group.who_for,
        "contact_email": "new@group.example",
    }
    assert client.post(f"/groups/{group.slug}/edit/", data).status_code == 302
    group.refresh_from_db()
    assert group.name == "Leeds and Wakefield counsellors" and group.area_codes == ["LS", "WF"]
    assert "Leeds and Wakefield counsellors" in client.get("/groups/mine/").text
    assert client.post(f"/groups/{group.slug}/remove/").status_code == 302
    assert not LocalGroup.objects.exists()


def test_people_outside_the_organisation_cannot_change_a_group(
    client, outsider, analyst, make_group
):
    group = make_group("Leeds counsellors", ["LS"])
    sign_in(client, outsider)
    assert "Change or remove" not in client.get(group.get_absolute_url()).text
    assert client.get(f"/groups/{group.slug}/edit/").status_code == 404
    assert client.post(f"/groups/{group.slug}/remove/").status_code == 404
    sign_in(client, analyst)
    assert client.get(f"/groups/{group.slug}/edit/").status_code == 403
    assert client.post(f"/groups/{group.slug}/remove/").status_code == 403
    assert LocalGroup.objects.filter(pk=group.pk).exists()
    assert client.get("/groups/no-such-group/edit/").status_code == 404


def test_the_directory_invites_organisers_to_list_groups(client, organiser, analyst):
    sign_in(client, analyst)
    assert 'href="/groups/mine/"' not in client.get("/groups/").text
    sign_in(client, organiser)
    html = client.get("/groups/").text
    assert 'href="/groups/new/"' in html and 'href="/groups/mine/"' in html
