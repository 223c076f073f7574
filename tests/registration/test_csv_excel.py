"""The registration CSV opened as a spreadsheet program opens it: phone numbers, ID numbers
and codes with leading zeros stay text, formulas typed by attendees stay inert, and the
file reads back into an import unchanged."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from eventsys.extensions import db
from eventsys.registration.exports import excel_text, to_csv
from tests.conftest import build_app, login
from tests.factories import PASSWORD, conference_json, make_registration, make_user

QUESTIONS = [{"code": "idcard", "label": "身份证号", "kind": "text"}]


def test_which_text_is_kept_as_text():
    assert excel_text("13800138000") == '="13800138000"'
    assert excel_text("510104199001011234") == '="510104199001011234"'
    assert excel_text("00123") == '="00123"'
    assert excel_text("+86 138 0013 8000") == '="+86 138 0013 8000"'
    assert excel_text("028-87600000") == '="028-87600000"'
    # Ordinary numbers stay numbers; anything else is not touched here.
    assert excel_text("12") is None
    assert excel_text("2026") is None
    assert excel_text("=1+1") is None
    assert excel_text('1"+cmd') is None
    # A formula typed by someone is still guarded, never wrapped.
    body = to_csv(["a", "b", "c"], [['=HYPERLINK("http://x")', "-1+1", "+1-1"]])
    line = body.decode("utf-8-sig").splitlines()[1]
    # "+1-1" is kept as the text it is, through the same ="…" as a phone number.
    assert line == '"\'=HYPERLINK(""http://x"")",\'-1+1,"=""+1-1"""'


@pytest.fixture
def app(tmp_path):
    app = build_app("sqlite", tmp_path)
    with app.app_context():
        from eventsys.conferences.jsonio import load_conference

        conference = load_conference(conference_json(questions=QUESTIONS))
        db.session.commit()
        make_registration(
            conference,
            name="王敏",
            phone="13800138000",
            organization="=1+1",
            answers={"idcard": "510104199001011234"},
        )
        make_user("staff@example.com", "staff", conference)
    yield app
    with app.app_context():
        db.engine.dispose()


def download(app) -> bytes:
    client = app.test_client()
    assert login(client, "staff@example.com", PASSWORD).status_code == 302
    response = client.get("/manage/cy-2026/registrations/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    return response.get_data()


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) not installed")
def test_the_csv_opened_in_a_spreadsheet_keeps_phones_and_id_numbers_as_text(app, tmp_path):
    path = tmp_path / "registrations.csv"
    path.write_bytes(download(app))
    # Opened in LibreOffice Calc as UTF-8 CSV and saved as .xlsx: the cells hold what the
    # spreadsheet computed, as Excel would show them.
    subprocess.run(
        [
            "soffice",
            "--headless",
            "--infilter=CSV:44,34,76,1",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    sheet = load_workbook(tmp_path / "registrations.xlsx", data_only=True).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header, person = rows[0], rows[1]
    values = dict(zip(header, person, strict=False))
    assert values["姓名"] == "王敏"
    assert values["手机"] == "13800138000"  # text, not 13800138000.0 or 1.38E+10
    assert values["身份证号"] == "510104199001011234"  # all 18 digits, not 5.10104E+17
    assert values["单位"] == "'=1+1"  # shown as typed, never run


def test_the_csv_reads_back_into_an_import(app, tmp_path):
    from eventsys.registration.imports import read_rows

    path = tmp_path / "registrations.csv"
    path.write_bytes(download(app))
    header, rows = read_rows(path)
    values = dict(zip(header, rows[0][1], strict=False))
    assert values["手机"] == "13800138000"
    assert values["身份证号"] == "510104199001011234"
