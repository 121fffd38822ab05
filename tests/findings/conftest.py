import pytest

from freeassoc.findings import definitions, engine, frame
from freeassoc.findings.synthetic import generate_answers

SIZE, SEED = 1500, 2017


@pytest.fixture(scope="session")
def indicator_set():
    return definitions.available()["surviving-work@1"]


@pytest.fixture(scope="session")
def answers():
    return generate_answers(SIZE, SEED)


@pytest.fixture(scope="session")
def report(answers, indicator_set):
    answers_frame = frame.frame_from_answers(
        answers, indicator_set.instrument, indicator_set.questions
    )
    return engine.compute(answers_frame, indicator_set)


def compute(answers, indicator_set, **options):
    return engine.compute(
        frame.frame_from_answers(answers, indicator_set.instrument, indicator_set.questions),
        indicator_set,
        **options,
    )
