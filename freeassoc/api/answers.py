"""Checking a whole questionnaire posted through the API, with the web form's own rules.

Each page of the instrument is checked with the same PageForm a respondent's browser posts to,
in order, so that skip logic sees the answers given so far; the form's messages are the API's
messages. What the web form cannot be sent (an unknown question, an answer of the wrong JSON
type, an answer to a question that skip logic hides) is refused here with a sentence, rather
than dropped, so an integration learns what it got wrong.
"""

from __future__ import annotations

from typing import Any

from django.http import QueryDict

from freeassoc.surveys.forms import PageForm
from freeassoc.surveys.instrument import PREFER_NOT, Instrument, Question


class AnswersInvalid(Exception):
    def __init__(self, errors: list[dict[str, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{e['question']}: {e['message']}" for e in errors))


def _type_error(q: Question, value: Any) -> str | None:
    """The JSON shape each question type takes, or a sentence saying what was wrong."""
    if q.type in {"single", "pay_band"}:
        ok = isinstance(value, str)
        return None if ok else "Give one of the question's codes, as a string."
    if q.type == "multiple":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return None if ok else "Give a list of the question's codes, as strings."
    if q.type == "number":
        if q.sensitive and value == PREFER_NOT:
            return None
        ok = isinstance(value, int) and not isinstance(value, bool)
        extra = f' or "{PREFER_NOT}"' if q.sensitive else ""
        return None if ok else f"Give a whole number from {q.min} to {q.max}{extra}."
    ok = isinstance(value, str)
    return None if ok else "Give the answer as a string."


def _form_data(questions, raw: dict[str, Any], errors: list[dict[str, str]]) -> QueryDict:
    """The page's answers as the browser would post them."""
    data = QueryDict(mutable=True)
    for q in questions:
        value = raw.get(q.id)
        if value is None:
            continue
        if message := _type_error(q, value):
            errors.append({"question": q.id, "message": message})
        elif q.type == "multiple":
            data.setlist(q.id, value)
        elif q.type == "number" and value == PREFER_NOT:
            data[f"{q.id}__{PREFER_NOT}"] = "on"
        else:
            data[q.id] = str(value)
    return data


def validate_answers(instrument: Instrument, raw: dict[str, Any]) -> dict[str, Any]:
    """The answers in storage form (as the web form would store them), or AnswersInvalid."""
    errors: list[dict[str, str]] = []
    for qid in raw:
        if qid not in instrument.questions:
            errors.append({"question": qid, "message": "There is no such question."})
    answers: dict[str, Any] = {}
    for page in instrument.pages:
        if not page.visible(answers):
            continue
        typed_errors: list[dict[str, str]] = []
        form = PageForm(
            _form_data(page.questions, raw, typed_errors),
            page=page,
            instrument=instrument,
            answers=answers,
        )
        errors.extend(typed_errors)
        wrong_type = {e["question"] for e in typed_errors}
        if form.is_valid():
            answers.update({k: v for k, v in form.answers_out().items() if v is not None})
            continue
        for field, messages in form.errors.items():
            qid = field.split("__")[0] if field != "__all__" else page.id
            if qid not in wrong_type:
                errors.extend({"question": qid, "message": m} for m in messages)
        # Carry on with what did validate, so later pages are checked against it too.
        answers.update(form.valid_part())
    answers = instrument.prune(answers)
    for qid, value in raw.items():
        if qid in instrument.questions and value is not None and qid not in answers:
            if not any(e["question"] == qid for e in errors):
                errors.append(
                    {
                        "question": qid,
                        "message": "This question is not asked, given the other "
                        "answers (skip logic), so it cannot be answered.",
                    }  # fmt: skip
                )
    for q in instrument.missing_required(answers):
        if not any(e["question"] == q.id for e in errors):
            errors.append({"question": q.id, "message": "This question needs an answer."})
    if errors:
        raise AnswersInvalid(errors)
    return answers
