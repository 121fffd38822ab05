"""What changes state in imports: check a file, import it whole or not at all, withdraw a batch.

These are the functions the web pages, the `import-responses` command and the REST API call;
their signatures are kept stable:

    dry_run(survey, path, mapping_text, *, filename="") -> DryRunReport
    run_import(survey, path, mapping_text, *, user, filename, progress=None) -> ImportBatch
    import_prepare(survey, mapping_text, *, user, filename) -> ImportBatch     (queued)
    import_execute(batch, path, *, progress=None) -> ImportBatch               (runs it)
    withdraw(batch, *, user) -> int                                            (rows deleted)

`progress`, if given, is called as progress(rows_done, rows_total) after each chunk.
Bad input raises MappingError (the mapping; names its line), ReadError (the file) or
ImportRefused (the data has problems; carries the DryRunReport). Each message is a sentence
that can be shown as it is.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from freeassoc.core import spreadsheets
from freeassoc.findings import cache as findings_cache
from freeassoc.orgs.models import AuditEvent
from freeassoc.orgs.services import audit_record
from freeassoc.surveys.models import Response, Survey

from . import mapping as mappings
from . import readers, recode
from .mapping import MappingError  # noqa: F401 - part of this module's interface
from .models import ImportBatch
from .readers import ReadError  # noqa: F401 - part of this module's interface

Progress = Callable[[int, int], None]

# Rows per INSERT batch or COPY write: large enough that per-statement cost vanishes, small
# enough that the text of one chunk stays a few tens of megabytes.
CHUNK_ROWS = 50_000
# An import of a million rows takes about a minute; one run by the command line or the API
# still "running" after this long was cut off and, its transaction never committed, wrote
# nothing.
ABANDONED_AFTER = datetime.timedelta(hours=2)


class ImportRefused(ValueError):
    """The data has problems the dry run lists: nothing was written."""

    def __init__(self, report: DryRunReport):
        self.report = report
        count = report.problem_count
        super().__init__(
            f"The file has {count:,} problem{'s' if count != 1 else ''} (a dry run lists "
            "them by row); nothing was imported."
        )


@dataclass(frozen=True)
class DryRunReport:
    filename: str
    rows: int  # rows that would become responses
    blank_rows: int  # wholly empty rows, skipped
    row_word: str  # "row" (CSV, Excel: as a spreadsheet numbers them) or "case" (SPSS)
    problems: pl.DataFrame  # row (null: the whole file), column, value, kind, problem

    @property
    def ok(self) -> bool:
        return self.problems.height == 0

    @property
    def problem_count(self) -> int:
        return self.problems.height

    @property
    def rows_with_problems(self) -> int:
        return self.problems["row"].drop_nulls().n_unique()

    def counts(self) -> list[tuple[str, int]]:
        """(kind, how many) for each kind of problem found, in a fixed order."""
        found = dict(self.problems.group_by("kind").len().iter_rows())
        return [(kind, found[kind]) for kind in recode.KINDS if kind in found]

    def items(self, limit: int | None = None, offset: int = 0) -> list[dict]:
        """Problems as dicts with a sentence each ('where', 'text'), in row order."""
        part = self.problems.slice(offset, limit)
        out = []
        for p in part.iter_rows(named=True):
            where = (
                f"{self.row_word.capitalize()} {p['row']}" if p["row"] is not None else "The file"
            )
            value = "" if p["value"] is None else f"'{p['value']}' "
            out.append(
                {**p, "where": where, "text": f"column {p['column']}: {value}{p['problem']}"}
            )
        return out

    def lines(self, limit: int | None = None) -> list[str]:
        return [f"{i['where']}, {i['text']}" for i in self.items(limit)]

    def to_csv(self) -> str:
        buffer = io.StringIO()
        writer = spreadsheets.Writer(buffer)
        writer.writerow([self.row_word, "column", "value", "kind", "problem"])
        for p in self.problems.iter_rows():
            writer.writerow(["" if v is None else v for v in p])
        return buffer.getvalue()


def _recode(survey: Survey, path: Path, mapping_text: str, filename: str):
    mapping = mappings.parse(mapping_text, survey.instrument, path="mapping")
    table = readers.read(Path(path), filename=filename, spss_labels=mapping.spss_values == "labels")
    return recode.recode(table, mapping)


def _report(result: recode.Recoded, filename: str) -> DryRunReport:
    return DryRunReport(
        filename=filename,
        rows=result.rows,
        blank_rows=result.blank_rows,
        row_word=result.row_word,
        problems=result.problems,
    )


def dry_run(
    survey: Survey, path: Path | str, mapping_text: str, *, filename: str = ""
) -> DryRunReport:
    """Check the file against the mapping and the instrument; write nothing."""
    filename = filename or Path(path).name
    return _report(_recode(survey, Path(path), mapping_text, filename), filename)


def import_prepare(survey: Survey, mapping_text: str, *, user, filename: str) -> ImportBatch:
    """A queued batch, committed, so that its progress can be watched while it runs."""
    mappings.parse(mapping_text, survey.instrument, path="mapping")
    return ImportBatch.objects.create(
        survey=survey,
        organisation=survey.organisation,
        filename=Path(filename).name[:255],
        mapping=mapping_text,
        created_by=user if user is not None and user.is_authenticated else None,
        created_by_name=getattr(user, "username", "") or "(command line)",
    )


def import_execute(
    batch: ImportBatch, path: Path | str, *, progress: Progress | None = None
) -> ImportBatch:
    """Read, check and store the batch's file: every row or none. Refuses (ImportRefused)
    if the checks find any problem, so nothing reaches the database that a dry run would
    have flagged, whatever the caller did before."""
    survey = batch.survey
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING)
    batch.status = ImportBatch.Status.RUNNING
    try:
        result = _recode(survey, Path(path), batch.mapping, batch.filename)
        report = _report(result, batch.filename)
        if not report.ok:
            raise ImportRefused(report)
        batch.row_count = result.rows
        ImportBatch.objects.filter(pk=batch.pk).update(row_count=result.rows)
        with transaction.atomic():
            _insert(survey, batch, result.answers, progress)
            audit_record(
                organisation=batch.organisation,
                user=batch.created_by,
                action=AuditEvent.Action.IMPORT,
                detail=f"Imported {result.rows} responses from {batch.filename} into survey "
                f"{survey.pk} (import {batch.pk})",
            )
    except BaseException as exc:  # an interrupt too: never leave the batch "importing"
        _finish(batch, ImportBatch.Status.FAILED, error=_sentence(exc))
        raise
    _finish(batch, ImportBatch.Status.COMPLETE, rows_done=result.rows)
    return batch


def run_import(
    survey: Survey,
    path: Path | str,
    mapping_text: str,
    *,
    user,
    filename: str,
    progress: Progress | None = None,
) -> ImportBatch:
    """Prepare and execute in one call (the command line and the API)."""
    batch = import_prepare(survey, mapping_text, user=user, filename=filename)
    return import_execute(batch, path, progress=progress)


def withdraw(batch: ImportBatch, *, user) -> int:
    """Delete every response the batch brought in; keep the batch as a record that says so.
    Returns how many responses were deleted."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if not locked.can_withdraw:
            raise ValueError(
                f"Only a completed import can be withdrawn; this one is "
                f"{locked.get_status_display().lower()}."
            )
        deleted, _ = Response.objects.filter(batch=locked).delete()
        # No coded copy of the deleted answers stays in the findings cache.
        transaction.on_commit(lambda: findings_cache.forget(locked.survey))
        locked.status = ImportBatch.Status.WITHDRAWN
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_by_name = getattr(user, "username", "") or "(command line)"
        locked.save(update_fields=["status", "withdrawn_at", "withdrawn_by_name"])
        audit_record(
            organisation=locked.organisation,
            user=user,
            action=AuditEvent.Action.DELETE,
            detail=(
                f"Withdrew import {locked.pk} ({locked.filename}): deleted {deleted} "
                f"responses from survey {locked.survey_id}"
            ),
        )
    batch.refresh_from_db()
    return deleted


