"""Reading the spreadsheets staff keep (.csv or .xlsx) as rows of text, within limits.

Shared by every import (registrations, signed projects): the file's size, its rows and columns
and, for an .xlsx, what it unpacks to are checked before or while it is read, so a huge file
or a zip bomb is refused with a message instead of filling the memory. CSV is read as UTF-8
(with or without BOM), UTF-16 with BOM, or GB18030 (as Excel on Chinese Windows writes it).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from eventsys.errors import ValidationError

SUFFIXES = (".csv", ".xlsx")
# Leading rows with fewer filled cells than this are a title above the table, not its header.
_HEADER_MIN_CELLS = 2
_HEADER_NOISE = re.compile(r"[\s*_\-/、:]")
_HEADER_NOTE = re.compile(r"\(.*\)$")
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


@dataclass(frozen=True)
class Limits:
    """The most a file may hold; past these it is refused before it is read (or as soon as a
    row is past them). A 1 MB .xlsx can unpack to gigabytes: ``unpacked_bytes``."""

    file_bytes: int = 16 * 1024 * 1024
    unpacked_bytes: int = 64 * 1024 * 1024
    rows: int = 100_000
    columns: int = 256


@dataclass
class Table:
    """A sheet's header (the first row with two filled cells), its filled rows as ``(row
    number, cells)``, the header's row number and, for an .xlsx, its merged ranges
    (``"A1:B1"``)."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]
    header_row: int = 1
    merged: list[str] = field(default_factory=list)

    def merged_in_row(self, number: int) -> list[str]:
        """The merged ranges that touch row ``number``."""
        found = []
        for ref in self.merged:
            first, _sep, last = ref.partition(":")
            top = int(re.sub(r"[A-Z]", "", first))
            bottom = int(re.sub(r"[A-Z]", "", last or first))
            if top <= number <= bottom:
                found.append(ref)
        return found


def header_key(text: str) -> str:
    """A column title reduced for matching: NFKC, lower case, no note in brackets, no spaces
    or punctuation (``金额（万元）`` and ``金额 (万元)`` are the same column)."""
    text = unicodedata.normalize("NFKC", text or "").strip().lower()
    text = _HEADER_NOTE.sub("", text)
    return _HEADER_NOISE.sub("", text)


