"""Registrations as spreadsheets: CSV (UTF-8 with BOM) and XLSX, with Chinese headers.

The first six columns are named as the import reads them, so an export can be edited and
imported into another conference.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from flask_babel import force_locale
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from eventsys.conferences.models import Conference
from eventsys.errors import NotFound
from eventsys.extensions import db
from eventsys.jobs import Job, job, job_files, report_progress
from eventsys.registration import columns
from eventsys.registration.models import Question, Registration
from eventsys.registration.services import answer_text
from eventsys.registration.statuses import status_labels
from eventsys.text import exportable

HEADERS = columns.EXPORT_HEADERS
TIME_FORMAT = "%Y-%m-%d %H:%M"
# A spreadsheet program runs a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def registration_rows(
    conference: Conference, registrations: Iterable[Registration], questions: Sequence[Question]
) -> tuple[list[str], list[list[Any]]]:
    """Headers and one row per registration; times are naive, in the conference's zone."""
    return registration_headers(questions), list(
        iter_registration_rows(conference, registrations, questions)
    )


def registration_row_batches(
    conference: Conference, questions: Sequence[Question], filters: dict[str, str]
) -> Iterator[list[Any]]:
    """The export's rows of every registration the list's ``filters`` match, read 1,000 at a
    time as plain records (``services.matching_registration_batches``)."""
    from eventsys.registration.services import matching_registration_batches

    for batch in matching_registration_batches(conference, **filters):
        yield from iter_registration_rows(conference, batch, questions)


def registration_headers(questions: Sequence[Question]) -> list[str]:
    return HEADERS + [question.label for question in questions]


def iter_registration_rows(
    conference: Conference, registrations: Iterable[Registration], questions: Sequence[Question]
) -> Iterator[list[Any]]:
    """The rows of ``registration_rows`` one at a time, as the registrations come."""
    tz = conference.tz
    # The file speaks Chinese whatever the language of the page it was downloaded from.
    with force_locale("zh_CN"):
        statuses = status_labels()
        for registration in registrations:
            yield _row(registration, tz, statuses, questions)


def _row(registration: Registration, tz, statuses: dict[str, str], questions) -> list[Any]:
    answers = registration.answers or {}
    return [
        registration.category.name,
        registration.name,
        registration.email,
        registration.phone,
        registration.organization,
        registration.position,
        statuses.get(registration.status, registration.status),
        registration.created_at.astimezone(tz).replace(tzinfo=None),
        *(answer_text(q, answers.get(q.code), empty="") for q in questions),
    ]


def guard_formula(text: str) -> str:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


# Text that Excel, opening a CSV, would turn into a number and change: a leading zero or plus
# dropped (0028…, +86…), 11 digits and more shown as 1.38001E+10 and from the 16th digit
# rounded (ID card numbers), dashes read as a date or a subtraction.
_DIGITS_AS_TEXT = re.compile(r"\+?\d[\d \-]*")