def import_gone(batch: ImportBatch) -> None:
    """The queued batch's upload is no longer there (deleted, or on another machine)."""
    _finish(
        batch,
        ImportBatch.Status.FAILED,
        error="The uploaded file was no longer there when the import was due to start, so "
        "nothing was imported. Upload it again.",
    )


def _sentence(exc: BaseException) -> str:
    if isinstance(exc, ImportRefused | MappingError | ReadError):
        return str(exc)[:500]
    return "The import stopped with an error; nothing was imported."


def abandoned_fail(*, survey: Survey) -> int:
    """Mark the survey's imports run outside the queue (the command line, the API) that were
    cut off as failed, so that none shows "Importing" for ever. Returns how many. (Queued
    imports are watched by the worker's liveness instead: core/jobs.py.)"""
    now = timezone.now()
    stale = ImportBatch.objects.filter(
        survey=survey,
        job_id="",
        status__in=[ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING],
        created_at__lt=now - ABANDONED_AFTER,
    )
    # Pages that call this are polled during an import: read first, and write only when there
    # is something to mark, so that polling never takes SQLite's write lock from the import.
    if not stale.exists():
        return 0
    return stale.update(
        status=ImportBatch.Status.FAILED,
        finished_at=now,
        error="The import was cut off before it finished (the server restarted). Nothing was "
        "imported: start it again.",
    )


