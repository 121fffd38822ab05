"""Statistical disclosure control, tested by attacking what it publishes.

The attackers (tests/findings/attacks.py) read only the published output and what anyone can
work out from the definitions. Each attack is first run against a naive protection that hides
small counts and nothing more, and must break it: otherwise a clean result would prove
nothing.
"""

import pytest

from freeassoc.findings import disclosure
from freeassoc.findings.synthetic import generate_answers

from . import attacks
from .conftest import compute

K = 10


@pytest.fixture(scope="module")
def published(report):
    return disclosure.publish(report, k=K)


@pytest.fixture(scope="module")
def naive(report):
    return attacks.primary_only(report, K)


@pytest.fixture(scope="module")
def truth(answers, indicator_set):
    return attacks.true_bases(answers, tuple(b.question for b in indicator_set.breakdowns))


@pytest.fixture(scope="module")
def small(indicator_set):
    """A small survey at a higher threshold: most cells are at risk."""
    answers = generate_answers(400, 41)
    report = compute(answers, indicator_set)
    truth = attacks.true_bases(answers, tuple(b.question for b in indicator_set.breakdowns))
    return answers, report, disclosure.publish(report, k=20), truth


def test_subtracting_shown_cells_from_the_total_recovers_nothing(published, naive, small):
    assert attacks.subtraction(naive, K), "the attack should break the naive protection"
    assert attacks.subtraction(published, K) == []
    assert attacks.subtraction(small[2], 20) == []


def test_differencing_the_breakdowns_of_an_indicator_pins_nothing(published, naive, small, truth):
    weak = {leak[0] for leak in attacks.subtraction(naive, K)[:2]}
    assert attacks.breakdown_lp(naive, K, truth, only=weak), "should break the naive protection"
    assert attacks.breakdown_lp(published, K, truth, per_indicator=3) == []
    assert attacks.breakdown_lp(small[2], 20, small[3], per_indicator=2) == []


def test_differencing_nested_groups_exposes_no_small_group(answers, published, naive, small):
    assert attacks.nested_differences(naive, answers, K), "should break the naive protection"
    assert attacks.nested_differences(published, answers, K) == []
    assert attacks.nested_differences(small[2], small[0], 20) == []


def test_the_breakdown_of_a_difference_gives_nothing_away(answers, published, naive, small):
    assert attacks.nested_margins(naive, answers, K), "should break the naive protection"
    assert attacks.nested_margins(published, answers, K) == []
    assert attacks.nested_margins(small[2], small[0], 20) == []


def test_everything_at_once_pins_nothing(answers, published, naive, small, truth):
    weak = [
        leak[:4] for leak in attacks.subtraction(naive, K) if leak[3] != "hidden cells add up to"
    ]
    leaks = attacks.joint_lp(naive, answers, K, truth, targets=weak[:3])
    assert leaks, "the attack should break the naive protection"
    assert attacks.joint_lp(published, answers, K, truth, sample=30) == []
    assert attacks.joint_lp(small[2], small[0], 20, small[3], sample=30) == []


def _all_cells(published):
    for ind in published["indicators"]:
        for _question, _code, cell in attacks.cells(ind):
            yield ind, cell


@pytest.mark.parametrize("k", [5, 10, 20])
def test_no_shown_count_is_under_k_unless_its_group_is_empty(report, k):
    published = disclosure.publish(report, k=k)
    people = {(q, code): c["base"] for q, code, c in attacks.cells(published["indicators"][0])}
    assert published["indicators"][0]["denominator_label"] == "all respondents"
    for ind, question, code, cell in _all_cells_with_groups(published):
        for role in attacks.roles(ind):
            if cell[role] is not None and cell[role] < k:
                assert cell["base"] == 0 and people[(question, code)] == 0, (ind["id"], code)
        if ind["kind"] == "proportion" and cell["count"] is not None and cell["base"]:
            assert cell["base"] - cell["count"] >= k


def _all_cells_with_groups(published):
    for ind in published["indicators"]:
        for question, code, cell in attacks.cells(ind):
            yield ind, question, code, cell


def test_a_higher_threshold_hides_more(report):
    def hidden(k):
        return sum(c["suppressed"] for _, c in _all_cells(disclosure.publish(report, k=k)))

    assert hidden(5) < hidden(10) < hidden(20)


def test_suppressed_cells_say_so_and_show_nothing(published):
    seen = 0
    for _ind, cell in _all_cells(published):
        if cell["suppressed"]:
            seen += 1
            assert cell["count"] is None and cell["percent"] is None
            assert cell["ci_low"] is None and cell["ci_high"] is None
    assert seen > 0


def test_no_percentage_on_a_base_under_30(published, small):
    for out in (published, small[2]):
        for _ind, cell in _all_cells(out):
            if cell["percent"] is not None:
                assert cell["base"] >= 30
            if cell.get("value_label") is not None:
                assert cell["base"] >= 30
    assert any(c["base"] is not None and 0 < c["base"] < 30 for _, c in _all_cells(small[2]))


def test_a_region_with_three_people_is_hidden_along_with_another(indicator_set):
    answers = generate_answers(300, 4)
    for a in answers:
        a["region"] = "london"
    for a in answers[:150]:
        a["region"] = "south_east"
    for a in answers[:3]:
        a["region"] = "northern_ireland"
    out = disclosure.publish(compute(answers, indicator_set), k=K)
    nhs = next(i for i in out["indicators"] if i["id"] == "nhs_any")
    cells = {c["code"]: c for c in nhs["breakdowns"]["region"]["cells"]}
    assert cells["northern_ireland"]["suppressed"] and cells["northern_ireland"]["base"] is None
    assert sum(c["suppressed"] for c in cells.values() if c["base"] != 0) >= 2
    assert cells["wales"] == {**cells["wales"], "count": 0, "base": 0, "suppressed": False}
    assert attacks.subtraction(out, K) == []


def test_a_comparison_with_a_small_cell_is_withheld_whole(indicator_set, answers):
    from .published import iapt_within

    few = [a for a in answers if not iapt_within(a)][:200] + [a for a in answers if iapt_within(a)][
        :12
    ]
    out = disclosure.publish(compute(few, indicator_set), k=K)
    comparison = next(c for c in out["comparisons"] if c["id"] == "concerns_care_iapt_vs_rest")
    assert comparison["suppressed"]
    assert comparison["rows"] == [] and comparison["p_value"] is None and comparison["test"] is None


def test_a_public_output_has_only_the_predefined_breakdowns(published, indicator_set):
    expected = [b.question for b in indicator_set.breakdowns]
    for ind in published["indicators"]:
        assert list(ind["breakdowns"]) == expected
        for breakdown in ind["breakdowns"].values():
            assert breakdown["cells"][-1]["code"] == "not_stated"


def test_a_survey_smaller_than_k_shows_no_counts(indicator_set, answers):
    out = disclosure.publish(compute(answers[:8], indicator_set), k=K)
    assert out["respondents"] is None
    for ind, cell in _all_cells(out):
        assert cell["count"] in (None, 0) and cell["percent"] is None, ind["id"]
