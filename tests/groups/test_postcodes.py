import pytest

from freeassoc.groups import postcodes
from freeassoc.surveys import instrument as instruments


@pytest.mark.parametrize(
    "typed, area",
    [
        ("SW1A 1AA", "SW"),
        ("m1 1ae", "M"),
        ("M11AE", "M"),
        ("  eh3 9  ", "EH"),  # an outward code, spaced oddly
        ("EH3", "EH"),
        ("M1", "M"),
        ("B33 8TH", "B"),
        ("CR2 6XH", "CR"),
        ("DN55 1PT", "DN"),
        ("BT", "BT"),
        ("bt7", "BT"),
        ("Leeds", "LS"),  # a main town, typed instead of a postcode
    ],
)
def test_a_full_postcode_an_outward_code_an_area_or_a_main_town_give_the_area(typed, area):
    assert postcodes.parse(typed).code == area


def test_an_unknown_area_is_named_in_the_message():
    with pytest.raises(postcodes.PostcodeError) as exc:
        postcodes.parse("QQ1 1AA")
    assert "We don't know the postcode area “QQ”" in str(exc.value)


@pytest.mark.parametrize("typed", ["12345", "M1 1CA", "SW1A 1AAA", "1M", "M-1", "<script>"])
def test_something_that_is_not_a_postcode_is_refused_with_a_sentence(typed):
    with pytest.raises(postcodes.PostcodeError) as exc:
        postcodes.parse(typed)
    assert "is not a postcode we recognise" in str(exc.value)


def test_nothing_typed_asks_for_a_postcode():
    with pytest.raises(postcodes.PostcodeError, match="Enter a postcode"):
        postcodes.parse("   ")


def test_the_data_has_every_uk_area_and_the_crown_dependencies_each_complete():
    areas = postcodes.areas()
    assert len(areas) == 124
    for code in ["AB", "B", "BT", "E", "EC", "G", "HS", "LD", "M", "SW", "TR", "WC", "ZE"]:
        assert code in areas
    regions = dict(postcodes.REGIONS)
    for area in areas.values():
        assert area.name
        assert area.region in regions or area.code in {"GY", "IM", "JE"}, area
        # Inside a box around the British Isles and the Channel Islands.
        assert 49.0 < area.latitude < 61.0 and -8.5 < area.longitude < 2.0, area
    assert {a.region for a in areas.values()} - {""} == set(regions)  # every region has areas


def test_the_regions_are_the_survey_questionnaires_own():
    question = instruments.get("surviving-work", 1).questions["region"]
    assert postcodes.REGIONS == [(o.code, o.label) for o in question.options]


def test_the_data_says_where_it_comes_from_and_its_licence():
    readme = (postcodes.DATA.parent / "README.md").read_text()
    assert "Royal Mail" in readme and "CC0" in readme
    assert "approximate" in readme


def test_distances_are_plausible_and_put_manchester_nearer_liverpool_than_brighton():
    a = postcodes.areas()
    manchester = postcodes.area_place(a["M"])
    to_liverpool = postcodes.miles_between(manchester, a["L"])
    to_brighton = postcodes.miles_between(manchester, a["BN"])
    assert 25 < to_liverpool < 40
    assert 190 < to_brighton < 240
    assert postcodes.miles_between(postcodes.area_place(a["EH"]), a["G"]) == pytest.approx(
        42, abs=6
    )


def test_an_organisers_list_of_areas_is_read_generously_and_checked_strictly():
    assert postcodes.parse_area_list("m, sk  OL14; M") == ["M", "SK", "OL"]
    with pytest.raises(postcodes.PostcodeError) as exc:
        postcodes.parse_area_list("M QQ XY")
    assert "“QQ”, “XY”" in str(exc.value)
