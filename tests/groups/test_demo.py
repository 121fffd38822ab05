from django.core.management import call_command

from freeassoc.groups.demo import load_demo_groups
from freeassoc.groups.models import LocalGroup, Network


def test_the_demo_groups_are_synthetic_labelled_and_spread_over_regions(client, db):
    groups = load_demo_groups()
    assert len(groups) >= 5
    assert all(g.name.endswith("(demo)") and g.is_synthetic for g in groups)
    assert all(g.contact_email.endswith("@example.org") for g in groups)
    assert len({g.region for g in groups if not g.is_online}) >= 5
    assert any(g.is_online for g in groups)
    # Attached to the demo network, never to a real organisation from the essay.
    assert {g.network.name for g in groups} == {"Surviving Work demo network (synthetic)"}
    assert Network.objects.filter(named_in_essay=True).count() == 19  # the directory too
    page = client.get(groups[0].get_absolute_url()).text
    assert "Demonstration group." in page


def test_loading_the_demo_twice_adds_nothing(db, capsys):
    load_demo_groups()
    call_command("load_demo_groups")
    assert "listed (synthetic" in capsys.readouterr().out
    assert LocalGroup.objects.count() == len(load_demo_groups())


def test_the_demo_answers_a_search_from_manchester(client, db):
    load_demo_groups()
    html = client.get("/groups/search", {"q": "M1 1AE"}).text
    assert "Greater Manchester therapists&#x27; support circle (demo)" in html
    assert "Self-employed therapists online (demo)" in html
