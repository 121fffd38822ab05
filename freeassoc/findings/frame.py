"""Answers to a polars DataFrame: one row per response, one column per question the findings read.

Speed comes from never building a Python object per answer. The JSON text of each response
goes straight from the database into polars, which decodes it in Rust against a schema built
from the instrument: PostgreSQL streams it with COPY, SQLite hands it over in large
newline-joined chunks. Only the questions the indicators read are decoded; free text never is.

Columns: a single-choice or pay-band question is an Enum of its codes; a multiple-choice one a
list of that Enum; a number an Int32, null when unanswered or declined, with a Boolean
"<id>__declined" beside a sensitive one. A code the instrument does not know is refused with a
FindingsDataError rather than counted as missing.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from queue import Empty, Queue

import polars as pl
from django.db import connections

from freeassoc.surveys.instrument import PREFER_NOT, Instrument

from .definitions import DECLINED_SUFFIX

# Answers are fetched and decoded a page at a time, the next page fetched while this one is
# decoded: pages bound the raw text held in memory, and are large enough for polars to
# spread the parsing of each over every core.
CHUNK_ROWS = 100_000
COPY_CHUNK_BYTES = 48 << 20


class FindingsDataError(ValueError):
    """Stored answers that do not fit the instrument."""


def column_types(instrument: Instrument, questions: Iterable[str]) -> dict[str, pl.DataType]:
    """The frame's type for each question."""
    types: dict[str, pl.DataType] = {}
    for qid in sorted(questions):
        q = instrument.questions[qid]
        if q.type == "number":
            types[qid] = pl.Int32()
        elif q.type == "multiple":
            types[qid] = pl.List(pl.Enum([code for code, _ in q.choices]))
        elif q.type in {"single", "pay_band"}:
            types[qid] = pl.Enum([code for code, _ in q.choices])
        else:
            raise ValueError(f"'{qid}' is free text, which the findings never read")
    return types


def json_schema(instrument: Instrument, questions: Iterable[str]) -> dict[str, pl.DataType]:
    """What the JSON is first decoded to. Numbers come in as text (an int, or "prefer_not").
    Multiple-choice answers come in as their raw JSON text too, and are decoded to lists in a
    second pass, a column at a time: in polars that is more than twice as fast as building the
    lists while reading the documents."""
    return {
        qid: pl.String() if isinstance(t, pl.List | pl.Int32) else t
        for qid, t in column_types(instrument, questions).items()
    }


def _finishing(instrument: Instrument, columns: Iterable[str]) -> list[pl.Expr]:
    """From the JSON schema's types to the frame's: numbers cast (noting "prefer_not"),
    multiple-choice answers decoded to lists of codes."""
    exprs = []
    for qid, dtype in column_types(instrument, columns).items():
        q = instrument.questions[qid]
        if q.type == "number":
            if q.sensitive:
                declined = (pl.col(qid) == PREFER_NOT).fill_null(False)
                exprs.append(declined.alias(qid + DECLINED_SUFFIX))
            exprs.append(pl.col(qid).cast(pl.Int32, strict=False))
        elif q.type == "multiple":
            exprs.append(pl.col(qid).str.json_decode(dtype))
    return exprs


def _decode(buffer: bytes, schema: dict[str, pl.DataType], instrument: Instrument) -> pl.DataFrame:
    """Newline-delimited JSON documents to a finished frame. polars' streaming engine parses
    the buffer on every core (its eager reader uses one)."""
    query = pl.scan_ndjson(io.BytesIO(buffer or b"\n"), schema=schema)
    try:
        return query.with_columns(_finishing(instrument, schema)).collect(engine="streaming")
    except pl.exceptions.PolarsError as exc:
        raise FindingsDataError(f"answers do not match the instrument: {exc}") from exc


def _ndjson(texts: list[str]) -> bytes:
    """JSON texts joined one to a line. Django writes JSONField values with json.dumps, which
    never leaves a raw newline in a document; one written some other way is rewritten first."""
    texts = [json.dumps(json.loads(t)) if "\n" in t else t for t in texts]
    return "\n".join(texts).encode()


def frame_from_json(
    texts: Iterable[str], instrument: Instrument, questions: Iterable[str]
) -> pl.DataFrame:
    """From JSON texts, one per response (as the JSONField stores them)."""
    schema = json_schema(instrument, questions)
    texts = texts.to_list() if isinstance(texts, pl.Series) else list(texts)
    return _decode(_ndjson(texts), schema, instrument)


