"""A per-survey cache of decoded answers, so a report reads only the responses that are new.

Decoding every stored answer is almost all of a report's time (frame.py). Responses are only
ever added or deleted, never edited (surveys/services.py creates them; imports and retention
delete them), so the frame of a survey's responses can be kept and extended:

- The frame is a Parquet file, `<FINDINGS_CACHE_DIR>/survey-<pk>.parquet` (default: the
  `findings-cache` folder of the data folder). Its metadata holds a key (which database,
  which survey, and everything that shapes the frame: the instrument's codes and types and
  the questions decoded) and the Extent of the responses in it: how many, the highest id and
  the sum of the ids.
- On a report, one aggregate query over the survey's responses with an id up to the cached
  highest checks that count and sum still match. If they do, nothing was deleted or
  committed late below that id, and only responses above it are read and appended. If they
  do not (a withdrawn import batch, retention deletion, a restore), or the key differs, or the
  file cannot be read or does not fit the schema, the frame is rebuilt from the database.
  A cache can make a report faster, never different.
- Files are written whole to a temporary name and renamed into place, so a reader sees an old
  complete file or a new complete one; two processes writing at once each write a correct
  file, and the last rename wins. A cache that cannot be written (a read-only folder, a full
  disk) is logged and the report goes on without it.

What is stored: the coded answers the indicators read (choice codes and whole numbers), one
row per response, no free text, no id, no date, no source. See docs/privacy.md.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import tempfile
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import connections

from . import definitions as defs
from .frame import Extent, frame_schema, load_frame

logger = logging.getLogger(__name__)

FORMAT = 1  # bump when what a cached frame means changes
META_KEY = "freeassoc_findings_cache"


def cache_dir() -> Path:
    return Path(settings.FINDINGS_CACHE_DIR)


def enabled() -> bool:
    return settings.FINDINGS_CACHE


def path_for(survey) -> Path:
    return cache_dir() / f"survey-{int(survey.pk)}.parquet"


def _database_identity(using: str) -> dict:
    """Which database the cached rows came from, so that a recreated database (whose survey
    and response ids start again from 1) never matches an old file."""
    connection = connections[using]
    identity = {"vendor": connection.vendor, "name": str(connection.settings_dict["NAME"])}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # A database dropped and created again gets a new oid.
            cursor.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
            identity["oid"] = int(cursor.fetchone()[0])
            identity["host"] = str(connection.settings_dict.get("HOST") or "")
            identity["port"] = str(connection.settings_dict.get("PORT") or "")
    elif connection.vendor == "sqlite":
        try:
            stat = os.stat(connection.settings_dict["NAME"])
            identity["inode"] = [stat.st_dev, stat.st_ino]
        except (OSError, TypeError):  # an in-memory database: nothing outlives it anyway
            identity["inode"] = None
    return identity


def cache_key(survey, definitions: defs.IndicatorSet, using: str = "default") -> str:
    """Everything that decides what a cached frame holds, hashed."""
    instrument = definitions.instrument
    shape = {
        qid: {
            "type": instrument.questions[qid].type,
            "codes": [code for code, _ in instrument.questions[qid].choices],
            "sensitive": bool(instrument.questions[qid].sensitive),
        }
        for qid in sorted(definitions.questions)
    }
    key = {
        "format": FORMAT,
        "database": _database_identity(using),
        "survey": [int(survey.pk), str(survey.created_on)],
        "instrument": instrument.key,
        "questions": shape,
        "schema": {k: str(v) for k, v in frame_schema(instrument, definitions.questions).items()},
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def _read(path: Path, key: str, schema: dict) -> tuple[pl.DataFrame, Extent] | None:
    """The cached frame and its extent, or None if there is none that can be trusted. The
    file is read once into memory, so its metadata and its rows come from the same file even
    if another process renames a new one into place meanwhile."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        logger.warning("findings cache %s unreadable: %s", path, exc)
        return None
    try:
        meta = json.loads(pl.read_parquet_metadata(io.BytesIO(data))[META_KEY])
        if meta.get("key") != key:
            return None
        extent = Extent(int(meta["count"]), int(meta["max_pk"]), int(meta["sum_pk"]))
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - any failure to read means: rebuild
        logger.warning("findings cache %s is damaged, rebuilding: %s", path, exc)
        return None
    if dict(frame.schema) != schema or frame.height != extent.count:
        logger.warning("findings cache %s does not fit, rebuilding", path)
        return None
    return frame, extent


def _write(path: Path, key: str, frame: pl.DataFrame, extent: Extent) -> None:
    meta = {
        "key": key,
        "count": extent.count,
        "max_pk": extent.max_pk,
        "sum_pk": extent.sum_pk,
    }
    partial = None
    try:
        # Only the application's own user may read it (mkstemp makes the file 0600 too).
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(handle, "wb") as out:
            frame.write_parquet(
                out, compression="lz4", statistics=False, metadata={META_KEY: json.dumps(meta)}
            )
        os.replace(partial, path)
        partial = None
    except OSError as exc:
        logger.warning("findings cache %s not written: %s", path, exc)
    finally:
        if partial is not None:
            try:
                os.unlink(partial)
            except OSError:
                pass


def _unchanged(survey_pk: int, extent: Extent, using: str) -> tuple[bool, int]:
    """Whether the responses with an id up to the cached highest are still exactly those
    cached (same count, same sum of ids), and the survey's highest id now."""
    from freeassoc.surveys.models import Response

    connection = connections[using]
    table = connection.ops.quote_name(Response._meta.db_table)
    sql = (
        "SELECT count(*) FILTER (WHERE id <= %s), "  # noqa: S608
        "coalesce(sum(id) FILTER (WHERE id <= %s), 0), coalesce(max(id), 0) "
        f"FROM {table} WHERE survey_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [extent.max_pk, extent.max_pk, int(survey_pk)])
        count, total, top = cursor.fetchone()
    return (int(count) == extent.count and int(total) == extent.sum_pk), int(top)


def survey_frame(survey, definitions: defs.IndicatorSet, using: str = "default") -> pl.DataFrame:
    """The decoded answers of one survey's responses: from the cache plus whatever is new, or
    from the database alone when there is no cache to trust."""
    instrument, questions = definitions.instrument, definitions.questions
    if not enabled():
        return load_frame([survey.pk], instrument, questions, using=using)[0]
    path = path_for(survey)
    key = cache_key(survey, definitions, using)
    cached = _read(path, key, frame_schema(instrument, questions))
    if cached is not None:
        frame, extent = cached
        unchanged, top = _unchanged(survey.pk, extent, using)
        if unchanged:
            if top <= extent.max_pk:
                return frame
            new, added = load_frame(
                [survey.pk], instrument, questions, using=using, after_pk=extent.max_pk
            )
            if added.count:
                frame = pl.concat([frame, new], rechunk=True)
                _write(path, key, frame, extent + added)
            return frame
    frame, extent = load_frame([survey.pk], instrument, questions, using=using)
    _write(path, key, frame, extent)
    return frame


def forget(survey) -> None:
    """Remove a survey's cached frame (when its data set is deleted). Not needed for
    correctness -- a stale file is never used -- but no copy of deleted data should stay."""
    try:
        path_for(survey).unlink()
    except FileNotFoundError:
        pass
