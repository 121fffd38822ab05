"""Uploaded files waiting for the organiser to confirm an import, and nothing longer.

An upload is kept in a private folder named by a random token, beside a note of the survey
and the user it belongs to, until the import ends (then it is deleted, whatever happened)
or it is abandoned (deleted a day later by the worker's hourly sweep; an upload confirmed for
an import that no worker ever ran, a week later). Only the names of files are
kept afterwards, on the ImportBatch; never their content.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from .services import progress_dir

TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")
ABANDONED_AFTER = 24 * 3600
CLAIMED_KEPT = 7 * 24 * 3600  # a confirmed upload waits for its import this long at most


@dataclass(frozen=True)
class Upload:
    token: str
    folder: Path
    survey_id: int
    user_id: int
    filename: str

    @property
    def data_path(self) -> Path:
        return self.folder / ("data" + Path(self.filename).suffix.lower())

    @property
    def mapping_path(self) -> Path:
        return self.folder / "mapping.yaml"

    @property
    def problems_path(self) -> Path:
        return self.folder / "problems.arrow"

    def claim(self) -> bool:
        """True for the first caller only: a double-clicked Confirm must not import twice."""
        try:
            os.close(os.open(self.folder / "claimed", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return False
        return True

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def create(*, survey_id: int, user_id: int, filename: str, data, mapping_text: str) -> Upload:
    """Store an uploaded data file (a Django UploadedFile) and the mapping's text."""
    sweep()
    token = secrets.token_urlsafe(16)
    folder = progress_dir() / f"upload-{token}"
    folder.mkdir(mode=0o700)
    upload = Upload(token, folder, survey_id, user_id, Path(filename).name)
    with upload.data_path.open("wb") as out:
        for chunk in data.chunks():
            out.write(chunk)
    upload.mapping_path.write_text(mapping_text, encoding="utf-8")
    note = {"survey": survey_id, "user": user_id, "filename": upload.filename}
    (folder / "upload.json").write_text(json.dumps(note))
    return upload


def find(token: str, *, survey_id: int, user_id: int) -> Upload | None:
    """The upload, if the token is well formed and it belongs to this survey and user."""
    if not TOKEN.match(token or ""):
        return None
    folder = progress_dir() / f"upload-{token}"
    try:
        note = json.loads((folder / "upload.json").read_text())
    except (OSError, ValueError):
        return None
    if note.get("survey") != survey_id or note.get("user") != user_id:
        return None
    return Upload(token, folder, survey_id, user_id, note["filename"])


def for_job(token: str, *, survey_id: int) -> Upload | None:
    """The upload a queued import was confirmed with (its user may have gone since)."""
    if not TOKEN.match(token or ""):
        return None
    folder = progress_dir() / f"upload-{token}"
    try:
        note = json.loads((folder / "upload.json").read_text())
    except (OSError, ValueError):
        return None
    if note.get("survey") != survey_id:
        return None
    return Upload(token, folder, survey_id, note.get("user"), note["filename"])


def sweep() -> int:
    """Delete uploads nobody confirmed or cancelled within a day. Returns how many."""
    now = time.time()
    deleted = 0
    for folder in progress_dir().glob("upload-*"):
        try:
            kept = CLAIMED_KEPT if (folder / "claimed").exists() else ABANDONED_AFTER
            if folder.stat().st_mtime < now - kept:
                shutil.rmtree(folder, ignore_errors=True)
                deleted += 1
        except OSError:
            pass
    return deleted
