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
import gc
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

import pydyf
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


def render_pdf(
    html: str, *, stylesheets: tuple[str, ...] = (), url_fetcher=None, finisher=None
) -> bytes:
    """The PDF of ``html`` (already escaped by Jinja); ``stylesheets`` are CSS texts;
    ``finisher(document, pdf)`` runs once the pages are laid out (below)."""
    url_fetcher = url_fetcher or fetcher()
    return _render(html, stylesheets, url_fetcher, finisher)


def _render(html: str, stylesheets: Sequence[str], url_fetcher, finisher=None) -> bytes:
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher)
    css = [CSS(string=text, base_url=BASE_URL, url_fetcher=url_fetcher) for text in stylesheets]
    return document.write_pdf(stylesheets=css, finisher=finisher)


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
        context.set_forkserver_preload(["weasyprint", "eventsys.pdf", "eventsys.documents.qr"])
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
    finisher: Callable | None = None,
) -> bytes:
    return _render(html, stylesheets, StaticOnlyFetcher(static_folder), finisher)


def _render_chunk_in_worker(
    html: str,
    stylesheets: tuple[str, ...],
    static_folder: str,
    finisher: Callable | None = None,
) -> bytes:
    """``_render_chunk`` in a rendering process, with Python's cyclic garbage collector paused:
    a chunk's boxes are hundreds of thousands of live objects that each collection of the
    oldest generation walks again (measured: 1,000 A6 badges in 6.8 CPU-seconds with it,
    5.8 without). Nothing else runs in these processes; it resumes after the chunk."""
    gc.disable()
    try:
        return _render_chunk(html, stylesheets, static_folder, finisher)
    finally:
        gc.enable()


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def render_pdf_chunks(
    chunks: Sequence[str],
    *,
    stylesheets: tuple[str, ...] = (),
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    finisher: Callable | None = None,
) -> bytes:
    """One PDF of several HTML documents (``chunks``, each a whole document with its own
    pages), rendered in parallel processes and joined in order. ``progress(done, total)`` is
    called as chunks finish. ``finisher(document, pdf)``, a module-level function, runs in
    the rendering process once each chunk is laid out, before its PDF is written (WeasyPrint's
    ``write_pdf(finisher=...)``: painting its QR codes, say). One chunk, or one worker,
    renders here in this process."""
    workers = workers or current_app.config.get("PDF_WORKERS") or default_workers()
    static_folder = str(current_app.static_folder)
    total = len(chunks)
    if total == 0:
        raise ValueError("nothing to render")
    if total == 1 or workers == 1:
        parts = []
        for done, html in enumerate(chunks, start=1):
            parts.append(_render_chunk(html, tuple(stylesheets), static_folder, finisher))
            if progress:
                progress(done, total)
        return join_pdfs(parts)
    try:
        pool = _pool(workers)
        futures = [
            pool.submit(_render_chunk_in_worker, html, tuple(stylesheets), static_folder, finisher)
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
            chunks, stylesheets=stylesheets, workers=1, progress=progress, finisher=finisher
        )
    return join_pdfs(parts)


