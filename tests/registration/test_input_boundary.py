"""Text and numbers from outside, checked once at the boundary (issue 7: items 3, 4, 9, 13, 15):
rate limits and invitation codes of public registration, Unicode that cannot be stored,
phone digits and e-mail in full width, NUL characters, wrong JSON types, deep JSON, huge page
numbers, line breaks in textareas; and exports that survive any stored text."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from eventsys.extensions import db
from eventsys.registration.invitations import create_invitations
from eventsys.registration.models import Registration
from tests.conftest import login, submit
from tests.factories import PASSWORD, make_conference, make_registration, make_token, make_user

API = "/api/v1/conferences/cy-2026/registrations"

QUESTIONS = [
    {"code": "note", "label": "备注", "label_en": "Note", "kind": "text", "required": False},
]
CATEGORIES = [
    {"code": "delegate", "name": "正式代表", "capacity": None},
    {"code": "guest", "name": "特邀嘉宾", "capacity": None, "invite_only": True},
]


@pytest.fixture
def conference(ctx):
    return make_conference(categories=CATEGORIES, questions=QUESTIONS)


@pytest.fixture
def staff_token(conference):
    user = make_user("staff@example.com", "staff", conference)
    return {"Authorization": "Bearer " + make_token(user, conference, "staff")}


_people = iter(range(1, 100_000))


def person(**changes) -> dict:
    n = next(_people)
    body = {
        "category": "delegate",
        "name": f"张{n}",
        "email": f"zhang{n}@example.com",
        "phone": f"1380000{n:04d}",
        "organization": "电子科技大学",
        "position": "副教授",
    }
    body.update(changes)
    return body


def post_json(client, body, headers=None, address="192.0.2.1", path=API):
    """``body`` as the raw JSON text a client sends (json.dumps writes "\\udfff" as is)."""
    return client.post(
        path,
        data=json.dumps(body),
        content_type="application/json",
        headers=headers or {},
        environ_base={"REMOTE_ADDR": address},
    )


def count() -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(Registration)).scalar_one()


# --- 3: rate limits and invitation codes -----------------------------------------------------


def test_public_api_registration_is_rate_limited_per_address(conference, client, staff_token):
    for _ in range(60):  # REGISTRATION_RATE_LIMIT: 60 per minute
        assert post_json(client, {"category": "delegate"}).status_code == 422
    refused = post_json(client, person())
    assert refused.status_code == 429
    assert refused.get_json()["error"] == "rate_limited"
    assert "Too many registrations from your address" in refused.get_json()["message"]
    assert count() == 0
    # Another address is not held back; a staff token is not held to the public limit.
    assert post_json(client, person(), address="192.0.2.2").status_code == 201
    assert post_json(client, person(), headers=staff_token).status_code == 201


def test_public_registration_is_rate_limited_per_conference(app, conference, client):
    app.config["REGISTRATION_RATE_LIMIT_PER_CONFERENCE"] = "5 per minute"
    other = make_conference(slug="other-2026")
    for n in range(4):
        assert post_json(client, person(), address=f"198.51.100.{n}").status_code == 201
    # The web form counts towards the same limit.
    form = {**person(), "consent": "y"}
    form.pop("category")
    web = submit(
        client,
        "/c/cy-2026/register",
        {**form, "category": "delegate"},
        environ_base={"REMOTE_ADDR": "198.51.100.50"},
    )
    assert web.status_code == 302
    refused = post_json(client, person(), address="198.51.100.99")
    assert refused.status_code == 429
    assert "too many registrations at once" in refused.get_json()["message"]
    other_path = f"/api/v1/conferences/{other.slug}/registrations"
    assert post_json(client, person(), address="198.51.100.99", path=other_path).status_code == 201


def test_invitation_code_errors_do_not_tell_unknown_from_used_up(conference, client):
    guest = conference.categories[1]
    create_invitations(conference, guest, max_uses=1, code="VIP-ONE")
    db.session.commit()
    assert post_json(client, person(category="guest", invite_code="VIP-ONE")).status_code == 201
    answers = [
        post_json(client, person(category="guest", invite_code=code))
        for code in ("VIP-ONE", "VIP-TWO")  # used up, and no such code
    ]
    assert [a.status_code for a in answers] == [403, 403]
    used_up, unknown = (a.get_json() for a in answers)
    assert used_up == unknown
    assert used_up["message"].startswith("This invitation code cannot be used:")
    # A real code for another category: that one reason is told.
    wrong = post_json(client, person(category="delegate", invite_code="VIP-ONE")).get_json()
    assert wrong["errors"] == {"invite_code": "the code belongs to another category"}


def test_generated_invitation_codes_are_long_and_unambiguous(conference):
    from eventsys.registration.invitations import CODE_ALPHABET

    codes = create_invitations(conference, conference.categories[1], count=200)
    assert all(len(c.code) >= 10 and set(c.code) <= set(CODE_ALPHABET) for c in codes)
    assert len(CODE_ALPHABET) == 30 and not set("01IOLU") & set(CODE_ALPHABET)
    assert len({c.code for c in codes}) == 200


# --- 4: text that is not valid Unicode -------------------------------------------------------


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"answers": {"note": "\udfff"}}, "answers.note"),
        ({"name": "张\ud800三"}, "name"),
        ({"organization": "四川大学\ufffe"}, "organization"),
        ({"position": "教授\U0010ffff"}, "position"),
    ],
)
def test_text_that_is_not_valid_unicode_is_refused_and_nothing_stored(
    conference, client, changes, field
):
    response = post_json(client, person(**changes))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert count() == 0


def test_a_non_character_in_a_web_form_is_refused(conference, client):
    form = {**person(name="王\uffff敏"), "consent": "y"}
    response = submit(client, "/c/cy-2026/register", form)
    assert response.status_code == 400
    assert "字段 name 含有 Unicode 非字符" in response.get_data(as_text=True)
    assert count() == 0


def test_text_is_stored_in_nfc(conference, client):
    assert post_json(client, person(name="Zoe\u0301 Li")).status_code == 201
    assert db.session.execute(select(Registration.name)).scalar_one() == "Zo\u00e9 Li"


def test_exports_and_pages_survive_any_stored_text(conference, client):
    registration = make_registration(conference, answers={"note": "ok"})
    # What the boundary now refuses, put into the database directly (as older versions let in).
    db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id)
        .values(
            name="王\x0b敏\ufffe",
            organization='=HYPERLINK("x")\x01',
            answers={"note": "bad \udfff text"},
        )
    )
    db.session.commit()
    assert client.get(f"/r/{registration.manage_token}").status_code == 200
    sign_in_staff(client, conference)
    assert client.get(f"/manage/cy-2026/registrations/{registration.id}").status_code == 200

    csv_response = client.get("/manage/cy-2026/registrations/export.csv")
    assert csv_response.status_code == 200
    rows = list(csv.reader(io.StringIO(csv_response.get_data().decode("utf-8-sig"))))
    assert rows[1][1] == "王\x0b敏\ufffe"
    assert rows[1][-1] == "bad \ufffd text"

    xlsx_response = client.get("/manage/cy-2026/registrations/export.xlsx")
    assert xlsx_response.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx_response.get_data())).worksheets[0]
    values = [cell.value for cell in sheet[2]]
    assert values[1] == "王敏"
    assert values[4] == '=HYPERLINK("x")'
    assert values[-1] == "bad \ufffd text"


def sign_in_staff(client, conference):
    make_user("desk@example.com", "staff", conference)
    assert login(client, "desk@example.com", PASSWORD).status_code == 302


# --- 9: digits and e-mail as a Chinese keyboard types them -----------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "13９３１１１２２２２",  # mixed full-width
        "１３９３１１１２２２２",  # all full-width
        "١٣٩٣١١١٢٢٢٢",  # Arabic-Indic
        "＋８６ １３９-３１１１-２２２２",
    ],
)
def test_phone_digits_are_normalised_before_checking_and_storing(conference, client, typed):
    assert post_json(client, person(phone="13931112222")).status_code == 201
    duplicate = post_json(client, person(phone=typed))
    assert duplicate.status_code == 409
    db.session.execute(update(Registration).values(status="cancelled"))
    db.session.commit()
    again = post_json(client, person(phone=typed))
    assert again.status_code == 201
    stored = db.session.get(Registration, again.get_json()["id"])
    assert (stored.phone, stored.phone_key) == ("13931112222", "13931112222")


def test_full_width_email_is_normalised(conference, client):
    response = post_json(client, person(email="ＷＡＮＧ＠ｅｘａｍｐｌｅ．ｃｏｍ"))
    assert response.status_code == 201
    assert db.session.get(Registration, response.get_json()["id"]).email == "WANG@example.com"
    assert post_json(client, person(email="wang@example.com")).status_code == 409


# --- 13: NUL characters, wrong JSON types, deep JSON, huge page numbers ----------------------


def test_nul_in_a_search_a_path_or_a_form_is_a_400(conference, client, staff_token):
    sign_in_staff(client, conference)
    assert client.get("/manage/cy-2026/registrations?q=a%00b").status_code == 400
    api_list = client.get(API + "?q=%00", headers=staff_token)
    assert api_list.status_code == 400
    assert "NUL" in api_list.get_json()["message"]
    assert client.get("/c/cy%00-2026/register").status_code == 400
    form = {**person(invite_code="VIP\x00"), "consent": "y"}
    assert submit(client, "/c/cy-2026/register", form).status_code == 400
    assert count() == 0


def test_nul_in_an_api_invitation_code_is_a_422(conference, client):
    response = post_json(client, person(category="guest", invite_code="VIP\x00"))
    assert response.status_code == 422
    assert "invite_code" in response.get_json()["errors"]


def test_fields_of_the_wrong_json_type_are_named(conference, client):
    response = post_json(
        client,
        person(category=["open"], name={"first": "张"}, answers=["x"], override_capacity="yes"),
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"category", "name", "answers", "override_capacity"}
    assert post_json(client, person(answers={"note": {"a": 1}})).status_code == 422
    assert count() == 0


def test_deeply_nested_json_is_a_400(conference, client, staff_token):
    deep = "[" * 100_000 + "]" * 100_000
    response = client.post(API, data=deep, content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.get_json()["error"] in ("bad_request", "invalid")
    cancel = client.post(
        API + "/1/cancel", data=deep, content_type="application/json", headers=staff_token
    )
    assert cancel.status_code in (400, 404)


def test_huge_page_numbers_are_refused_or_clamped(conference, client, staff_token):
    make_registration(conference)
    huge = client.get(API + "?page=9223372036854775807", headers=staff_token)
    assert huge.status_code == 422
    assert "page" in huge.get_json()["errors"]
    sign_in_staff(client, conference)
    page = client.get("/manage/cy-2026/registrations?page=9223372036854775807")
    assert page.status_code == 200
    assert client.get("/manage/cy-2026/registrations?page=-3").status_code == 200


# --- 15: line breaks in a textarea -----------------------------------------------------------


def test_a_textarea_answer_keeps_its_line_breaks(conference, client):
    form = {**person(), "q_note": "第一行\r\n第二行\r\n\t缩进", "consent": "y"}
    assert submit(client, "/c/cy-2026/register", form).status_code == 302
    assert db.session.execute(select(Registration.answers)).scalar_one() == {
        "note": "第一行\n第二行\n\t缩进"
    }
    one_line = submit(client, "/c/cy-2026/register", {**person(name="王\n敏"), "consent": "y"})
    assert one_line.status_code == 422
    assert count() == 1
