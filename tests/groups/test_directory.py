import re

import pytest
from django.contrib.admin.sites import site
from django.core.management import call_command

from freeassoc.groups.directory import ESSAY_NETWORKS
from freeassoc.groups.models import Network

# Every network, union, professional body and campaign the essay's last section names
# ("The organising challenge ahead"), and the two professional bodies it discusses.
ESSAY_NAMES = [
    "Disabled People Against Cuts",
    "National Survivor User Network",
    "Recovery in the Bin",
    "Mental Health Resistance Network",
    "Mental Wealth Alliance",
    "Unison",
    "Unite",
    "Royal College of Nursing",
    "Psychotherapy and Counselling Union",
    "UK Council for Psychotherapy",
    "British Association for Counselling and Psychotherapy",
    "Counsellors Together UK",
    "Alliance for Counselling and Psychotherapy",
    "Psychotherapists and Counsellors for Social Responsibility",
    "Free Psychotherapy Network",
    "Critical Mental Health Nurses Network",
    "Social Work Action Network",
    "Health Campaigns Together",
    "Action for Care-worker Wellbeing",
]


def test_the_command_loads_every_network_the_essay_names_and_can_run_again(db, capsys):
    call_command("load_directory")
    assert "19 added" in capsys.readouterr().out
    assert sorted(Network.objects.values_list("name", flat=True)) == sorted(ESSAY_NAMES)
    assert all(n.approved and n.named_in_essay for n in Network.objects.all())
    call_command("load_directory")
    assert "0 added, 0 updated" in capsys.readouterr().out
    assert Network.objects.count() == len(ESSAY_NAMES)


def test_the_essay_networks_have_the_right_kinds(db):
    call_command("load_directory")
    kinds = dict(Network.objects.values_list("short_name", "kind").exclude(short_name=""))
    assert kinds["DPAC"] == kinds["NSUN"] == "service_user"
    assert kinds["RCN"] == kinds["PCU"] == "union"
    assert kinds["UKCP"] == kinds["BACP"] == "professional"
    assert kinds["SWAN"] == kinds["PCSR"] == "workers_group"
    assert Network.objects.get(name="Health Campaigns Together").kind == "campaign"


def test_the_loader_repairs_an_edited_entry_and_takes_over_a_request_of_the_same_name(db):
    call_command("load_directory")
    Network.objects.filter(slug="dpac").update(description="vandalised", approved=False)
    Network.objects.filter(slug="unite").delete()
    Network.objects.create(
        name="UNITE", slug="unite-the-union", kind="union", description="asked", approved=False
    )
    call_command("load_directory")
    assert Network.objects.get(slug="dpac").approved
    assert Network.objects.get(slug="dpac").description != "vandalised"
    assert Network.objects.filter(name__iexact="unite").count() == 1
    assert Network.objects.get(name="Unite").approved


def test_descriptions_are_one_line_and_invent_no_address_phone_or_web_site():
    for entry in ESSAY_NETWORKS:
        text = entry.description
        assert len(text) <= 300 and "\n" not in text, entry.name
        assert not re.search(r"https?://|www\.|\.org|\.uk|\.com|@", text), entry.name
        assert not re.search(r"\d{4}", text), entry.name  # no phone numbers or dates
        assert entry.name.lower() not in text.lower(), "say what they do, not their name"


def test_the_directory_page_lists_networks_under_their_kind(client, db):
    call_command("load_directory")
    html = client.get("/groups/").text
    unions = html.index("<h3>Trade unions</h3>")
    service_users = html.index("<h3>Service-user and disability networks</h3>")
    assert unions < html.index("Psychotherapy and Counselling Union") < service_users
    assert service_users < html.index("Disabled People Against Cuts (DPAC)")
    assert "Professional bodies" in html and "Campaigns" in html
    assert 'href="/groups/ask-to-be-listed/"' in html


def test_a_network_page_describes_it_and_lists_its_groups(client, make_group, network):
    make_group("Leeds counsellors", ["LS"])
    html = client.get(f"/groups/networks/{network.slug}/").text
    assert network.description in html
    assert "Leeds counsellors" in html
    assert client.get("/groups/networks/no-such-network/").status_code == 404


ASK = {
    "name": "Peer Support Workers Together",
    "kind": "workers_group",
    "description": "Peer support workers in mental-health services, organising for fair pay.",
    "site": "",
    "contact_email": "hello@peers.example",
    "note": "",
}


def test_an_employer_or_provider_is_refused_with_the_reason(client, db):
    response = client.post("/groups/ask-to-be-listed/", {**ASK, "kind": "employer"})
    assert response.status_code == 400
    assert "We cannot list employers or providers of services" in response.text
    assert "cannot be members of the platform" in response.text
    assert 'href="#id_kind_0"' in response.text
    assert not Network.objects.exists()


def test_any_other_organisation_can_ask_and_waits_for_an_administrator(client, admin_client, db):
    response = client.post("/groups/ask-to-be-listed/", ASK)
    assert response.status_code == 302
    assert "your request has been received" in client.get(response["Location"]).text
    network = Network.objects.get(name=ASK["name"])
    assert not network.approved and network.contact_email == "hello@peers.example"
    assert ASK["name"] not in client.get("/groups/").text
    assert client.get(network.get_absolute_url()).status_code == 404

    admin_client.post(
        "/admin/groups/network/",
        {"action": "approve", "_selected_action": [network.pk]},
    )
    network.refresh_from_db()
    assert network.approved
    html = client.get("/groups/").text
    assert ASK["name"] in html
    assert "hello@peers.example" not in html
    assert "hello@peers.example" not in client.get(network.get_absolute_url()).text


def test_asking_twice_under_the_same_name_is_explained(client, db):
    client.post("/groups/ask-to-be-listed/", ASK)
    response = client.post("/groups/ask-to-be-listed/", {**ASK, "name": ASK["name"].upper()})
    assert response.status_code == 400
    assert "already in the directory, or has already asked" in response.text
    assert Network.objects.count() == 1


@pytest.mark.parametrize(
    "change, message",
    [
        ({"name": ""}, "Enter the organisation&#x27;s name."),
        ({"kind": "bank"}, "Select a valid choice."),
        ({"contact_email": "not-an-address"}, "Enter a valid email address."),
        ({"site": "javascript:alert(1)"}, "Enter a valid URL."),
        ({"description": "x" * 301}, "at most 300 characters"),
    ],
)
def test_a_bad_listing_request_is_a_form_error(client, db, change, message):
    response = client.post("/groups/ask-to-be-listed/", {**ASK, **change})
    assert response.status_code == 400
    assert message in response.text
    assert not Network.objects.exists()


def test_the_listing_form_has_a_honeypot(client, db):
    response = client.post("/groups/ask-to-be-listed/", {**ASK, "website": "http://spam"})
    assert response.status_code == 400
    assert not Network.objects.exists()


def test_join_requests_are_not_in_the_admin():
    from freeassoc.groups.models import JoinRequest, LocalGroup

    assert site.is_registered(Network) and site.is_registered(LocalGroup)
    assert not site.is_registered(JoinRequest)
