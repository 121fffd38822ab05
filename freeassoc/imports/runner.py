"""Running an import behind a web request: in a thread of the web process.

A thread is enough here: the work is one long transaction, mostly in polars and the
database driver (which release the GIL), started by an organiser a few times a year. The
page polls the batch for progress. If the process dies mid-way the transaction rolls back:
nothing is imported and the batch is shown as stalled (see ImportBatch status 'running'
with no progress for a long time). FREEASSOC_IMPORT_INLINE runs the import inside the
request instead, for tests and for deployments that cannot run threads.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import connection

from . import services
from .models import ImportBatch
from .uploads import Upload

log = logging.getLogger(__name__)
_threads: dict[int, threading.Thread] = {}


def _work(batch: ImportBatch, upload: Upload, record_progress: bool) -> None:
    recorder = services.BatchProgress(batch) if record_progress else None
    try:
        services.import_execute(batch, upload.data_path, progress=recorder)
    except (services.ImportRefused, services.MappingError, services.ReadError):
        pass  # the batch says why, in a sentence
    except Exception:
        log.exception("import %s failed", batch.pk)
    finally:
        if recorder is not None:
            recorder.close()
        upload.discard()


def start(batch: ImportBatch, upload: Upload) -> None:
    if getattr(settings, "FREEASSOC_IMPORT_INLINE", False):
        _work(batch, upload, record_progress=False)
        return

    def target() -> None:
        try:
            _work(batch, upload, record_progress=True)
        finally:
            connection.close()  # this thread's own connection
            _threads.pop(batch.pk, None)

    thread = threading.Thread(target=target, name=f"import-{batch.pk}", daemon=True)
    _threads[batch.pk] = thread
    thread.start()


def wait(batch_id: int, timeout: float | None = None) -> None:
    """Wait for a running import of this process to end (tests, and a clean shutdown)."""
    thread = _threads.get(batch_id)
    if thread is not None:
        thread.join(timeout)
