"""Answers to a polars DataFrame: one row per response, one column per question the findings read.

Speed comes from never building a Python object per answer. The JSON text of each response
goes straight from the database into polars, which decodes it in Rust against a schema built
from the instrument: PostgreSQL streams it with COPY, SQLite hands it over in large
newline-joined pages. Only the questions the indicators read are decoded; free text never is.

Columns: a single-choice or pay-band question is an Enum of its codes; a multiple-choice one a
list of that Enum; a number an Int32, null when unanswered or declined, with a Boolean
"<id>__declined" beside a sensitive one. A code the instrument does not know is refused with a
FindingsDataError rather than counted as missing.

`response_blocks` is the one reader of stored answers: the findings (here) and the microdata
exports (exports.py) both decode what it yields, each against its own schema.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from queue import Empty, Queue
from typing import TypeVar

import polars as pl
from django.db import DatabaseError, connections

from freeassoc.surveys.instrument import PREFER_NOT, Instrument

from .definitions import DECLINED_SUFFIX

# Answers are fetched and decoded a page at a time, the next page fetched while this one is
# decoded: pages bound the raw text held in memory, and are large enough for polars to
# spread the parsing of each over every core.
CHUNK_ROWS = 100_000
COPY_CHUNK_BYTES = 48 << 20

# Keys each line of JSON carries besides the answers (question ids start with a letter).
PK, DAY, SOURCE = "__pk", "__day", "__source"
META_SCHEMA = {PK: pl.Int64(), DAY: pl.Date(), SOURCE: pl.String()}


T = TypeVar("T")


class FindingsDataError(ValueError):
    """Stored answers that do not fit the instrument."""


@dataclass(frozen=True)
class Extent:
    """Which responses a frame holds, as three numbers the database can check cheaply: how
    many, the highest id and the sum of the ids. Always taken from the rows actually decoded
    (each line carries its response's id), never from a separate query that may have seen
    other rows."""

    count: int = 0
    max_pk: int = 0
    sum_pk: int = 0

    def __add__(self, other: Extent) -> Extent:
        return Extent(
            self.count + other.count, max(self.max_pk, other.max_pk), self.sum_pk + other.sum_pk
        )

    @classmethod
    def of(cls, ids: pl.Series) -> Extent:
        if ids.is_empty():
            return cls()
        return cls(ids.len(), int(ids.max()), int(ids.sum()))


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


def frame_schema(instrument: Instrument, questions: Iterable[str]) -> dict[str, pl.DataType]:
    """The columns of a finished frame, in order (the cache checks a stored frame against it)."""
    schema: dict[str, pl.DataType] = {}
    for qid, dtype in column_types(instrument, questions).items():
        schema[qid] = dtype
    for qid, dtype in column_types(instrument, questions).items():
        if isinstance(dtype, pl.Int32) and instrument.questions[qid].sensitive:
            schema[qid + DECLINED_SUFFIX] = pl.Boolean()
    return schema


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


def decode_lines(
    buffer: bytes, schema: dict[str, pl.DataType], finishing: Sequence[pl.Expr] = ()
) -> pl.DataFrame:
    """Newline-delimited JSON documents to a frame, then `finishing` applied. polars'
    streaming engine parses the buffer on every core (its eager reader uses one). Raises
    polars' own error when a document does not fit the schema."""
    query = pl.scan_ndjson(io.BytesIO(buffer or b"\n"), schema=schema)
    if finishing:
        query = query.with_columns(finishing)
    return query.collect(engine="streaming")


def _decode(buffer: bytes, schema: dict[str, pl.DataType], instrument: Instrument) -> pl.DataFrame:
    try:
        return decode_lines(buffer, schema, _finishing(instrument, schema))
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


# Reading the database -----------------------------------------------------------------------


def _line_sql(vendor: str, meta: bool) -> str:
    """The SQL expression that makes each response one line of JSON: its answers with "__pk"
    (and with meta, "__day" and "__source") put in front, so that the id travels with the
    answers through one query and one snapshot.

    PostgreSQL: jsonb's text form is compact, starts '{"' unless empty and escapes every
    newline, so plain string work is enough. SQLite holds the text Django wrote (json.dumps:
    one line); a document written any other way is first normalised by SQLite's json()."""
    if vendor == "postgresql":
        body = "answers::text"
        empty = "answers = '{}'::jsonb"
        fields = (
            f"""', "{DAY}": ' || to_json(submitted_on)::text"""
            f""" || ', "{SOURCE}": ' || to_json(source)::text"""
        )
    else:
        body = (
            """(CASE WHEN answers GLOB '{"*' AND instr(answers, char(10)) = 0 """
            "THEN answers ELSE json(answers) END)"
        )
        empty = f"{body} = '{{}}'"
        fields = f"""', "{DAY}": "' || submitted_on || '", "{SOURCE}": ' || json_quote(source)"""
    head = f"""'{{"{PK}": ' || id"""
    if meta:
        head += f" || {fields}"
    return f"{head} || CASE WHEN {empty} THEN '}}' ELSE ', ' || substr({body}, 2) END"


def _pg_blocks(
    cursor, sql: str, params: Sequence, chunk_bytes: int, rows: int | None = None
) -> Iterator[bytes]:
    """COPY ... TO STDOUT, in blocks of whole lines: about chunk_bytes each, or exactly `rows`
    lines when given. CSV with a quote and a delimiter that JSON text never contains
    unescaped (control characters), so each line is exactly the text the query made:
    newline-delimited JSON with nothing to unescape."""
    copy_sql = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
    pending = bytearray()
    lines = 0
    with cursor.copy(copy_sql, params) as copy:
        for data in copy:
            start = len(pending)
            pending += data  # a memoryview
            if rows:
                lines += pending.count(b"\n", start)
                while lines >= rows:
                    cut = 0
                    for _ in range(rows):
                        cut = pending.index(b"\n", cut) + 1
                    yield bytes(pending[:cut])
                    del pending[:cut]
                    lines -= rows
            elif len(pending) >= chunk_bytes:
                cut = pending.rindex(b"\n") + 1
                yield bytes(pending[:cut])
                del pending[:cut]
    if pending:
        yield bytes(pending)


def _sqlite_pages(
    cursor, sql: str, params: list, after_pk: int, rows: int, counted: bool
) -> Iterator[tuple[bytes, Extent | None]]:
    """Keyset pages in order of id, each joined into one newline-delimited string by SQLite
    itself: one Python object per page of answers, not one per answer. `sql` selects (id,
    line) and ends with a filter that the page's `id > %s` extends.

    counted: the lines are the stored answers as they are, and each page comes with its
    Extent, counted by the same statement that joined it. Writing the id into every line
    instead costs SQLite more than twice the work of joining the page."""
    paged = (
        "SELECT max(id), count(*), sum(id), CAST(group_concat(line, char(10)) AS BLOB) "  # noqa: S608
        f"FROM ({sql} AND id > %s ORDER BY id LIMIT {int(rows)})"
    )
    last = after_pk
    while True:
        cursor.execute(paged, [*params, last])
        top, count, total, text = cursor.fetchone()
        if not count:
            return
        if not counted:
            yield text, None
        elif text.count(b"\n") == count - 1:
            yield text, Extent(count, top, total)
        else:
            # A document with a raw newline in it (not written by Django): take this page a
            # row at a time instead.
            cursor.execute(f"{sql} AND id > %s AND id <= %s ORDER BY id", [*params, last, top])
            page = cursor.fetchall()
            ids = pl.Series([row[0] for row in page], dtype=pl.Int64)
            yield _ndjson([row[1] for row in page]), Extent.of(ids)
        last = top
        if count < rows:
            return


def _prefetched(blocks: Iterator[T]) -> Iterator[T]:
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


def _portable_pages(cursor, table: str, where: str, params: list, rows: int) -> Iterator[bytes]:
    """Any other database: a page of rows at a time, the lines made in Python."""
    cursor.execute(
        f"SELECT id, submitted_on, source, answers FROM {table} WHERE {where} ORDER BY id",  # noqa: S608
        params,
    )
    while page := cursor.fetchmany(rows):
        lines = []
        for pk, day, source, answers in page:
            doc = json.loads(answers) if isinstance(answers, str) else answers
            meta = {PK: pk, DAY: str(day), SOURCE: source}
            lines.append(json.dumps({**meta, **doc} if isinstance(doc, dict) else doc))
        yield "\n".join(lines).encode()


def response_blocks(
    survey_ids: Sequence[int],
    *,
    using: str = "default",
    after_pk: int = 0,
    meta: bool = False,
    ordered: bool = False,
    chunk_rows: int | None = None,
) -> Iterator[tuple[bytes, Extent | None]]:
    """The stored answers of the given surveys' responses with an id above `after_pk`, as
    blocks of newline-delimited JSON, one response a line. Free text comes along but is only
    decoded by a caller whose schema names it.

    Each block comes with the Extent of its responses, or None when each line carries its
    response's id as "__pk" instead (PostgreSQL always, SQLite with meta). With meta, every
    line also carries its id, day "__day" and source "__source".

    ordered: in order of id (SQLite pages always are; on PostgreSQL it costs a sort).
    chunk_rows: lines per block (by default SQLite pages of CHUNK_ROWS, PostgreSQL blocks of
    about COPY_CHUNK_BYTES). The next block is fetched while the caller works on this one."""
    from freeassoc.surveys.models import Response

    connection = connections[using]
    table = connection.ops.quote_name(Response._meta.db_table)
    ids = [int(i) for i in survey_ids]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = (
                f"SELECT {_line_sql('postgresql', meta)} FROM {table} "  # noqa: S608
                "WHERE survey_id = ANY(%s) AND id > %s" + (" ORDER BY id" if ordered else "")
            )
            pg = _pg_blocks(cursor.cursor, sql, [ids, after_pk], COPY_CHUNK_BYTES, chunk_rows)
            blocks = ((block, None) for block in pg)
        elif connection.vendor == "sqlite":
            marks = ", ".join(["%s"] * len(ids))
            line = _line_sql("sqlite", meta) if meta else "answers"
            sql = f"SELECT id, {line} AS line FROM {table} WHERE survey_id IN ({marks})"  # noqa: S608
            rows = chunk_rows or CHUNK_ROWS
            blocks = _sqlite_pages(cursor, sql, ids, after_pk, rows, counted=not meta)
        else:
            marks = ", ".join(["%s"] * len(ids))
            where = f"survey_id IN ({marks}) AND id > %s"
            portable = _portable_pages(
                cursor, table, where, [*ids, after_pk], chunk_rows or CHUNK_ROWS
            )
            blocks = ((block, None) for block in portable)
        yield from _prefetched(blocks)


def load_frame(
    survey_ids: Sequence[int],
    instrument: Instrument,
    questions: Iterable[str],
    *,
    using: str = "default",
    after_pk: int = 0,
) -> tuple[pl.DataFrame, Extent]:
    """The responses of the given surveys with an id above `after_pk`, and which they are."""
    plain = json_schema(instrument, set(questions))
    with_pk = {PK: pl.Int64(), **plain}
    finishing = _finishing(instrument, plain)
    chunks: list[pl.DataFrame] = []
    extent = Extent()
    try:
        for block, counted in response_blocks(survey_ids, using=using, after_pk=after_pk):
            try:
                chunk = decode_lines(block, plain if counted else with_pk, finishing)
            except pl.exceptions.PolarsError as exc:
                raise FindingsDataError(f"answers do not match the instrument: {exc}") from exc
            if counted is None:
                counted = Extent.of(chunk[PK])
                chunk = chunk.drop(PK)
            extent += counted
            chunks.append(chunk)
    except DatabaseError as exc:
        if "JSON" not in str(exc):
            raise
        # SQLite's json(), given stored text that is not JSON at all.
        raise FindingsDataError(f"answers are not valid JSON: {exc}") from exc
    if not chunks:
        return _decode(b"", json_schema(instrument, questions), instrument), extent
    return pl.concat(chunks, rechunk=True), extent


def frame_from_database(
    survey_ids: Sequence[int],
    instrument: Instrument,
    questions: Iterable[str],
    using: str = "default",
) -> pl.DataFrame:
    """Every response of the given surveys, straight from the database."""
    return load_frame(survey_ids, instrument, questions, using=using)[0]
