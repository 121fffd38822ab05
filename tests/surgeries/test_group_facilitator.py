"""A local group's contact runs Survival Surgeries for the group, without belonging to any
organisation: with the account the administrators link to the group, for the group's region,
and seeing only the group's surgeries (every other surgery is a 404, as for outsiders)."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from freeassoc.groups import services as group_services
from freeassoc.groups.models import LocalGroup, Network
from freeassoc.orgs.models import Membership
from freeassoc.surgeries import services
from freeassoc.surgeries.models import Problem, Surgery
from tests.auth import sign_in

from .conftest import add_problem, board_url, join, move

CONTACT_EMAIL = "convenor@group.example"


def _in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


@pytest.fixture
def network(db):
    return Network.objects.create(
        name="Counsellors Together UK",
        slug="counsellors-together-uk",
        kind="workers_group",
        description="Counsellors organising against unpaid work.",
        approved=True,
    )


def _group(org, network, name, *, region, town, areas, contact_user=None):
    group = group_services.local_group_create(
        organisation=org,
        network=network,
        name=name,
        meets="in_person" if areas else "online",
        region=region,
        town=town,
        frequency="monthly",
        who_for="Therapists and counsellors.",
        contact_email=CONTACT_EMAIL,
        areas=areas,
    )
    if contact_user is not None:
        # As the administrators do it, in the admin: link the contact's account to the group.
        group.contact_user = contact_user
        group.save(update_fields=["contact_user"])
    return group


@pytest.fixture
def convenor(db):
    """The contact of a local group: an account, and no membership of any organisation."""
    return get_user_model().objects.create_user(
        "connie", email=CONTACT_EMAIL, password="correct horse battery"
    )


@pytest.fixture
def group(org, network, convenor):
    return _group(
        org,
        network,
        "Stockport workers",
        region="north_west",
        town="Stockport",
        areas=["SK"],
        contact_user=convenor,
    )


@pytest.fixture
def other_group(org, network):
    other = get_user_model().objects.create_user("gus", password="correct horse battery")
    return _group(
        org,
        network,
        "Leeds counsellors",
        region="yorkshire",
        town="Leeds",
        areas=["LS"],
        contact_user=other,
    )


def _create(client, **fields):
    data = {
        "title": "Talking therapies team, Stockport",
        "kind": "team",
        "region": "north_west",
        "sector": "nhs",
        "delete_on": _in_days(60),
        **fields,
    }
    return client.post("/surgeries/new/", data)


def _make(*, group=None, organisation=None, title="A surgery", region="north_west"):
    return services.surgery_create(
        group=group,
        organisation=organisation,
        title=title,
        kind=Surgery.Kind.AREA,
        region=region,
        sector="nhs",
        delete_on=timezone.localdate() + datetime.timedelta(days=30),
    )


def _facilitator_urls(surgery, problem):
    """Every facilitator page and action of a surgery, as (method, url, data)."""
    pk = surgery.pk
    return [
        ("get", f"/surgeries/{pk}/", {}),
        ("get", f"/surgeries/{pk}/board/", {}),
        ("get", f"/surgeries/{pk}/plan/", {}),
        ("get", f"/surgeries/{pk}/plan.pdf", {}),
        ("post", f"/surgeries/{pk}/stage/", {"stage": "information"}),
        ("post", f"/surgeries/{pk}/top/", {}),
        ("post", f"/surgeries/{pk}/problem/{problem.pk}/hide/", {"hidden": "1"}),
        ("post", f"/surgeries/{pk}/problem/{problem.pk}/choose/", {"chosen": "1"}),
        ("post", f"/surgeries/{pk}/delete-on/", {"delete_on": _in_days(10)}),
        ("post", f"/surgeries/{pk}/delete/", {"confirm": "yes"}),
    ]


def _assert_untouched(surgery, problem):
    surgery.refresh_from_db()
    problem.refresh_from_db()
    assert surgery.stage == "problems"
    assert not problem.hidden and not problem.chosen
    assert surgery.delete_on == timezone.localdate() + datetime.timedelta(days=30)


def test_a_group_contact_creates_a_surgery_for_the_group_without_an_organisation(
    client, convenor, group
):
    assert not Membership.objects.filter(user=convenor).exists()
    sign_in(client, convenor)
    form = client.get("/surgeries/new/").text
    assert 'for="id_group">Local group</label>' in form
    assert f'<option value="{group.pk}" selected>Stockport workers</option>' in form
    assert 'name="organisation"' not in form  # nothing to choose there
    # The group's region is filled in for them.
    assert '<option value="north_west" selected>North West</option>' in form

    response = _create(client, group=group.pk)
    surgery = Surgery.objects.get()
    assert response["Location"] == f"/surgeries/{surgery.pk}/"
    assert surgery.group == group and surgery.region == "north_west"
    page = client.get(response["Location"]).text
    assert f'<p class="join-code" id="join-code">{surgery.code}</p>' in page
    assert "Stockport workers ·" in page
    index = client.get("/surgeries/").text
    assert "Talking therapies team, Stockport" in index and "Stockport workers" in index


def test_a_group_contact_runs_the_surgery_through_its_stages(client, convenor, group):
    surgery = _make(group=group)
    participant = join(Client(), surgery, "Heron")
    add_problem(participant, surgery, "Names the manager, Mr X")
    add_problem(participant, surgery, "Caseloads are too high")
    named = Problem.objects.get(text__startswith="Names")
    sign_in(client, convenor)
    hide = client.post(f"/surgeries/{surgery.pk}/problem/{named.pk}/hide/", {"hidden": "1"})
    assert hide.status_code == 302
    assert "Mr X" not in participant.get(board_url(surgery)).text
    for stage in ["information", "actions", "closed"]:
        move(client, surgery, stage)
        assert surgery.stage == stage
    assert client.get(f"/surgeries/{surgery.pk}/plan/").status_code == 200
    assert client.get(f"/surgeries/{surgery.pk}/plan.pdf").content.startswith(b"%PDF")


def test_the_surgery_is_in_the_groups_region(client, convenor, group):
    sign_in(client, convenor)
    response = _create(client, group=group.pk, region="london")
    assert response.status_code == 400
    assert "in the group&#x27;s region, North West" in response.text
    assert not Surgery.objects.exists()


def test_an_online_group_across_the_uk_may_meet_about_any_region(client, org, network, convenor):
    online = _group(
        org, network, "Therapists online", region="", town="", areas=[], contact_user=convenor
    )
    sign_in(client, convenor)
    assert _create(client, group=online.pk, region="scotland").status_code == 302
    assert Surgery.objects.get().group == online


def test_a_group_contact_cannot_create_for_another_group_or_an_organisation(
    client, convenor, group, other_group, org
):
    sign_in(client, convenor)
    form = client.get("/surgeries/new/").text
    assert "Leeds counsellors" not in form
    assert _create(client, group=other_group.pk, region="yorkshire").status_code == 400
    assert _create(client, organisation=org.pk).status_code == 400
    assert not Surgery.objects.exists()


def test_a_group_contact_sees_only_the_groups_surgeries(
    client, convenor, group, other_group, org, outsider, other_org
):
    ours = _make(group=group, title="Ours")
    theirs = _make(group=other_group, title="Another group's", region="yorkshire")
    listing_orgs = _make(organisation=org, title="The listing organisation's")
    unrelated = _make(organisation=other_org, title="Another organisation's")
    sign_in(client, convenor)
    index = client.get("/surgeries/").text
    assert "Ours" in index
    for other in [theirs, listing_orgs, unrelated]:
        assert other.title not in index
        participant = join(Client(), other)
        add_problem(participant, other, "A problem")
        problem = other.problems.get()
        for method, url, data in _facilitator_urls(other, problem):
            response = getattr(client, method)(url, data)
            assert response.status_code == 404, (other.title, url, response.status_code)
        _assert_untouched(other, problem)
    assert client.get(f"/surgeries/{ours.pk}/").status_code == 200


def test_the_organisation_behind_the_listing_does_not_run_the_groups_surgery(
    client, organiser, outsider, group
):
    surgery = _make(group=group, title="The group's own meeting")
    participant = join(Client(), surgery)
    add_problem(participant, surgery, "A problem")
    problem = Problem.objects.get()
    for user in [organiser, outsider]:
        sign_in(client, user)
        assert "The group&#x27;s own meeting" not in client.get("/surgeries/").text
        for method, url, data in _facilitator_urls(surgery, problem):
            response = getattr(client, method)(url, data)
            assert response.status_code == 404, (user.username, url, response.status_code)
    _assert_untouched(surgery, problem)


def test_an_account_with_the_contacts_address_but_not_linked_gets_nothing(client, org, network):
    unlinked = _group(
        org, network, "Stockport workers", region="north_west", town="Stockport", areas=["SK"]
    )
    surgery = _make(group=unlinked)
    lookalike = get_user_model().objects.create_user(
        "lookalike", email=CONTACT_EMAIL, password="correct horse battery"
    )
    sign_in(client, lookalike)
    assert "Only owners and organisers" in client.get("/surgeries/new/").text
    assert _create(client, group=unlinked.pk).status_code == 400
    assert client.get(f"/surgeries/{surgery.pk}/").status_code == 404
    assert Surgery.objects.count() == 1


def test_a_withdrawn_listing_stops_the_contact(client, convenor, group):
    surgery = _make(group=group)
    LocalGroup.objects.filter(pk=group.pk).update(approved=False)
    sign_in(client, convenor)
    assert "Only owners and organisers" in client.get("/surgeries/new/").text
    assert _create(client, group=group.pk).status_code == 400
    assert client.get(f"/surgeries/{surgery.pk}/").status_code == 403
    move(client, surgery, "information")
    assert surgery.stage == "problems"


def test_someone_who_is_both_an_organiser_and_a_contact_chooses_one(
    client, organiser, org, network
):
    group = _group(
        org,
        network,
        "Stockport workers",
        region="north_west",
        town="Stockport",
        areas=["SK"],
        contact_user=organiser,
    )
    sign_in(client, organiser)
    form = client.get("/surgeries/new/").text
    assert 'name="organisation"' in form and 'name="group"' in form
    both = _create(client, organisation=org.pk, group=group.pk)
    assert both.status_code == 400 and "not both" in both.text
    neither = _create(client)
    assert neither.status_code == 400 and "Choose an organisation or a local group" in neither.text
    assert not Surgery.objects.exists()
    assert _create(client, group=group.pk).status_code == 302
    assert _create(client, organisation=org.pk, region="london").status_code == 302
    assert {(s.group_id, s.region) for s in Surgery.objects.all()} == {
        (group.pk, "north_west"),
        (None, "london"),
    }


def test_removing_the_listing_hands_the_surgery_to_the_organisations_organisers(
    client, convenor, organiser, group
):
    surgery = _make(group=group)
    group_services.local_group_remove(group=group, by=None)
    surgery.refresh_from_db()
    assert surgery.group is None
    sign_in(client, convenor)
    assert client.get(f"/surgeries/{surgery.pk}/").status_code == 404
    sign_in(client, organiser)
    assert client.get(f"/surgeries/{surgery.pk}/").status_code == 200


def test_a_surgery_is_run_for_exactly_one_organisation_or_group(org, group):
    with pytest.raises(ValidationError):
        _make()
    with pytest.raises(ValidationError):
        _make(group=group, organisation=org)
    assert not Surgery.objects.exists()


def test_the_admin_links_an_account_by_its_id_not_from_a_list_of_everyone(client, group, convenor):
    admin = get_user_model().objects.create_superuser("root", password="correct horse battery")
    sign_in(client, admin)
    page = client.get(f"/admin/groups/localgroup/{group.pk}/change/").text
    assert 'name="contact_user"' in page and "vForeignKeyRawIdAdminField" in page
    assert "<option" not in page.split('name="contact_user"')[0].rsplit("<div", 1)[-1]
