"""100 respondents at once against the real `freeassoc serve`, on PostgreSQL and on SQLite.

Before the fix, `serve` forked gunicorn's workers with the parent's database connection still
open: on PostgreSQL about a quarter of page POSTs answered 500 (one worker read another's
result) and on SQLite a connection crossing fork() can corrupt the file.
"""

import collections
import contextlib
import sqlite3

import pytest

from .conftest import Server, open_survey, postgres_database, server_env, sqlite_url
from .respondents import direct, run_respondents, same_answers

RESPONDENTS = 100


def stored_answer_sets(alias: str, survey_id: int) -> list[dict]:
    """Every answer set the survey has stored: its responses, and the answers still held until
    at least k can be added together (docs/privacy.md). The one place that knows where answers
    live."""
    from freeassoc.surveys.models import HeldAnswers, Response

    return [
        answers
        for model in (Response, HeldAnswers)
        for answers in model.objects.using(alias)
        .filter(survey_id=survey_id)
        .values_list("answers", flat=True)
    ]


def check_stored_exactly_once(alias: str, survey_id: int, outcomes, *, all_acknowledged=True):
    """Every answer set the client saw acknowledged is stored exactly once, with the answers
    it sent; nothing is stored twice or that nobody sent. Returns the stored count."""
    stored = stored_answer_sets(alias, survey_id)
    by_marker = collections.defaultdict(list)
    sent = {o.marker: o for o in outcomes}
    for answers in stored:
        marker = next(
            (v.removeprefix("system test ") for v in answers.values()
             if isinstance(v, str) and v.startswith("system test ") and v != "system test"),
            None,
        )  # fmt: skip
        by_marker[marker].append(answers)
    assert None not in by_marker, "an answer set without any respondent's marker"
    assert set(by_marker) <= set(sent), "answer sets that no respondent sent"
    doubled = [m for m, sets in by_marker.items() if len(sets) > 1]
    assert not doubled, f"stored more than once: {doubled}"
    for marker, outcome in sent.items():
        if outcome.acknowledged:
            assert marker in by_marker, f"acknowledged but lost: {marker}"
        if marker in by_marker:
            assert outcome.submit_sent, f"stored without being sent: {marker}"
            assert same_answers(outcome.expected, by_marker[marker][0]), marker
    if all_acknowledged:
        assert len(stored) == len(outcomes)
    return len(stored)


def assert_no_errors(outcomes) -> None:
    errors = [e for o in outcomes for e in o.errors + o.retried]
    assert not errors, f"{len(errors)} failed requests, first: {errors[:5]}"
    assert all(o.acknowledged for o in outcomes)


@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
def test_a_hundred_concurrent_respondents_are_each_stored_once(database, tmp_path, served_database):
    with postgres_database() if database == "postgresql" else contextlib.nullcontext() as url:
        env = server_env(tmp_path, url)
        server = Server(env, tmp_path).start()
        try:
            alias = served_database(url or sqlite_url(tmp_path))
            survey_id, slug = open_survey(alias)
            outcomes = run_respondents(direct(server.port), slug, RESPONDENTS, run="load")
        finally:
            server.stop()
        log = server.log()
        assert "Traceback" not in log, log[log.find("Traceback") :][:3000]
        assert log.count("Serving on") == 1  # nothing buffered before the fork is written twice
        assert_no_errors(outcomes)
        assert check_stored_exactly_once(alias, survey_id, outcomes) == RESPONDENTS
        if database == "sqlite":
            with sqlite3.connect(sqlite_url(tmp_path).removeprefix("sqlite:///")) as db:
                assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