def _finish(batch: ImportBatch, status: str, *, error: str = "", rows_done: int | None = None):
    batch.status, batch.error, batch.finished_at = status, error, timezone.now()
    fields = ["status", "error", "finished_at"]
    if rows_done is not None:
        batch.rows_done = rows_done
        fields.append("rows_done")
    batch.save(update_fields=fields)


def _insert(survey: Survey, batch: ImportBatch, answers: pl.Series, progress: Progress | None):
    """Insert the rows as they are: JSON text straight into the answers column. On
    PostgreSQL through COPY; on SQLite through executemany of one chunk at a time. Either
    way inside the caller's transaction, so a failure leaves nothing behind.

    Not bulk_create: it would build a model instance and a Python dict per row only to
    serialise each back to the text we already have, which is most of the cost at 1M rows."""
    meta = Response._meta
    columns = [
        meta.get_field(name).column
        for name in (
            "survey", "collector_kind", "instrument_version", "submitted_on", "source",
            "batch", "answers",
        )
    ]  # fmt: skip
    fixed = [
        survey.pk,
        "",
        survey.instrument_version,
        timezone.localdate().isoformat(),
        Response.Source.IMPORT.value,
        batch.pk,
    ]
    total = len(answers)
    quoted = connection.ops.quote_name
    table = quoted(meta.db_table)
    names = ", ".join(quoted(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY text format: tab-separated, backslashes doubled. JSON text never holds a
            # raw tab or newline (they are escaped inside strings), so that is all it needs.
            prefix = "\t".join(str(v) for v in fixed) + "\t"
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for start in range(0, total, CHUNK_ROWS):
                    lines = pl.select(
                        pl.concat_str(
                            pl.lit(prefix),
                            answers.slice(start, CHUNK_ROWS).str.replace_all(
                                "\\", "\\\\", literal=True
                            ),
                            pl.lit("\n"),
                        ).str.join("")
                    ).item()
                    copy.write(lines)
                    if progress:
                        progress(min(start + CHUNK_ROWS, total), total)
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - our names
            for start in range(0, total, CHUNK_ROWS):
                chunk = answers.slice(start, CHUNK_ROWS).to_list()
                cursor.executemany(sql, [(*fixed, text) for text in chunk])
                if progress:
                    progress(min(start + CHUNK_ROWS, total), total)


# -- Progress that others can see while the import's transaction is still open ----------------


def progress_dir() -> Path:
    path = Path(settings.FREEASSOC_IMPORT_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def progress_file(batch_id: int) -> Path:
    return progress_dir() / f"progress-{int(batch_id)}"


class BatchProgress:
    """A progress callback that records rows done where a page polling the batch can read
    them. The import's own transaction cannot: nobody else sees its writes until it commits.
    On PostgreSQL the count goes on the ImportBatch row through a second, autocommitting
    connection (the insert's foreign-key lock on that row does not block the update). SQLite
    allows one writer at a time, and the import is it, so there the count goes to a small
    file beside the uploads; SQLite deployments are one machine, so every web process sees it.
    Call close() when the import ends, however it ends.
    """

    def __init__(self, batch: ImportBatch):
        self.batch_id = batch.pk
        self.side = None
        if connection.vendor == "postgresql":
            self.side = connections.create_connection(connection.alias)

    def __call__(self, done: int, total: int) -> None:
        if self.side is not None:
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {ImportBatch._meta.db_table} SET rows_done = %s WHERE id = %s",  # noqa: S608
                    [done, self.batch_id],
                )
            return
        target = progress_file(self.batch_id)
        temporary = target.with_suffix(".tmp")
        temporary.write_text(f"{done} {total}")
        temporary.replace(target)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
        progress_file(self.batch_id).unlink(missing_ok=True)


def progress_read(batch: ImportBatch) -> int:
    """Rows done of a running batch: the row's own count, or the file's on SQLite."""
    done = batch.rows_done
    try:
        done = max(done, int(progress_file(batch.pk).read_text().split()[0]))
    except (OSError, ValueError, IndexError):
        pass
    return done