def excel_text(text: str) -> str | None:
    """``="13800138000"`` for digit strings Excel would mangle, else None.

    Excel and LibreOffice evaluate ``="…"`` to the text inside (shown without the quotes,
    left-aligned as text), whatever the cell's format; it is the only spelling in a CSV that
    both keep as typed (a leading apostrophe is shown literally; a leading tab is kept in the
    value). Safe against formula injection: the quotes hold only digits, spaces, + and -.
    Reading the file back, ``imports`` takes ``="…"`` as the text inside.
    """
    if not _DIGITS_AS_TEXT.fullmatch(text):
        return None
    digits = sum(c.isdigit() for c in text)
    if text[0] in "0+" or digits >= 11 or not text.isdigit():
        return f'="{text}"'
    return None


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(TIME_FORMAT)
    # Whatever the database holds (a lone surrogate stored before the boundary refused it)
    # the file is written: what UTF-8 cannot encode becomes U+FFFD.
    text = exportable(str(value))
    if not isinstance(value, int | float):
        as_text = excel_text(text)
        if as_text is not None:
            return as_text
    return guard_formula(text)


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel shows the Chinese as Chinese."""
    return csv_header(headers) + csv_rows(rows)


def csv_header(headers: Sequence[str]) -> bytes:
    """The start of a CSV file: the byte-order mark and the header row (a streamed export
    sends this at once, then ``csv_rows`` piece by piece)."""
    return "\ufeff".encode() + csv_rows([headers])


def csv_rows(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows of a CSV file, each cell formula-guarded."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def _display_width(value: Any) -> int:
    if isinstance(value, datetime):
        return 16
    text = "" if value is None else str(value)
    # Chinese characters take two columns' width.
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def to_xlsx(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    title: str = "报名",
    on_progress: Callable[[int, int], None] | None = None,
    total: int | None = None,
) -> bytes:
    """An Excel workbook: bold header row, frozen, columns as wide as their contents.

    Text cells are always stored as text, never as formulas, so nothing needs the CSV's
    apostrophe: a phone number like +852… stays exactly as typed.

    ``rows`` may be any iterable (e.g. read in batches): only the first 500 rows are held at
    once, to size the columns; openpyxl's write-only sheet writes the others out as they come.
    ``total``: the number of rows, for ``on_progress`` when ``rows`` has no length.
    """
    if total is None and isinstance(rows, Sequence):
        total = len(rows)
    rows = iter(rows)
    first = list(itertools.islice(rows, 500))
    rows = itertools.chain(first, rows)
    widths = [_display_width(h) for h in headers]
    for row in first:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], _display_width(value))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(exportable(title, xml=True)[:31])
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 50)
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=exportable(str(header), xml=True))
        cell.font = bold
        cell.data_type = "s"
        header_cells.append(cell)
    sheet.append(header_cells)
    for number, row in enumerate(rows, start=1):
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        if on_progress is not None and number % 2000 == 0:
            on_progress(number, max(total or 0, number))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value: Any):
    if isinstance(value, str):
        # XML cannot hold control characters, surrogates, U+FFFE or U+FFFF: left out, so a
        # bad stored text cannot make the workbook unreadable.
        value = exportable(value, xml=True)
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # openpyxl would store it as a formula
        return cell
    return value


# --- large exports, built by the worker -------------------------------------------------------

XLSX_JOB = "registrations.export_xlsx"


def export_filename(conference: Conference, extension: str, what: str = "registrations") -> str:
    """``<slug>-<what>-<local date and time>.<extension>``."""
    stamp = datetime.now(conference.tz).strftime("%Y%m%d-%H%M")
    return f"{conference.slug}-{what}-{stamp}.{extension}"


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def spreadsheet_response(
    headers: Sequence[str], rows, extension: str, filename: str, title: str | None = None
):
    """A download of ``rows`` as .csv (UTF-8 with BOM) or .xlsx, built at once: for tables
    that fit in a request (the registration list streams its CSV instead)."""
    from flask import Response

    if extension == "csv":
        # content_type, not mimetype: Flask would add "; charset=utf-8" a second time.
        body, mimetype = to_csv(headers, rows), "text/csv; charset=utf-8"
    else:
        body = to_xlsx(headers, rows, title=title) if title else to_xlsx(headers, rows)
        mimetype = XLSX_MIMETYPE
    return Response(
        body,
        content_type=mimetype,
        headers={
            "Content-Disposition": f"attachment; filename={filename}",
            "Cache-Control": "no-store",
        },
    )


@job(XLSX_JOB, retries=2, retry_delay=5, tracked=True)
def build_xlsx_export(export: Job) -> tuple[str, str]:
    """The registrations matching the list's filters (``export.params["filters"]``) as an
    XLSX file among the job files; returns its path (relative to that folder) and
    the name it is downloaded under."""
    import secrets

    from eventsys.registration.questions import questions_of
    from eventsys.registration.services import search_registrations

    conference = db.session.get(Conference, export.conference_id)
    if conference is None:
        raise NotFound(f"conference {export.conference_id} no longer exists")
    filters = {
        key: str(value)
        for key, value in (export.params or {}).get("filters", {}).items()
        if key in ("q", "status", "category")
    }
    _items, total = search_registrations(conference, page=1, per_page=1, **filters)
    questions = questions_of(conference)
    headers = registration_headers(questions)
    filename = export_filename(conference, "xlsx")
    folder = f"exports/{conference.id}"
    report_progress(export, 30)

    def progress(done: int, total: int) -> None:
        report_progress(export, 30 + 65 * done // max(total, 1))

    # Read 1,000 at a time as plain rows (not every registration as an object at once).
    body = to_xlsx(
        headers,
        registration_row_batches(conference, questions, filters),
        on_progress=progress,
        total=total,
    )
    relative = f"{folder}/{export.id}-{secrets.token_urlsafe(12)}.xlsx"
    path = job_files() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return relative, filename
