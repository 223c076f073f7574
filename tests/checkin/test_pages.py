"""The operator's /q/ screen, the list-and-gate choice, the scan log with undo and exports,
and the check-in card on the overview."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from eventsys.checkin.codes import checkin_code
from eventsys.checkin.models import Checkin, CheckinState
from eventsys.checkin.services import record_checkin
from eventsys.extensions import db
from tests.conftest import csrf_token, login, submit
from tests.factories import PASSWORD, make_conference, make_registration, make_user

CATEGORIES = [
    {
        "code": "delegate",
        "name": "正式代表",
        "capacity": None,
        "requires_approval": False,
        "invite_only": False,
    },
    {
        "code": "student",
        "name": "学生",
        "capacity": 1,
        "requires_approval": True,
        "invite_only": False,
    },
]
LISTS = [
    {"code": "main", "name": "主会场入口", "session": None},
    {"code": "hall", "name": "展厅", "session": None},
]


@pytest.fixture
def conference(ctx):
    return make_conference(categories=CATEGORIES, checkin_lists=LISTS)


def path_of(registration) -> str:
    from flask import current_app

    with current_app.test_request_context():
        code = checkin_code(registration.checkin_token)
    return code[code.index("/q/") :]


def sign_in(client, conference, role, email=None):
    email = email or f"{role}@example.com"
    make_user(email, role, conference)
    assert login(client, email, PASSWORD).status_code == 302


def choose_gate(client, conference, list_code="main", gate="东门1"):
    return submit(
        client,
        f"/manage/{conference.slug}/checkin/gate",
        {"list_code": list_code, "gate": gate},
    )


def press(client, path, type="entry"):
    page = client.get(path).get_data(as_text=True)
    nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf_token(client, path), "nonce": nonce, "type": type}
    return client.post(path, data=data), nonce


def scans() -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(Checkin)).scalar_one()


def test_anyone_else_sees_the_ticket(client, conference):
    person = make_registration(conference, name="刘洋")
    page = client.get(path_of(person)).get_data(as_text=True)
    assert "刘洋" in page and "<svg" in page  # the QR code
    assert person.manual_code[:4] in page
    assert "Check in" not in page and "签到</button>" not in page
    # A POST without a role does nothing.
    token = csrf_token(client, "/login")
    assert client.post(path_of(person), data={"csrf_token": token, "nonce": "x"}).status_code == 403
    assert scans() == 0


def test_an_operator_of_another_conference_sees_the_ticket(client, conference):
    other = make_conference(slug="other-2026", checkin_lists=LISTS)
    sign_in(client, other, "checkin")
    person = make_registration(conference, name="刘洋")
    page = client.get(path_of(person)).get_data(as_text=True)
    assert "<svg" in page and "verdict" not in page


def test_checkin_operator_checks_in_from_the_q_screen(client, conference):
    person = make_registration(conference, name="刘洋", organization="重庆大学")
    sign_in(client, conference, "checkin")
    path = path_of(person)
    # No list and gate yet: the screen asks for them, and still says admit.
    first = client.get(path)
    html = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "verdict-green" in html and "刘洋" in html and "重庆大学" in html and "正式代表" in html
    assert 'name="gate"' in html
    # The staff-only link that answered 403 is not offered to the check-in role.
    assert "/registrations/" not in html
    assert choose_gate(client, conference, "main", "东门1").status_code == 302
    html = client.get(path).get_data(as_text=True)
    assert "东门1" in html and 'value="entry"' in html
    response, nonce = press(client, path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "verdict-green" in html and 'data-status="ok"' in html
    row = db.session.execute(select(Checkin)).scalar_one()
    assert (row.gate, row.checkin_list.code, row.status) == ("东门1", "main", "ok")
    assert row.operator_user_id is not None
    # A double tap (the same nonce again) records nothing more.
    again = client.post(
        path, data={"csrf_token": csrf_token(client, path), "nonce": nonce, "type": "entry"}
    )
    assert 'data-status="ok"' in again.get_data(as_text=True)
    assert scans() == 1
    # Opening the code again: amber, already checked in, with the gate.
    html = client.get(path).get_data(as_text=True)
    assert "verdict-amber" in html and "东门1" in html
    response, _nonce = press(client, path)
    assert 'data-status="already_checked_in"' in response.get_data(as_text=True)
    assert scans() == 2


def test_a_pending_code_says_do_not_admit(client, conference):
    pending = make_registration(conference, "student")
    waitlisted = make_registration(conference, "student")
    sign_in(client, conference, "checkin")
    choose_gate(client, conference)
    html = client.get(path_of(pending)).get_data(as_text=True)
    assert "verdict-red" in html and "请勿放行" in html and "待审核" in html
    client.post("/language/en", data={"csrf_token": csrf_token(client, "/manage/"), "next": "/"})
    for person, word in ((pending, "Pending approval"), (waitlisted, "On the waitlist")):
        html = client.get(path_of(person)).get_data(as_text=True)
        assert "verdict-red" in html
        assert "Do not admit" in html and f"{word}: do not admit." in html
        response, _n = press(client, path_of(person))
        body = response.get_data(as_text=True)
        assert 'data-status="not_confirmed"' in body
    assert db.session.execute(select(func.count()).select_from(CheckinState)).scalar_one() == 0


def test_the_q_screen_post_needs_csrf(client, conference):
    person = make_registration(conference)
    sign_in(client, conference, "checkin")
    choose_gate(client, conference)
    response = client.post(path_of(person), data={"nonce": "abc", "type": "entry"})
    assert response.status_code == 400
    assert scans() == 0


def test_staff_see_the_registrant_link_and_it_opens(client, conference):
    person = make_registration(conference)
    sign_in(client, conference, "staff")
    html = client.get(path_of(person)).get_data(as_text=True)
    link = f"/manage/cy-2026/registrations/{person.id}"
    assert link in html
    assert client.get(link).status_code == 200


def test_gate_choice_refuses_unknown_lists_and_blank_gates(client, conference):
    sign_in(client, conference, "checkin")
    assert choose_gate(client, conference, "nope", "g").status_code == 422
    assert choose_gate(client, conference, "main", "").status_code == 422


def test_scan_log_undo_and_exports_for_staff_only(client, conference):
    person = make_registration(conference, name='=HYPERLINK("http://x")')
    record_checkin(
        conference,
        code=checkin_code(person.checkin_token),
        list_code="main",
        gate="东门1",
        nonce="n1",
    )
    record_checkin(conference, code="junk", list_code="main", gate="东门1", nonce="n2")
    db.session.commit()
    sign_in(client, conference, "checkin", "gate@example.com")
    for url in (
        "/manage/cy-2026/checkin/scans",
        "/manage/cy-2026/checkin/scans.csv",
        "/manage/cy-2026/checkin/scans.xlsx",
    ):
        assert client.get(url).status_code == 403, url
    client.post("/logout", data={"csrf_token": csrf_token(client, "/manage/")})
    sign_in(client, conference, "staff")
    page = client.get("/manage/cy-2026/checkin/scans")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "东门1" in html and "invalid" in html
    scan_id = db.session.execute(select(Checkin.id).where(Checkin.status == "ok")).scalar_one()
    undo_url = f"/manage/cy-2026/checkin/scans/{scan_id}/undo"
    assert undo_url in html
    response = submit(client, "/manage/cy-2026/checkin/scans", {}, action=undo_url)
    assert response.status_code == 302
    assert db.session.execute(select(func.count()).select_from(CheckinState)).scalar_one() == 0
    html = client.get("/manage/cy-2026/checkin/scans").get_data(as_text=True)
    assert 'class="reversed"' in html and undo_url not in html
    # Undo twice: refused, nothing more written.
    submit(client, "/manage/cy-2026/checkin/scans", {}, action=undo_url)
    assert scans() == 3

    exported = client.get("/manage/cy-2026/checkin/scans.csv")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 4  # header, scan, invalid scan, reversal
    assert any(cell.startswith("'=HYPERLINK") for row in rows for cell in row)
    book = load_workbook(io.BytesIO(client.get("/manage/cy-2026/checkin/scans.xlsx").data))
    sheet = book.active
    assert sheet.max_row == 4


def test_overview_shows_checkin_counts_to_the_checkin_role(client, conference):
    people = [make_registration(conference) for _ in range(3)]
    for i, person in enumerate(people[:2]):
        record_checkin(
            conference,
            code=checkin_code(person.checkin_token),
            list_code="main",
            gate="g",
            nonce=f"n{i}",
        )
    db.session.commit()
    sign_in(client, conference, "checkin")
    html = client.get("/manage/cy-2026/").get_data(as_text=True)
    assert "checkin-cards" in html
    card = html[html.index("checkin-cards") :]
    assert re.search(r"big-number\">2<small class=\"muted\"> / 3", card)
    assert "主会场入口" in card
    assert "/checkin/scans" not in card  # no scan log for the check-in role