def read_rows(
    path: str | Path, limits: Limits | None = None
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the filled rows of a .csv or .xlsx file, every cell as trimmed text
    (``read_table`` without the rest)."""
    table = read_table(path, limits)
    return table.headers, table.rows


def read_table(path: str | Path, limits: Limits | None = None) -> Table:
    """The header and the filled rows of a .csv or .xlsx file, every cell as trimmed text.

    Rows are ``(row number, cells)`` with the row number as a spreadsheet program shows it
    (the header's row counts); empty rows are left out. The header is the first row with at
    least two filled cells, so a title line above the table is passed over.
    """
    path = Path(path)
    limits = limits or Limits()
    suffix = path.suffix.lower()
    merged: list[str] = []
    if suffix in SUFFIXES:
        _check_size(path, limits)
    if suffix == ".csv":
        table = _read_csv(path, limits)
    elif suffix == ".xlsx":
        table, merged = _read_xlsx(path, limits)
    elif suffix in (".xls", ".et", ".numbers", ".ods"):
        raise ValidationError(
            _(
                "%(name)s: this spreadsheet format cannot be read; save it as .xlsx "
                "(Excel workbook) or .csv and import that.",
                name=path.name,
            ),
            {"file": _("unsupported format")},
        )
    else:
        raise ValidationError(
            _(
                "%(name)s: unknown file type %(suffix)s; import a .csv or .xlsx file.",
                name=path.name,
                suffix=suffix or _("(no extension)"),
            ),
            {"file": _("unsupported format")},
        )
    filled = [(number, cells) for number, cells in table if any(cells)]
    if not filled:
        raise ValidationError(
            _("%(name)s is empty: its first row should name the columns.", name=path.name),
            {"file": _("empty")},
        )
    start = next(
        (i for i, (_n, cells) in enumerate(filled) if sum(map(bool, cells)) >= _HEADER_MIN_CELLS),
        0,
    )
    header_row, headers = filled[start][0], list(filled[start][1])
    rows = filled[start + 1 :]
    while headers and not headers[-1]:
        headers.pop()
    return Table(headers, rows, header_row, merged)


def _unreadable(path: Path, error: OSError) -> ValidationError:
    return ValidationError(
        _("Cannot read %(name)s: %(reason)s.", name=path.name, reason=error.strerror or error),
        {"file": _("unreadable")},
    )


def _too_large(name: str, what: str) -> ValidationError:
    return ValidationError(
        _(
            "%(name)s is too large to import (%(what)s); split it into smaller files.",
            name=name,
            what=what,
        ),
        {"file": _("too large")},
    )


def _check_size(path: Path, limits: Limits) -> None:
    try:
        size = path.stat().st_size
    except OSError as error:
        raise _unreadable(path, error) from None
    if size > limits.file_bytes:
        raise _too_large(path.name, _("more than %(n)s MB", n=limits.file_bytes // 2**20))


def _check_shape(name: str, number: int, width: int, limits: Limits) -> None:
    """Refuse as soon as a row is past the most rows or columns a file may have."""
    if number > limits.rows:
        raise _too_large(name, _("more than %(n)s rows", n=limits.rows))
    if width > limits.columns:
        raise _too_large(
            name, _("row %(row)s has more than %(n)s columns", row=number, n=limits.columns)
        )


def _read_csv(path: Path, limits: Limits) -> list[tuple[int, list[str]]]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise _unreadable(path, error) from None
    text = _decode(data, path.name)
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        if "\t" in first_line:
            delimiter = "\t"
        elif ";" in first_line:
            delimiter = ";"
    table = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for number, record in enumerate(reader, start=1):
            _check_shape(path.name, number, len(record), limits)
            table.append((number, [_csv_text(cell) for cell in record]))
    except csv.Error as error:
        raise ValidationError(
            _("%(name)s is not a readable CSV file: %(reason)s.", name=path.name, reason=error),
            {"file": _("not CSV")},
        ) from None
    return table


def _decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 (Excel on Chinese Windows)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        _("%(name)s is not text in UTF-8 or GB18030; save it as CSV UTF-8.", name=name),
        {"file": _("unknown encoding")},
    )


def _not_xlsx(path: Path, reason: str) -> ValidationError:
    return ValidationError(
        _("%(name)s is not a readable .xlsx workbook: %(reason)s.", name=path.name, reason=reason),
        {"file": _("not .xlsx")},
    )


def _check_unpacked_size(path: Path, limits: Limits) -> None:
    """An .xlsx is a zip: add up what its members unpack to (from the zip's own directory,
    before anything is unpacked) and refuse a file that would unpack to too much. The sizes
    can be trusted: Python's zipfile stops a member at its stated size."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise _not_xlsx(path, _("it is not a zip archive, as every .xlsx file is")) from None
    except OSError as error:
        raise _unreadable(path, error) from None
    unpacked = sum(info.file_size for info in infos)
    if unpacked > limits.unpacked_bytes or len(infos) > 10_000:
        raise _too_large(
            path.name,
            _("it unpacks to more than %(n)s MB", n=limits.unpacked_bytes // 2**20),
        )


def _read_xlsx(path: Path, limits: Limits) -> tuple[list[tuple[int, list[str]]], list[str]]:
    """The first sheet's rows, read in openpyxl's read-only (streaming) mode after the size
    checks; whatever is wrong inside the file (broken XML, missing parts) is one message."""
    from openpyxl import load_workbook

    _check_unpacked_size(path, limits)
    # The file is ours to open and close: a workbook that fails half-way through loading
    # would otherwise leave its file open.
    with open(path, "rb") as handle:
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
        except ValidationError:
            raise
        except Exception as error:  # noqa: BLE001 (anything in a broken file)
            raise _not_xlsx(path, _file_fault(error)) from None
        try:
            sheet = workbook.worksheets[0]
            # Some programs write a wrong size into the file, which read-only mode trusts.
            sheet.reset_dimensions()
            table = []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                _check_shape(path.name, number, len(values), limits)
                table.append((number, [cell_text(value) for value in values]))
            return table, _merged_ranges(workbook, sheet)
        except ValidationError:
            raise
        except Exception as error:  # noqa: BLE001 (broken sheet XML, bad cell values, …)
            raise _not_xlsx(path, _file_fault(error)) from None
        finally:
            workbook.close()


def _file_fault(error: Exception) -> str:
    """What was wrong inside a workbook, in one line (a parser's message names the place)."""
    text = " ".join(str(error).split())
    if len(text) > 200:
        text = text[:199] + "…"
    return text or type(error).__name__


_EXCEL_TEXT = re.compile(r'="([^"]*)"')


def _csv_text(cell: str) -> str:
    """A CSV cell as its text: ``="13800138000"`` (how our exports, and many others, keep
    digits as text for Excel) is the text inside the quotes."""
    cell = cell.strip()
    match = _EXCEL_TEXT.fullmatch(cell)
    return match.group(1).strip() if match else cell


def cell_text(value: Any) -> str:
    """A cell as the text a person sees: 13800138000 stored as a number stays 13800138000."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def _merged_ranges(workbook, sheet) -> list[str]:
    """The merged cell ranges of a sheet opened read-only (openpyxl's streaming mode does not
    read them): the ``<mergeCell ref="A1:C1"/>`` elements of the sheet's XML, which follow its
    rows. The size of the archive was checked before."""
    try:
        with workbook._archive.open(sheet._worksheet_path) as handle:
            found = []
            tail = b""
            while chunk := handle.read(1 << 20):
                text = tail + chunk
                found.extend(m.group(0) for m in _MERGE_REF.finditer(text))
                tail = text[-200:]
            refs = []
            for match in dict.fromkeys(found):
                parts = _MERGE_REF.match(match)
                first = parts.group(1).decode() + parts.group(2).decode()
                last = (parts.group(3) or parts.group(1)).decode() + (
                    parts.group(4) or parts.group(2)
                ).decode()
                refs.append(f"{first}:{last}")
            return refs
    except (AttributeError, KeyError, OSError):
        return []
