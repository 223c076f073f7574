"""Static files: versioned URLs and long cache lifetimes, and the favicon.

``url_for("static", filename=...)`` adds ``?v=<first 12 hex digits of the file's SHA-256>``,
so a changed file gets a new URL. A request whose ``v`` matches the file's content is
answered with ``Cache-Control: public, max-age=31536000, immutable``: browsers and proxies keep
it a year without asking again. Anything else under /static/ (a stale ``v``, or a module that
another imports by a relative path) must be revalidated (``no-cache``, answered 304 from its
ETag when unchanged), so nobody keeps an old file under a name that now means a new one.
"""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

from flask import Flask, has_request_context, request, send_from_directory
from werkzeug.security import safe_join

LONG_CACHE = "public, max-age=31536000, immutable"
REVALIDATE = "public, no-cache"
FAVICON_CACHE = "public, max-age=86400"


class StaticVersions:
    """The content hash of each static file, recomputed only when its mtime changes; the
    file is looked at again at most once a second (a page names five static files)."""

    RECHECK_SECONDS = 1.0

    def __init__(self, folder: str):
        self.folder = folder
        self._known: dict[str, tuple[int, int, str]] = {}
        self._checked: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def version(self, filename: str) -> str | None:
        now = time.monotonic()
        checked = self._checked.get(filename)
        if checked is not None and now - checked[0] < self.RECHECK_SECONDS:
            return checked[1]
        version = self._version(filename)
        self._checked[filename] = (now, version)
        return version

    def _version(self, filename: str) -> str | None:
        path = safe_join(self.folder, filename)
        if path is None:
            return None
        try:
            stat = Path(path).stat()
        except OSError:
            return None
        known = self._known.get(filename)
        if known and known[:2] == (stat.st_mtime_ns, stat.st_size):
            return known[2]
        try:
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
        except OSError:
            return None
        with self._lock:
            self._known[filename] = (stat.st_mtime_ns, stat.st_size, digest)
        return digest


def register_static_files(app: Flask) -> None:
    versions = StaticVersions(app.static_folder)
    app.extensions["eventsys_static_versions"] = versions

    @app.url_defaults
    def static_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = versions.version(values["filename"])
            if version:
                values["v"] = version

    # Pages name the same few static files on every view: their URLs (script root, file,
    # version) are built once and kept, in templates' ``url_for("static", filename=...)``.
    built: dict[tuple[str, str, str | None], str] = {}
    url_for = app.url_for

    def template_url_for(endpoint: str, **values) -> str:
        if (
            endpoint != "static"
            or len(values) != 1
            or "filename" not in values
            or not has_request_context()
        ):
            return url_for(endpoint, **values)
        filename = values["filename"]
        key = (request.script_root, filename, versions.version(filename))
        url = built.get(key)
        if url is None:
            if len(built) > 1000:
                built.clear()
            url = built[key] = url_for(endpoint, **values)
        return url

    app.jinja_env.globals["url_for"] = template_url_for

    @app.after_request
    def static_cache(response):
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        filename = (request.view_args or {}).get("filename", "")
        asked = request.args.get("v")
        if asked and asked == versions.version(filename):
            response.headers["Cache-Control"] = LONG_CACHE
            response.headers.pop("Expires", None)
        else:
            response.headers["Cache-Control"] = REVALIDATE
        return response

    def favicon():
        response = send_from_directory(app.static_folder, "favicon.ico")
        response.headers["Cache-Control"] = FAVICON_CACHE
        return response

    # Browsers ask for /favicon.ico on their own (bookmarks, chat apps' link previews).
    app.add_url_rule("/favicon.ico", "favicon", favicon)
