"""Cell-key noise and the audit's linear program, before releases use them (issue 10)."""

import copy

import pytest

from freeassoc.findings import audit, disclosure
from freeassoc.findings.engine import ALL

from .conftest import compute


def _counts(findings):
    """(indicator, role, breakdown, group) -> published count, for every shown count."""
    out = {}
    for ind in findings["indicators"]:
        cells = [("", None, ind)] + [
            (q, c["code"], c) for q, b in ind["breakdowns"].items() for c in b["cells"]
        ]
        for q, code, cell in cells:
            for role in ("count", "base"):
                if cell.get(role) is not None:
                    out[(ind["id"], role, q, code)] = cell[role]
    return out


@pytest.fixture(scope="module")
def keyed(answers, indicator_set):
    return compute(answers, indicator_set, cell_keys=True)


def test_noise_needs_cell_keys(report):
    with pytest.raises(ValueError, match="cell_keys"):
        disclosure.publish(report, perturbed=True)


def test_noise_is_the_same_for_the_same_people_and_small(keyed):
    report = keyed
    first = _counts(disclosure.publish(report, perturbed=True))
    again = _counts(disclosure.publish(report, perturbed=True))
    exact = _counts(disclosure.publish(report, live=True))
    assert first == again  # reading twice gives nothing new
    moved = [key for key, value in first.items() if value != exact[key]]
    assert moved, "no published count carries any noise"
    assert all(abs(first[key] - exact[key]) <= 1 for key in first)
    # Noise never takes a shown count under k: that would say it went down.
    assert all(value >= 10 for value in first.values() if value)


def test_one_more_respondent_cannot_be_read_off_by_differencing(answers, indicator_set):
    before = compute(answers, indicator_set, cell_keys=True)
    after = compute(answers + answers[:1], indicator_set, cell_keys=True)
    true_before = _counts(disclosure.publish(before, live=True))
    true_after = _counts(disclosure.publish(after, live=True))
    shown_before = _counts(disclosure.publish(before, perturbed=True))
    shown_after = _counts(disclosure.publish(after, perturbed=True))
    grew = [k for k in shown_before if k in shown_after and true_after[k] == true_before[k] + 1]
    assert grew
    # Exact counts would go up by one in every cell the newcomer is in, and give them away.
    assert any(shown_after[k] - shown_before[k] != 1 for k in grew)


def test_the_audit_finds_a_cell_that_subtraction_pins(report):
    structure = audit.Structure.of(report)
    exact = disclosure.publish(report, live=True)
    naive = copy.deepcopy(exact)
    region = naive["indicators"][0]["breakdowns"]["region"]["cells"]
    target = max(range(len(region)), key=lambda i: region[i]["count"] or 0)
    region[target]["count"] = None  # one hidden cell in a breakdown that adds up to its total
    naive["k"] = 0  # it shows counts under 10 too
    size = int(report.sets.counts[report.sets.index[ALL], 0])
    release = audit.Published(findings=naive, parts={1: size})
    result = audit.audit(structure, release, [], report.sets.counts, k=10, noise=1)
    assert result.checked == 1
    ((low, high),) = result.ranges.values()
    assert high - low < 10  # the other cells and the total pin it to within the noise
    assert len(result.unprotected) == 1


def test_record_keys_depend_on_the_site_secret(answers, indicator_set, settings):
    """Someone who knows a response's answers (their own, sent through the open link) cannot
    work out its record key, and so its noise, without the site's secret."""
    from freeassoc.findings import cellkey, frame

    rows = frame.frame_from_answers(answers, indicator_set.instrument, indicator_set.questions)
    ours = cellkey.record_keys(rows).to_numpy()
    settings.SECRET_KEY = "another site's secret" * 3
    theirs = cellkey.record_keys(rows).to_numpy()
    # Keys under a different secret agree no more often than chance (1 in 256).
    assert (ours == theirs).mean() < 0.02
    assert len(set(ours.tolist())) > 200  # and they spread over the 256 keys
