"""Spreadsheets that are not what they claim (issue 7: items 11 and 16): zip bombs, sheets too
long or too wide, broken XML, files that are not workbooks at all; and the column vocabulary
shared by import and export (issue 6)."""

from __future__ import annotations

import csv
import time
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from eventsys.errors import ValidationError
from eventsys.registration import exports, imports
from eventsys.registration.imports import map_columns, read_rows
from tests.factories import make_conference

HEADER = ["参会类别", "姓名", "邮箱", "手机", "单位", "职务"]
ROW = ["delegate", "王敏", "wangmin@example.com", "13800138000", "四川大学", "教授"]


def workbook(path, rows=(ROW,), header=HEADER):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def with_sheet_xml(source, target, write_sheet):
    """A copy of the workbook ``source`` whose first sheet's XML ``write_sheet`` writes."""
    with (
        zipfile.ZipFile(source) as original,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb,
    ):
        for info in original.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with bomb.open(info.filename, "w", force_zip64=True) as sheet:
                    write_sheet(sheet)
            else:
                bomb.writestr(info, original.read(info.filename))
    return target


def test_a_zip_bomb_fails_fast_with_little_memory(ctx, tmp_path):
    """1 MB at most on disk, hundreds of MB of sheet XML once unpacked."""

    def huge_sheet(sheet):
        sheet.write(
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
            b'main"><sheetData>'
        )
        row = b'<row><c t="inlineStr"><is><t>aaaaaaaaaa</t></is></c></row>' * 10_000
        for _ in range(400):  # 400 x 560 kB = 224 MB
            sheet.write(row)
        sheet.write(b"</sheetData></worksheet>")

    bomb = with_sheet_xml(workbook(tmp_path / "ok.xlsx"), tmp_path / "bomb.xlsx", huge_sheet)
    assert bomb.stat().st_size < 1024 * 1024

    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ValidationError) as refused:
            read_rows(bomb)
        seconds = time.perf_counter() - started
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "bomb.xlsx is too large to import" in refused.value.message
    assert "unpacks to more than" in refused.value.message
    assert seconds < 5
    assert peak < 20 * 1024 * 1024


def test_a_file_larger_than_the_limit_is_refused_before_reading(ctx, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows([ROW] * 100)
    with pytest.raises(ValidationError) as refused:
        read_rows(path)
    assert "big.csv is too large to import" in refused.value.message


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_too_many_rows_stop_the_reading_early(ctx, tmp_path, monkeypatch, suffix):
    monkeypatch.setattr(imports, "MAX_ROWS", 50)
    rows = [ROW] * 80
    path = tmp_path / f"long{suffix}"
    if suffix == ".csv":
        with open(path, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([HEADER, *rows])
    else:
        workbook(path, rows)
    with pytest.raises(ValidationError) as refused:
        read_rows(path)
    assert "more than 50 rows" in refused.value.message


def test_a_sheet_as_wide_as_excel_allows_is_refused(ctx, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet["XFD2"] = "x"  # column 16,384
    book.save(tmp_path / "wide.xlsx")
    with pytest.raises(ValidationError) as refused:
        read_rows(tmp_path / "wide.xlsx")
    assert "row 2 has more than 256 columns" in refused.value.message


def one_line_error(result) -> str:
    """The command failed as the contract says: exit 1, one line on stderr, no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_broken_sheet_xml_is_one_line_naming_the_fault(ctx, runner, tmp_path):
    make_conference()

    def broken(sheet):
        sheet.write(b"<worksheet><sheetData><row><c><v>1</v></c></row><row><c")

    path = with_sheet_xml(workbook(tmp_path / "ok.xlsx"), tmp_path / "broken.xlsx", broken)
    line = one_line_error(runner.invoke(args=["import-registrations", "cy-2026", str(path)]))
    assert "broken.xlsx is not a readable .xlsx workbook" in line


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("notzip.xlsx", b"name,email\nx,y\n", "notzip.xlsx is not a readable .xlsx workbook"),
        ("empty.xlsx", b"", "empty.xlsx is not a readable .xlsx workbook"),
        ("latin.csv", "类别,姓名\n".encode("utf-16-le") + b"\x80\xff", "not text in UTF-8"),
    ],
)
def test_files_that_are_not_what_they_claim(ctx, runner, tmp_path, name, content, expected):
    make_conference()
    path = tmp_path / name
    path.write_bytes(content)
    line = one_line_error(runner.invoke(args=["import-registrations", "cy-2026", str(path)]))
    assert expected in line


def test_export_headers_are_the_columns_the_import_reads():
    """One vocabulary: an export's header maps back onto every field of the import."""
    mapped = map_columns(exports.HEADERS)
    assert list(mapped.index) == ["category", "name", "email", "phone", "organization", "position"]
    assert [mapped.index[name] for name in mapped.index] == [0, 1, 2, 3, 4, 5]
