"""Invitation codes as invitees type them and as organizers hand them out."""

from __future__ import annotations

import csv
import io
import pathlib

import pytest
from openpyxl import load_workbook

from eventsys.extensions import db
from eventsys.registration import services
from eventsys.registration.errors import InvitationRequired
from eventsys.registration.invitations import create_invitations, withdraw_invitation
from eventsys.registration.models import InvitationCode
from tests.conftest import submit
from tests.factories import applicant, make_conference
from tests.registration.test_staff_pages import SMALL, flashes, page, sign_in, table

BASE = "/manage/cy-2026"


@pytest.fixture
def conference(ctx):
    return make_conference(categories=SMALL)


@pytest.mark.parametrize(
    "typed", ["cast-2026", "  CAST-2026 ", "Cast-2026\t", "ＣＡＳＴ－２０２６"]
)
def test_a_code_matches_ignoring_case_and_surrounding_spaces(conference, typed):
    create_invitations(conference, conference.categories[2], code="CAST-2026", max_uses=None)
    registration = services.register(conference, applicant("guest", invite_code=typed))
    assert registration.invitation.code == "CAST-2026"
    assert registration.status == "confirmed"


def test_no_such_code_and_another_categorys_code_are_told_apart(conference):
    guest, student = conference.categories[2], conference.categories[1]
    create_invitations(conference, guest, code="VIP-1")
    create_invitations(conference, student, code="STU-1")
    db.session.commit()
    with pytest.raises(InvitationRequired) as unknown:
        services.register(conference, applicant("guest", invite_code="VIP-9"))
    db.session.rollback()
    with pytest.raises(InvitationRequired) as elsewhere:
        services.register(conference, applicant("guest", invite_code="stu-1"))
    db.session.rollback()
    assert unknown.value.message != elsewhere.value.message
    assert unknown.value.message.startswith("This invitation code cannot be used:")
    assert elsewhere.value.message == (
        "The invitation code STU-1 is for 学生, not for 特邀嘉宾; choose 学生."
    )
    assert elsewhere.value.errors == {"invite_code": "the code belongs to another category"}


def test_a_code_differing_only_in_case_cannot_be_made_twice(conference, client):
    create_invitations(conference, conference.categories[2], code="CAST-2026")
    db.session.commit()
    sign_in(client, conference, "organizer")
    response = submit(client, f"{BASE}/invitations", {"category": "guest", "code": "cast-2026"})
    assert response.status_code == 422
    assert "The code cast-2026 is already used in this conference." in page(response)
    assert db.session.query(InvitationCode).count() == 1


def test_a_withdrawn_code_is_listed_as_withdrawn_and_refused(conference, client):
    (code,) = create_invitations(conference, conference.categories[2], code="OLD")
    withdraw_invitation(conference, code.id)
    db.session.commit()
    assert code.expires_at is None and code.withdrawn_at is not None
    with pytest.raises(InvitationRequired):
        services.register(conference, applicant("guest", invite_code="old"))
    db.session.rollback()
    sign_in(client, conference, "organizer")
    row = table(page(client.get(f"{BASE}/invitations")), "codes")[1]
    assert "withdrawn" in row[3] and "expired" not in row[3]


def test_organizers_export_the_codes_as_csv_and_xlsx(conference, client):
    create_invitations(conference, conference.categories[2], count=2, note="给院士们")
    (gone,) = create_invitations(conference, conference.categories[2], code="GONE")
    withdraw_invitation(conference, gone.id)
    db.session.commit()
    sign_in(client, conference, "organizer")
    response = client.get(f"{BASE}/invitations/export.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Code", "Category", "Status"]
    assert len(rows) == 4
    assert sorted(r[2] for r in rows[1:]) == ["active", "active", "withdrawn"]
    assert all("/c/cy-2026/register?category=guest&code=" in r[7] for r in rows[1:])
    response = client.get(f"{BASE}/invitations/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.max_row == 4 and sheet.cell(2, 7).value in ("给院士们", "", None)


def test_the_print_page_shows_the_codes_that_work(conference, client):
    made = create_invitations(conference, conference.categories[2], count=3)
    withdraw_invitation(conference, made[0].id)
    db.session.commit()
    sign_in(client, conference, "organizer")
    html = page(client.get(f"{BASE}/invitations/print"))
    assert made[0].code not in html
    assert made[1].code in html and made[2].code in html
    assert html.count('class="code-card"') == 2


def test_staff_cannot_see_or_send_codes(conference, client):
    sign_in(client, conference, "staff")
    assert client.get(f"{BASE}/invitations/export.csv").status_code == 403
    assert client.get(f"{BASE}/invitations/print").status_code == 403
    assert client.get(f"{BASE}/invitations/mail").status_code == 403


def test_codes_are_e_mailed_one_each_to_a_list_of_invitees(conference, client, app):
    sign_in(client, conference, "organizer")
    outbox = pathlib.Path(app.config["MAIL_OUTBOX"])
    before = len(list(outbox.iterdir())) if outbox.exists() else 0
    response = submit(
        client,
        f"{BASE}/invitations/mail",
        {
            "category": "guest",
            "addresses": "张院士 <zhang@example.com>\nli＠example.com\n\nzhang@example.com",
            "message": "敬请光临。",
        },
        follow_redirects=True,
    )
    assert "2 invitations are on their way, each with its own code." in flashes(page(response))
    codes = db.session.query(InvitationCode).order_by(InvitationCode.id).all()
    assert [c.note for c in codes] == ["张院士 <zhang@example.com>", "li@example.com"]
    assert all(c.max_uses == 1 and c.category.code == "guest" for c in codes)
    mails = sorted(outbox.iterdir())[before:]
    assert len(mails) == 2
    text = "\n".join(m.read_bytes().decode("utf-8", "replace") for m in mails)
    assert codes[0].code in text or "=" in text  # quoted-printable bodies may wrap


def test_a_bad_address_names_its_line_and_sends_nothing(conference, client, app):
    sign_in(client, conference, "organizer")
    response = submit(
        client,
        f"{BASE}/invitations/mail",
        {"category": "guest", "addresses": "ok@example.com\nnot-an-address"},
    )
    assert response.status_code == 422
    assert "line 2: not a valid e-mail address" in page(response)
    assert db.session.query(InvitationCode).count() == 0
