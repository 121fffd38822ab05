"""What changes state for export files made in the background: make one (the worker's job),
hand it over once, let it expire. The file waits in FREEASSOC_EXPORT_DIR (private to the
application's user) only until its one download or FREEASSOC_EXPORT_KEEP_MINUTES, whichever
comes first. The download, when the answers leave the server, is what the audit log records."""

from __future__ import annotations

import datetime
import time
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from . import exports
from .models import ExportFile


class ExportGone(Exception):
    """The file was already downloaded, expired, or never made; the message says which."""


def export_dir() -> Path:
    path = Path(settings.FREEASSOC_EXPORT_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _finish(export_id: int, status: str, **fields) -> None:
    ExportFile.objects.filter(pk=export_id).update(
        status=status, finished_at=timezone.now(), **fields
    )


class _Progress:
    """Rows written so far, on the export's row as the file is made. On PostgreSQL through a
    connection of its own: the export reads the answers through one long COPY, and its own
    connection can run nothing else until that ends."""

    def __init__(self, export_id: int):
        self.export_id = export_id
        self.side = None
        if connection.vendor == "postgresql":
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, rows: int) -> None:
        if self.side is None:
            ExportFile.objects.filter(pk=self.export_id).update(rows_done=rows)
            return
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ExportFile._meta.db_table} SET rows_done = %s WHERE id = %s",  # noqa: S608
                [rows, self.export_id],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def export_file_make(export_id: int) -> str:
    """Write the export's file, with its progress on the row as it goes. Returns the status."""
    export = ExportFile.objects.select_related("survey").get(pk=export_id)
    if export.status != ExportFile.Status.QUEUED:
        return export.status
    export_dir()
    ExportFile.objects.filter(pk=export_id).update(status=ExportFile.Status.RUNNING, rows_done=0)

    progress = _Progress(export_id)
    try:
        rows = exports.export_to_path(
            survey=export.survey, fmt=export.fmt, path=export.path, progress=progress
        )
    except exports.ExportError as exc:
        _finish(export_id, ExportFile.Status.FAILED, error=str(exc)[:500])
        return ExportFile.Status.FAILED
    except BaseException:
        _finish(export_id, ExportFile.Status.FAILED, error="The file could not be made.")
        raise
    finally:
        progress.close()
    keep = datetime.timedelta(minutes=settings.FREEASSOC_EXPORT_KEEP_MINUTES)
    _finish(
        export_id, ExportFile.Status.READY, rows_total=rows, rows_done=rows,
        expires_at=timezone.now() + keep, error="",
    )  # fmt: skip
    return ExportFile.Status.READY


def export_file_lost(export_id: int, *, retrying: bool) -> None:
    """The worker making the file died (jobs.recover): say so on the file's page."""
    found = ExportFile.objects.filter(pk=export_id, status__in=["queued", "running"])
    if retrying:
        found.update(
            status=ExportFile.Status.QUEUED, rows_done=0,
            error="The background worker stopped while making this file; it is being made "
            "again from the start.",
        )  # fmt: skip
    else:
        found.update(
            status=ExportFile.Status.FAILED, finished_at=timezone.now(),
            error="The background worker stopped twice while making this file (it may be "
            "too large for the server's memory). Try CSV, which is made as it downloads.",
        )  # fmt: skip


def export_file_take(*, export: ExportFile, user) -> IO[bytes]:
    """The ready file, opened for reading and already deleted from the folder, so it can be
    downloaded once; written to the audit log as an export in the same transaction that marks
    it downloaded. Raises ExportGone if it is not there to take."""
    with transaction.atomic():
        locked = ExportFile.objects.select_for_update().get(pk=export.pk)
        if locked.status != ExportFile.Status.READY:
            raise ExportGone(
                f"This file is no longer here: it is {locked.get_status_display().lower()}. "
                "Make it again to download it."
            )
        try:
            stream = open(locked.path, "rb")  # noqa: SIM115 - the response closes it
        except FileNotFoundError as exc:
            _finish(locked.pk, ExportFile.Status.EXPIRED)
            raise ExportGone("This file is no longer here. Make it again.") from exc
        locked.path.unlink()
        ExportFile.objects.filter(pk=locked.pk).update(status=ExportFile.Status.DOWNLOADED)
        exports.export_audit(
            survey=locked.survey, user=user, fmt=locked.fmt, rows=locked.rows_total
        )
    return stream


def export_files_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete files not downloaded in time, and pieces left by a worker that died while
    writing. Returns how many exports expired."""
    now = now or timezone.now()
    expired = 0
    for export in ExportFile.objects.filter(status=ExportFile.Status.READY, expires_at__lt=now):
        export.path.unlink(missing_ok=True)
        expired += ExportFile.objects.filter(pk=export.pk, status="ready").update(
            status=ExportFile.Status.EXPIRED
        )
    cutoff = time.time() - settings.FREEASSOC_EXPORT_KEEP_MINUTES * 60
    for piece in export_dir().glob(".export-*.partial"):
        try:
            if piece.stat().st_mtime < cutoff:
                piece.unlink()
        except OSError:
            pass
    return expired
