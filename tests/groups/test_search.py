import re

import pytest

from tests.auth import sign_in

from .privacy import database_text


def names_in_order(html: str, names: list[str]) -> list[str]:
    """The given group names in the order the page shows them (absent ones left out)."""
    found = [(html.find(f">{n}</a>"), n) for n in names]
    return [n for at, n in sorted(found) if at >= 0]


def section(html: str, heading: str) -> str:
    """The part of the page from an h2 whose text starts with `heading` to the next h2."""
    match = re.search(rf"<h2[^>]*>{re.escape(heading)}.*?(?=<h2|$)", html, re.S)
    assert match, f"no section {heading!r}"
    return match.group(0)


@pytest.fixture
def groups(make_group):
    return {
        "stockport": make_group("Stockport workers", ["SK"]),
        "liverpool": make_group("Liverpool counsellors", ["L"]),
        "brighton": make_group("Brighton therapists", ["BN"]),
        "online": make_group("Online peer group"),
        "online_wales": make_group("Welsh online circle", region="wales"),
    }


@pytest.mark.parametrize("q", ["M1 1AE", "m11ae", "M1", "M", "Manchester"])
def test_a_postcode_in_any_form_finds_groups_nearest_first(client, groups, q):
    response = client.get("/groups/search", {"q": q})
    assert response.status_code == 200
    html = response.text
    assert "Groups near the M (Manchester) postcode area" in html
    near = section(html, "Within 40 miles")
    # Stockport (about 5 miles) before Liverpool (about 31); Brighton is too far to list.
    assert names_in_order(near, ["Liverpool counsellors", "Stockport workers"]) == [
        "Stockport workers",
        "Liverpool counsellors",
    ]
    assert "Brighton therapists" not in html
    assert re.search(r"\b(3[0-9]) miles away", near)


def test_a_group_that_covers_your_area_says_so(client, groups):
    html = client.get("/groups/search", {"q": "SK4 1AA"}).text
    assert "Covers your postcode area" in html


def test_online_groups_are_listed_separately_for_the_region_and_the_whole_uk(client, groups):
    html = client.get("/groups/search", {"q": "CF10 1AA"}).text
    online = section(html, "Online groups")
    assert names_in_order(online, ["Online peer group", "Welsh online circle"]) == [
        "Welsh online circle",
        "Online peer group",
    ]
    manchester = section(client.get("/groups/search", {"q": "M1"}).text, "Online groups")
    assert "Online peer group" in manchester and "Welsh online circle" not in manchester


def test_a_region_search_lists_the_groups_that_meet_there(client, groups):
    response = client.get("/groups/search", {"region": "north_west"})
    assert response.status_code == 200
    html = response.text
    assert "Groups in North West" in html
    assert "Stockport workers" in html and "Liverpool counsellors" in html
    assert "Brighton therapists" not in html


def test_an_unknown_postcode_area_gets_a_clear_message_and_the_form_again(client, groups):
    response = client.get("/groups/search", {"q": "QQ1 1AA"})
    assert response.status_code == 400
    html = response.text
    assert "There is a problem" in html
    assert "We don&#x27;t know the postcode area “QQ”" in html
    assert 'href="#id_q"' in html  # the summary links to the box
    assert 'value="QQ1 1AA"' in html  # what was typed is kept, to correct it


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "hello"}, {"region": "atlantis"}])
def test_a_search_with_nothing_usable_is_a_form_error_not_a_crash(client, groups, params):
    response = client.get("/groups/search", params)
    assert response.status_code == 400
    assert "There is a problem" in response.text


def test_an_empty_result_offers_the_nearest_groups_elsewhere_online_groups_and_starting_one(
    client, groups
):
    html = client.get("/groups/search", {"q": "TR1 1AA"}).text  # Truro, far from every group
    assert "No group meets within 40 miles of the TR (Truro) postcode area yet" in html
    elsewhere = section(html, "Nearest groups elsewhere")
    # From Cornwall, Brighton is nearer than Liverpool, which is nearer than Stockport.
    assert names_in_order(
        elsewhere, ["Stockport workers", "Liverpool counsellors", "Brighton therapists"]
    ) == ["Brighton therapists", "Liverpool counsellors", "Stockport workers"]
    assert "Online peer group" in section(html, "Online groups")
    start = section(html, "Start a group here")
    assert 'href="/groups/start/?area=TR"' in start


def test_an_empty_region_offers_the_nearest_groups_from_its_middle(client, groups):
    html = client.get("/groups/search", {"region": "scotland"}).text
    assert "No group meets in Scotland yet" in html
    elsewhere = section(html, "Nearest groups elsewhere")
    assert names_in_order(
        elsewhere, ["Brighton therapists", "Stockport workers", "Liverpool counsellors"]
    ) == ["Liverpool counsellors", "Stockport workers", "Brighton therapists"]
    assert 'href="/groups/start/?region=scotland"' in html


def test_with_no_groups_at_all_the_page_still_offers_to_start_one(client, db):
    html = client.get("/groups/search", {"q": "EH1"}).text
    assert "No group meets within 40 miles" in html
    assert "No online group is listed yet for Scotland or the whole UK" in html
    assert "Start a group here" in html


def test_withdrawn_groups_and_groups_of_unlisted_networks_are_not_found(client, groups, network):
    groups["stockport"].approved = False
    groups["stockport"].save()
    html = client.get("/groups/search", {"q": "M1"}).text
    assert "Stockport workers" not in html
    network.approved = False
    network.save()
    html = client.get("/groups/search", {"q": "M1"}).text
    assert "Liverpool counsellors" not in html
    assert client.get(groups["liverpool"].get_absolute_url()).status_code == 404


def test_the_start_page_carries_the_place_to_the_listing_form(client, organiser, groups):
    html = client.get("/groups/start/?area=TR").text
    assert "Start a group in the TR (Truro) area" in html
    sign_in(client, organiser)
    html = client.get("/groups/start/?area=TR").text
    assert 'href="/groups/new/?area=TR"' in html
    form = client.get("/groups/new/?area=TR").text
    assert 'value="TR"' in form


def test_the_search_page_keeps_no_postcode(client, groups):
    client.get("/groups/search", {"q": "SW1A 1AA"})
    assert "SW1A" not in database_text()
