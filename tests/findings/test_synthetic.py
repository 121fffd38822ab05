"""The demo answers are answers the questionnaire could have produced, and say they are made up."""

import json
from collections import Counter

import pytest

from freeassoc.findings.synthetic import generate_answers, generate_json
from freeassoc.surveys import instrument as instruments
from freeassoc.surveys.instrument import PREFER_NOT

INSTRUMENT = instruments.get("surviving-work", 1)


def problems(answers: dict) -> list[str]:
    """Everything wrong with one answer dict, judged against the instrument alone."""
    found = []
    questions = INSTRUMENT.questions
    for qid, value in answers.items():
        q = questions.get(qid)
        if q is None:
            found.append(f"{qid}: not a question")
            continue
        if q.type in {"single", "pay_band"}:
            if not isinstance(value, str) or value not in q.codes:
                found.append(f"{qid}: {value!r} is not a code")
        elif q.type == "multiple":
            if not isinstance(value, list) or not value or len(set(value)) != len(value):
                found.append(f"{qid}: {value!r} is not a list of distinct codes")
            elif unknown := set(value) - q.codes:
                found.append(f"{qid}: unknown codes {unknown}")
            exclusive = {o.code for o in q.options if o.exclusive}
            if len(value) > 1 and exclusive & set(value):
                found.append(f"{qid}: an exclusive option ticked with others: {value}")
        elif q.type == "number":
            if value == PREFER_NOT:
                if not q.sensitive:
                    found.append(f"{qid}: prefer_not on a question that does not offer it")
            elif (
                not isinstance(value, int) or isinstance(value, bool) or not q.min <= value <= q.max
            ):
                found.append(f"{qid}: {value!r} is not a whole number in {q.min}..{q.max}")
        elif q.type == "text":
            if not isinstance(value, str) or not value or len(value) > q.max_length:
                found.append(f"{qid}: bad text")
    found += [f"{q.id}: required but missing" for q in INSTRUMENT.missing_required(answers)]
    if INSTRUMENT.prune(answers) != answers:
        hidden = set(answers) - set(INSTRUMENT.prune(answers))
        found.append(f"answers to questions skip logic hides: {sorted(hidden)}")
    return found


@pytest.fixture(scope="module")
def many():
    return generate_answers(5000, 99)


def test_every_synthetic_answer_is_valid_against_the_instrument(answers, many):
    wrong = {i: p for i, a in enumerate([*answers, *many]) if (p := problems(a))}
    assert not wrong, list(wrong.items())[:5]


def test_the_validator_catches_what_it_should():
    good = generate_answers(60, 1)[0]
    assert problems(good) == []
    assert problems({**good, "nhs_work": "sometimes"})
    assert problems({**good, "roles": ["none", "lead"]})
    assert problems({**good, "age": 12})
    assert problems({**good, "unpaid_hours": PREFER_NOT})  # not a sensitive question
    assert problems({k: v for k, v in good.items() if k != "hours"})
    assert problems({**good, "honorary": "no", "honorary_sector": "nhs"})


def test_skip_logic_is_respected(many):
    iapt = {"employed", "subcontracted", "sessional", "honorary"}
    for a in many:
        assert ("iapt_postgrad_before" in a) == (a["iapt_relation"] in iapt)
        assert "nhs_band" not in a or a["nhs_work"] in {"direct", "contracted"}
        assert ("honorary_sector" in a) == (a["honorary"] == "yes")


def test_the_same_seed_gives_the_same_answers_and_another_seed_does_not():
    assert generate_answers(300, 5) == generate_answers(300, 5)
    assert generate_answers(300, 5) != generate_answers(300, 6)


def test_the_json_fast_path_writes_what_json_dumps_writes():
    answers = generate_answers(2000, 3)
    texts = generate_json(2000, 3).to_list()
    assert texts == [json.dumps(a) for a in answers]


def test_free_text_is_rare_and_obviously_synthetic(many):
    comments = [a["comments"] for a in many if "comments" in a]
    assert 0 < len(comments) < 0.1 * len(many)
    assert all(c.startswith("[Synthetic demo answer]") for c in comments)


def test_breakdowns_have_a_realistic_spread(many):
    for question, at_least in [("region", 12), ("sector", 6), ("profession", 11)]:
        seen = Counter(a.get("region" if question == "region" else question) for a in many)
        assert len([code for code in seen if code not in (None, PREFER_NOT)]) >= at_least
        assert max(seen.values()) < 0.6 * len(many), question


def test_answers_hang_together(many):
    def share(condition, within):
        base = [a for a in many if within(a)]
        return sum(1 for a in base if condition(a)) / len(base)

    # NHS employees mostly name an NHS employer; self-employed employers hold self-employed
    # contracts; honoraries mostly hold honorary contracts and take home little.
    assert share(lambda a: a["employer"] == "nhs", lambda a: a["nhs_work"] == "direct") > 0.8
    assert (
        share(
            lambda a: a["contract"] == "self_employed", lambda a: a["employer"] == "self_employed"
        )
        == 1
    )
    assert share(lambda a: a["contract"] == "honorary", lambda a: a["honorary"] == "yes") > 0.6
    low = {"under_100", "p100_199", "p200_299"}
    assert share(lambda a: a.get("weekly_pay") in low, lambda a: a["honorary"] == "yes") > 0.5
    assert (
        share(
            lambda a: a["best_improvement"] == "retire", lambda a: a.get("age", 0) in range(58, 91)
        )
        > 0.6
    )


def test_tiny_surveys_are_refused():
    with pytest.raises(ValueError, match="at least 50"):
        generate_answers(10)
