"""PDF documents through WeasyPrint, fetching nothing but the project's own static files.

Every document (badges, e-tickets, the programme, the report, the signed-projects export) is
HTML rendered here. Whatever a name or a template holds, the fetcher answers only:

- ``data:`` URIs (QR codes and charts inlined by the caller);
- files inside the app's static folder, named as ``/static/...`` paths or ``file://`` URLs
  that resolve inside it (symbolic links and ``..`` resolved first).

Everything else (http, https, ftp, other files) is refused before any connection or read.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# The base URL documents are rendered against: ``/static/css/x.css`` in a template becomes
# ``eventsys-static:/static/css/x.css`` for the fetcher, never a network address.
BASE_URL = "eventsys-static:/"


class RefusedFetch(ValueError):
    """A document asked for something outside the static folder."""


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint's fetcher, answering only ``data:`` URIs and files in ``static_folder``."""

    def __init__(self, static_folder: str | Path):
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self.static_folder = Path(static_folder).resolve()
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        path = self._static_path(url, scheme)
        if path is None:
            self.refused.append(url[:200])
            raise RefusedFetch(f"not fetched: {url[:200]}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime})

    def _static_path(self, url: str, scheme: str) -> Path | None:
        parts = urlsplit(url)
        if scheme in ("eventsys-static", ""):
            relative = unquote(parts.path).lstrip("/")
            if not relative.startswith("static/"):
                return None
            relative = relative.removeprefix("static/")
        elif scheme == "file" and not parts.netloc:
            try:
                relative = str(Path(unquote(parts.path)).resolve().relative_to(self.static_folder))
            except ValueError:
                return None
        else:
            return None
        candidate = (self.static_folder / relative).resolve()
        if not candidate.is_relative_to(self.static_folder) or not candidate.is_file():
            return None
        return candidate


def fetcher() -> StaticOnlyFetcher:
    return StaticOnlyFetcher(current_app.static_folder)


def render_pdf(html: str, *, stylesheets: tuple[str, ...] = (), url_fetcher=None) -> bytes:
    """The PDF of ``html`` (already escaped by Jinja); ``stylesheets`` are CSS texts."""
    url_fetcher = url_fetcher or fetcher()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher)
    css = [CSS(string=text, base_url=BASE_URL, url_fetcher=url_fetcher) for text in stylesheets]
    return document.write_pdf(stylesheets=css)