def frame_from_answers(
    answers: Iterable[dict], instrument: Instrument, questions: Iterable[str]
) -> pl.DataFrame:
    """From answer dicts. Through JSON on purpose: one decoding path for every source."""
    return frame_from_json([json.dumps(a) for a in answers], instrument, questions)


def _pg_blocks(cursor, sql: str, params: Sequence) -> Iterator[bytes]:
    """COPY ... TO STDOUT, in blocks of whole lines. CSV with a quote and a delimiter that JSON
    text never contains unescaped (control characters), so each line is exactly the jsonb's
    text -- newline-delimited JSON with nothing to unescape. jsonb's text form escapes every
    newline inside a string, so a newline only ever ends a document."""
    copy_sql = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
    pending = bytearray()
    with cursor.copy(copy_sql, params) as copy:
        for data in copy:
            pending += data
            if len(pending) >= COPY_CHUNK_BYTES:
                cut = pending.rindex(b"\n") + 1
                yield bytes(pending[:cut])
                del pending[:cut]
    if pending:
        yield bytes(pending)


def _sqlite_pages(cursor, table: str, ids: Sequence[int]) -> Iterator[bytes]:
    """Keyset pages of responses, each joined into one newline-delimited string by SQLite
    itself: one Python object per page of answers, not one per answer."""
    marks = ", ".join(["%s"] * len(ids))
    where = f"survey_id IN ({marks}) AND id > %s"
    sql = (
        f"SELECT max(id), count(*), CAST(group_concat(answers, char(10)) AS BLOB) FROM ("  # noqa: S608
        f"SELECT id, answers FROM {table} WHERE {where} ORDER BY id LIMIT {CHUNK_ROWS})"
    )
    last = 0
    while True:
        cursor.execute(sql, [*ids, last])
        top, count, text = cursor.fetchone()
        if not count:
            return
        if text.count(b"\n") == count - 1:
            yield text
        else:
            # A document with a raw newline in it (not written by Django): take this page a
            # row at a time instead.
            cursor.execute(
                f"SELECT answers FROM {table} WHERE {where} AND id <= %s",  # noqa: S608
                [*ids, last, top],
            )
            yield _ndjson([row[0] for row in cursor.fetchall()])
        last = top
        if count < CHUNK_ROWS:
            return


def _prefetched(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """Fetch the next block in a thread while the caller decodes this one: the database
    driver and polars both release the GIL, so on two cores the two overlap."""
    done, stop = object(), threading.Event()
    queue: Queue = Queue(maxsize=1)

    def produce() -> None:
        try:
            for block in blocks:
                if stop.is_set():
                    return
                queue.put(block)
            queue.put(done)
        except BaseException as exc:  # handed to the consumer, which raises it
            queue.put(exc)

    thread = threading.Thread(target=produce, name="findings-fetch", daemon=True)
    thread.start()
    try:
        while (item := queue.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        # If the caller stopped early, free a producer waiting to hand over a block.
        stop.set()
        while thread.is_alive():
            try:
                queue.get(timeout=0.05)
            except Empty:
                pass
        thread.join()


def _portable_pages(cursor, table: str, ids: Sequence[int]) -> Iterator[bytes]:
    """Any other database: a page of text values at a time."""
    marks = ", ".join(["%s"] * len(ids))
    cursor.execute(f"SELECT answers FROM {table} WHERE survey_id IN ({marks})", ids)  # noqa: S608
    while rows := cursor.fetchmany(CHUNK_ROWS):
        yield _ndjson([r[0] if isinstance(r[0], str) else json.dumps(r[0]) for r in rows])


def frame_from_database(
    survey_ids: Sequence[int],
    instrument: Instrument,
    questions: Iterable[str],
    using: str = "default",
) -> pl.DataFrame:
    """Every response of the given surveys, straight from the database."""
    from freeassoc.surveys.models import Response

    questions = set(questions)
    schema = json_schema(instrument, questions)
    connection = connections[using]
    table = connection.ops.quote_name(Response._meta.db_table)
    ids = [int(i) for i in survey_ids]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The whole document: taking keys out in the database costs more than parsing
            # them. Free text comes along but is never decoded (it is not in the schema).
            sql = f"SELECT answers::text FROM {table} WHERE survey_id = ANY(%s)"  # noqa: S608
            blocks = _pg_blocks(cursor.cursor, sql, [ids])
        elif connection.vendor == "sqlite":
            blocks = _sqlite_pages(cursor, table, ids)
        else:
            blocks = _portable_pages(cursor, table, ids)
        chunks = [_decode(block, schema, instrument) for block in _prefetched(blocks)]
    return pl.concat(chunks, rechunk=True) if chunks else _decode(b"", schema, instrument)
