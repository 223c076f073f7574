"""PDF documents through WeasyPrint, fetching nothing but the project's own static files.

Every document (badges, e-tickets, the programme, the report, the signed-projects export) is
HTML rendered here. Whatever a name or a template holds, the fetcher answers only:

- ``data:`` URIs (QR codes and charts inlined by the caller);
- files inside the app's static folder, named as ``/static/...`` paths or ``file://`` URLs
  that resolve inside it (symbolic links and ``..`` resolved first).

Everything else (http, https, ftp, other files) is refused before any connection or read.
"""

from __future__ import annotations

import functools
import io
import mimetypes
import multiprocessing
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app
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
    return _render(html, stylesheets, url_fetcher)


def _render(html: str, stylesheets: Sequence[str], url_fetcher) -> bytes:
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher)
    css = [CSS(string=text, base_url=BASE_URL, url_fetcher=url_fetcher) for text in stylesheets]
    return document.write_pdf(stylesheets=css)


def stylesheet(name: str) -> str:
    """The text of ``static/css/pdf/<name>.css`` (read once per process)."""
    return _read_stylesheet(str(Path(current_app.static_folder) / "css" / "pdf" / f"{name}.css"))


@functools.lru_cache(maxsize=32)
def _read_stylesheet(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


# --- many pages at once ----------------------------------------------------------------------
#
# WeasyPrint lays out on one core. A thousand badges take about five seconds in one process;
# rendered as chunks in worker processes and joined (pypdf), they take the time of the largest
# chunk on each core. The workers are forked from a small server process that has WeasyPrint
# imported already (``forkserver``), not from the web or job worker with its threads and its
# database connections.

_POOL: ProcessPoolExecutor | None = None
_POOL_SIZE = 0


def _pool(workers: int) -> ProcessPoolExecutor:
    global _POOL, _POOL_SIZE
    if _POOL is None or _POOL_SIZE != workers:
        if _POOL is not None:
            _POOL.shutdown(wait=False, cancel_futures=True)
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["weasyprint", "eventsys.pdf"])
        _POOL = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        _POOL_SIZE = workers
    return _POOL


def shutdown_pool() -> None:
    """Stop the rendering processes (they are otherwise kept for the next document)."""
    global _POOL, _POOL_SIZE
    if _POOL is not None:
        try:
            _POOL.shutdown(wait=True, cancel_futures=True)
        except Exception:  # a broken pool is gone already
            pass
    _POOL, _POOL_SIZE = None, 0


def _render_chunk(
    html: str,
    stylesheets: tuple[str, ...],
    static_folder: str,
    prepare: Callable[[str], str] | None = None,
) -> bytes:
    if prepare is not None:
        html = prepare(html)
    return _render(html, stylesheets, StaticOnlyFetcher(static_folder))


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def render_pdf_chunks(
    chunks: Sequence[str],
    *,
    stylesheets: tuple[str, ...] = (),
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    prepare: Callable[[str], str] | None = None,
) -> bytes:
    """One PDF of several HTML documents (``chunks``, each a whole document with its own
    pages), rendered in parallel processes and joined in order. ``progress(done, total)`` is
    called as chunks finish. ``prepare(html)``, a module-level function, runs in the
    rendering process on each chunk first (drawing its QR codes, say). One chunk, or one
    worker, renders here in this process."""
    workers = workers or current_app.config.get("PDF_WORKERS") or default_workers()
    static_folder = str(current_app.static_folder)
    total = len(chunks)
    if total == 0:
        raise ValueError("nothing to render")
    if total == 1 or workers == 1:
        parts = []
        for done, html in enumerate(chunks, start=1):
            parts.append(_render_chunk(html, tuple(stylesheets), static_folder, prepare))
            if progress:
                progress(done, total)
        return join_pdfs(parts)
    try:
        pool = _pool(workers)
        futures = [
            pool.submit(_render_chunk, html, tuple(stylesheets), static_folder, prepare)
            for html in chunks
        ]
        parts = []
        for done, future in enumerate(futures, start=1):
            parts.append(future.result())
            if progress:
                progress(done, total)
    except (OSError, BrokenProcessPool) as error:
        # No processes to be had (a sandbox, memory): slower, but the document is made.
        current_app.logger.warning("rendering in one process: %s", error)
        shutdown_pool()
        return render_pdf_chunks(
            chunks, stylesheets=stylesheets, workers=1, progress=progress, prepare=prepare
        )
    return join_pdfs(parts)


def join_pdfs(parts: Sequence[bytes]) -> bytes:
    """The pages of ``parts`` in order, in one PDF."""
    if len(parts) == 1:
        return parts[0]
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- fonts -----------------------------------------------------------------------------------

CJK_FONT_FAMILY = "Noto Sans CJK SC"


@functools.lru_cache(maxsize=1)
def cjk_font_families() -> tuple[str, ...]:
    """The font families fontconfig knows that cover Chinese (``fc-list :lang=zh``); empty
    when there are none or fontconfig's tools are missing."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return ()
    try:
        listed = subprocess.run(
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    families = set()
    for line in listed.splitlines():
        families.update(name.strip() for name in line.split(",") if name.strip())
    return tuple(sorted(families))


def check_cjk_font(app: Flask) -> bool:
    """Log clearly, once per process, when no Chinese font is installed: documents would
    show boxes instead of Chinese. Never fails the start-up."""
    families = cjk_font_families()
    if CJK_FONT_FAMILY in families:
        return True
    if not app.extensions.get("eventsys_cjk_warned"):
        app.extensions["eventsys_cjk_warned"] = True
        if families:
            app.logger.warning(
                "The font %r is not installed; PDFs use %s for Chinese text instead. "
                "Install it with: apt-get install fonts-noto-cjk",
                CJK_FONT_FAMILY,
                families[0],
            )
        else:
            app.logger.error(
                "No Chinese (CJK) font is installed: Chinese text in badges, tickets and "
                "reports would print as empty boxes. Install one with: "
                "apt-get install fonts-noto-cjk"
            )
    return bool(families)