def join_pdfs(parts: Sequence[bytes]) -> bytes:
    """The pages of ``parts`` in order, in one PDF."""
    if len(parts) == 1:
        return parts[0]
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        # (No outlines to import: looking for them took as long as the rest of the join.)
        writer.append(io.BytesIO(part), import_outline=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- after the layout: painting into the pages, stamping repeated parts ----------------------
#
# WeasyPrint calls a finisher, ``write_pdf(finisher=f)``, with the laid-out document and the
# PDF (pydyf) before writing it. Each page has a content stream that first flips the y axis
# (points from the top-left corner of the page) and then paints the page between q and Q in
# CSS pixels; what a finisher appends to it is painted over the page in that flipped space.
# Where an element was laid out is read from the pages' box trees (``Page._page_box``: there
# is no public API for it): ``tests/documents/test_badges.py`` reads every badge back from
# the rendered pages, codes and positions, so a change there is caught.

PX = 0.75  # points per CSS pixel (documents are written at zoom 1)


class Finishers:
    """Several finishers run in order as one (picklable when they are module-level
    functions, for the rendering processes)."""

    def __init__(self, *finishers: Callable):
        self.finishers = finishers

    def __call__(self, document, pdf) -> None:
        for finisher in self.finishers:
            finisher(document, pdf)


def laid_out_elements(page, attributes: Sequence[str]):
    """``(box, element)`` for each element of ``page`` that has one of ``attributes``, its
    outermost box only, in no particular order."""
    stack = [page._page_box]
    while stack:
        box = stack.pop()
        element = getattr(box, "element", None)
        if (
            element is not None
            and getattr(box, "pseudo_type", None) is None
            and any(element.get(name) is not None for name in attributes)
        ):
            yield box, element
            continue
        stack.extend(getattr(box, "children", ()))


def page_objects(document, pdf) -> list:
    """The PDF page dictionaries of ``document.pages``, in the same order."""
    kids = pdf.pages["Kids"]
    if len(kids) != 3 * len(document.pages):
        raise RuntimeError("the PDF's pages are not the document's any more")
    return [pdf.objects[number] for number in kids[0::3]]


def _referenced(pdf, reference: bytes):
    return pdf.objects[int(bytes(reference).split()[0])]


def page_stream(pdf, page_object):
    """The content stream of a page dictionary that WeasyPrint wrote."""
    return _referenced(pdf, page_object["Contents"])


STAMP_TEMPLATE = "data-stamp-template"
STAMP = "data-stamp"


def stamp_repeated_parts(document, pdf) -> None:
    """A finisher: what is the same on many pages is laid out once and stamped on each.

    An element with ``data-stamp-template="key"``, alone on its page, is that page's part
    "key": the page's painting becomes a form (a PDF Form XObject: drawn once, referenced by
    every page that shows it) and the page is left out of the PDF. On every page, each element
    with ``data-stamp="key"`` gets the form painted over it, moved so that the template's
    element and this one coincide. Text stays text and vector art stays vector art; the
    fonts are the document's own (the forms share the pages' resources)."""
    pages = page_objects(document, pdf)
    templates = {}  # key: (page number, x, y)
    uses = []  # (page number, key, x, y)
    for number, page in enumerate(document.pages):
        for box, element in laid_out_elements(page, (STAMP_TEMPLATE, STAMP)):
            x, y = box.border_box_x(), box.border_box_y()
            if element.get(STAMP_TEMPLATE) is not None:
                templates.setdefault(element.get(STAMP_TEMPLATE), (number, x, y))
            else:
                uses.append((number, element.get(STAMP), x, y))
    if not templates:
        return
    forms = {}
    for index, (key, (number, x, y)) in enumerate(templates.items()):
        page, page_object = document.pages[number], pages[number]
        stream = page_stream(pdf, page_object)
        # The page's own painting without its first operator, the flip of the y axis: the
        # form is painted in the flipped space of the page that shows it.
        form = pydyf.Stream(
            stream.stream[1:],
            pydyf.Dictionary(
                {
                    "Type": "/XObject",
                    "Subtype": "/Form",
                    "BBox": pydyf.Array((0, 0, page.width * PX, page.height * PX)),
                    "Resources": page_object["Resources"],
                }
            ),
            compress=stream.compress,
        )
        pdf.add_object(form)
        name = f"Stamp{index}"
        _referenced(pdf, page_object["Resources"])["XObject"][name] = form.reference
        forms[key] = (name, x, y)
    for number, key, x, y in uses:
        if key not in forms:
            continue
        name, template_x, template_y = forms[key]
        page_stream(pdf, pages[number]).stream.append(
            f"q 1 0 0 1 {(x - template_x) * PX:.4f} {(y - template_y) * PX:.4f} cm /{name} Do Q"
        )
    # The templates' pages are left out of the page tree (and emptied).
    left_out = {templates[key][0] for key in templates}
    kids = []
    for number, page_object in enumerate(pages):
        if number in left_out:
            stream = page_stream(pdf, page_object)
            stream.stream = []
            page_object.clear()
        else:
            kids.extend((page_object.number, 0, "R"))
    pdf.pages["Kids"] = pydyf.Array(kids)
    pdf.pages["Count"] = len(kids) // 3


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
