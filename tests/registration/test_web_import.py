"""Importing registrations through the staff pages: upload, preview, confirm; all or none."""

from __future__ import annotations

import io
import pathlib
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from eventsys.extensions import db
from eventsys.registration.models import Registration
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_conference, make_registration, make_user
from tests.registration.test_staff_pages import LIST, SMALL, flashes, page, sign_in

IMPORT = f"{LIST}/import"
GOOD = (
    "参会类别,姓名,邮箱,手机,单位,职务\n"
    "正式代表,张三,zhang@example.com,13800000001,四川大学,教授\n"
    "学生,李四,li@example.com,13800000002,重庆大学,博士生\n"
)


@pytest.fixture
def conference(ctx):
    return make_conference(categories=SMALL)


def count() -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(Registration)).scalar_one()


def upload(client, content: bytes, name="名单.csv"):
    return client.post(
        IMPORT,
        data={"csrf_token": csrf_token(client, IMPORT), "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def upload_id(html: str) -> str:
    return re.search(r'name="upload" type="hidden" value="([^"]+)"', html).group(1)


def kept_files(app) -> list[pathlib.Path]:
    folder = pathlib.Path(app.instance_path) / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def instance(app, tmp_path):
    app.instance_path = str(tmp_path / "instance")
    return app


def test_upload_preview_then_confirm(conference, client, instance):
    sign_in(client, conference)
    response = upload(client, GOOD.encode("utf-8-sig"))
    assert response.status_code == 200
    html = page(response)
    assert "Ready to import 2 registrations from 名单.csv" in html
    assert "张三" in html and "李四" in html
    assert count() == 0  # a preview saves nothing
    assert len(kept_files(instance)) == 2  # the file and who may use it
    assert "名单" not in "".join(p.name for p in kept_files(instance))  # not the user's name
    response = client.post(
        f"{IMPORT}/confirm",
        data={"csrf_token": csrf_token(client, IMPORT), "upload": upload_id(html)},
        follow_redirects=True,
    )
    assert "Imported 2 registrations from 名单.csv." in flashes(page(response))
    assert count() == 2
    assert kept_files(instance) == []  # deleted once imported


def test_a_bad_row_names_row_and_column_and_nothing_is_imported(conference, client, instance):
    make_registration(conference, email="taken@example.com")
    sign_in(client, conference)
    bad = (
        GOOD
        + "正式代表,王五,taken@example.com,13800000003,成都大学,\n"
        + "正式代表,赵六,z@example.com,12345,,\n"
    )
    response = upload(client, bad.encode())
    assert response.status_code == 422
    html = page(response)
    assert "Nothing was imported: 2 problem(s) in 名单.csv." in html
    assert "row 4, column 邮箱: already registered" in html
    assert "row 5, column 手机: a mainland mobile number has 11 digits" in html
    assert count() == 1
    assert kept_files(instance) == []  # a refused file is not kept


def test_an_upload_is_usable_only_by_its_uploader_in_its_conference(ctx, client, instance):
    conference = make_conference(categories=SMALL)
    sign_in(client, conference)
    token = upload_id(page(upload(client, GOOD.encode())))
    # Someone else of the same team cannot confirm it.
    other = make_user("other@example.com", "staff", conference)
    client.post("/logout", data={"csrf_token": csrf_token(client, LIST)})
    login(client, other.email, PASSWORD)
    response = client.post(
        f"{IMPORT}/confirm",
        data={"csrf_token": csrf_token(client, IMPORT), "upload": token},
        follow_redirects=True,
    )
    assert any("no longer here" in m for m in flashes(page(response)))
    assert count() == 0
    # Nor can a made-up id reach another file.
    for forged in ("../../config", token[:-1] + "x", ""):
        client.post(
            f"{IMPORT}/confirm",
            data={"csrf_token": csrf_token(client, IMPORT), "upload": forged},
        )
    assert count() == 0


def test_abandoning_deletes_the_file(conference, client, instance):
    sign_in(client, conference)
    token = upload_id(page(upload(client, GOOD.encode())))
    response = client.post(
        f"{IMPORT}/confirm",
        data={"csrf_token": csrf_token(client, IMPORT), "upload": token, "abandon": "1"},
        follow_redirects=True,
    )
    assert "Nothing was imported; the uploaded file is deleted." in flashes(page(response))
    assert kept_files(instance) == [] and count() == 0


def test_seats_taken_between_preview_and_confirm_refuse_the_whole_file(
    conference, client, instance
):
    rows = "".join(f"正式代表,人{i},p{i}@example.com,1380000010{i},单位,\n" for i in range(2))
    sign_in(client, conference)
    token = upload_id(page(upload(client, ("参会类别,姓名,邮箱,手机,单位,职务\n" + rows).encode())))
    make_registration(conference, "delegate")  # one of the two places goes meanwhile
    response = client.post(
        f"{IMPORT}/confirm",
        data={"csrf_token": csrf_token(client, IMPORT), "upload": token},
        follow_redirects=True,
    )
    assert any(m.startswith("Nothing was imported") for m in flashes(page(response)))
    assert count() == 1
    assert len(kept_files(instance)) == 2  # kept for another try


def test_an_xlsx_upload_and_the_template(conference, client, instance):
    sign_in(client, conference)
    template = client.get(f"{IMPORT}/template.xlsx")
    sheet = load_workbook(io.BytesIO(template.data)).active
    assert [c.value for c in sheet[1]][:4] == ["参会类别", "姓名", "邮箱", "手机"]
    book = Workbook()
    book.active.append(["参会类别", "姓名", "邮箱", "手机"])
    book.active.append(["正式代表", "赵六", "zhao@example.com", 13800000009])
    data = io.BytesIO()
    book.save(data)
    response = upload(client, data.getvalue(), "名单.xlsx")
    assert "Ready to import 1 registrations" in page(response)


def test_only_spreadsheets_are_taken(conference, client, instance):
    sign_in(client, conference)
    response = upload(client, b"x", "名单.xls")
    assert response.status_code == 422
    assert "Upload a .xlsx (Excel workbook) or .csv file." in page(response)
    assert kept_files(instance) == []


def test_checkin_staff_cannot_import(conference, client, instance):
    sign_in(client, conference, "checkin")
    assert client.get(IMPORT).status_code == 403
