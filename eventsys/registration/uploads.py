"""Spreadsheets uploaded through a page, kept between the preview and the confirmation.

The file is kept in the instance folder (``instance/uploads/``), not in the session cookie:
under a random name (128 bits) with a small record of who uploaded it for which conference and
what for. Only that user, in that conference, for that purpose, may use it again; it is deleted
when the import is confirmed or abandoned, and any left behind are swept after a day.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from eventsys.errors import NotFound, ValidationError

KEEP_SECONDS = 24 * 3600
SUFFIXES = (".csv", ".xlsx")
_ID_LENGTH = 22  # token_urlsafe(16)


@dataclass(frozen=True)
class Upload:
    id: str
    path: Path
    name: str  # as the user's computer called it


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sweep(folder: Path) -> None:
    """Delete what was left behind (an abandoned preview) after a day."""
    limit = time.time() - KEEP_SECONDS
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass


def save_upload(storage, user_id: int, conference_id: int, purpose: str) -> Upload:
    """Keep an uploaded file (a Werkzeug ``FileStorage``) for ``user_id`` in this conference."""
    original = Path(storage.filename or "").name
    suffix = Path(original).suffix.lower()
    if suffix not in SUFFIXES:
        raise ValidationError(
            _("Upload a .xlsx (Excel workbook) or .csv file."), {"file": _("unsupported format")}
        )
    folder = _folder()
    _sweep(folder)
    upload_id = secrets.token_urlsafe(16)
    path = folder / f"{upload_id}{suffix}"
    storage.save(path)
    meta = {
        "user": user_id,
        "conference": conference_id,
        "purpose": purpose,
        "name": original[:200],
        "suffix": suffix,
    }
    (folder / f"{upload_id}.json").write_text(json.dumps(meta), encoding="utf-8")
    return Upload(upload_id, path, original)


def find_upload(upload_id: str, user_id: int, conference_id: int, purpose: str) -> Upload:
    """The kept file, only for the user and conference it was uploaded by and for."""
    gone = NotFound(
        _(
            "This upload is no longer here (it was imported, abandoned or is older than a "
            "day); upload the file again."
        )
    )
    if (
        not upload_id
        or len(upload_id) != _ID_LENGTH
        or not upload_id.replace("-", "").replace("_", "").isalnum()
    ):
        raise gone
    folder = _folder()
    try:
        meta = json.loads((folder / f"{upload_id}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise gone from None
    if (meta.get("user"), meta.get("conference"), meta.get("purpose")) != (
        user_id,
        conference_id,
        purpose,
    ):
        raise gone
    path = folder / f"{upload_id}{meta['suffix']}"
    if not path.exists():
        raise gone
    return Upload(upload_id, path, meta.get("name") or path.name)


def delete_upload(upload: Upload) -> None:
    for path in (upload.path, upload.path.with_suffix(".json")):
        try:
            path.unlink()
        except OSError:
            pass
