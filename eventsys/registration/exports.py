"""Registrations as spreadsheets: CSV (UTF-8 with BOM) and XLSX, with Chinese headers.

The first six columns are named as the import reads them, so an export can be edited and
imported into another conference.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from flask_babel import force_locale
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from eventsys.conferences.models import Conference
from eventsys.registration.models import Question, Registration
from eventsys.registration.services import answer_text
from eventsys.registration.statuses import status_labels

HEADERS = ["参会类别", "姓名", "邮箱", "手机", "单位", "职务", "状态", "报名时间"]
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


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(TIME_FORMAT)
    return guard_formula(str(value))


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


def to_xlsx(headers: Sequence[str], rows: Sequence[Sequence[Any]], title: str = "报名") -> bytes:
    """An Excel workbook: bold header row, frozen, columns as wide as their contents.

    Text cells are always stored as text, never as formulas, so nothing needs the CSV's
    apostrophe: a phone number like +852… stays exactly as typed.
    """
    widths = [_display_width(h) for h in headers]
    for row in rows[:500]:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], _display_width(value))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 50)
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        cell.data_type = "s"
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value: Any):
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # openpyxl would store it as a formula
        return cell
    return value
