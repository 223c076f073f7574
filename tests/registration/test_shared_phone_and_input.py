"""Input as Chinese keyboards type it, and one phone number shared by several people."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from eventsys.errors import ValidationError
from eventsys.extensions import db
from eventsys.registration import services
from eventsys.registration.errors import AlreadyRegistered
from eventsys.registration.models import Registration
from eventsys.registration.questions import save_question
from eventsys.registration.settings import set_shared_phone_allowed
from tests.conftest import submit
from tests.factories import applicant, make_conference, make_registration
from tests.registration.test_staff_pages import SMALL, flashes, page, sign_in

SECRETARY = "028-87600000"


@pytest.fixture
def conference(ctx):
    return make_conference(categories=SMALL)


def test_full_width_digits_and_at_sign_are_normalised(conference):
    save_question(conference, {"code": "nights", "label": "住几晚", "kind": "number"})
    registration = services.register(
        conference,
        applicant(
            phone="１３８ ００１３ ８０００",
            email="ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ",
            answers={"nights": "２"},
        ),
    )
    assert registration.phone == "13800138000"
    assert registration.email == "zhang@example.com"
    assert registration.answers == {"nights": "2"}
    # …and the same number typed in ASCII is the same person.
    with pytest.raises(AlreadyRegistered):
        services.register(conference, applicant(phone="138-0013-8000"))


def test_the_public_form_takes_full_width_input(conference, client):
    response = submit(
        client,
        "/c/cy-2026/register",
        {
            "category": "delegate",
            "name": "王敏",
            "phone": "１３９００００１１１１",
            "email": "wang＠example.com",
            "consent": "y",
        },
    )
    assert response.status_code == 302
    registration = db.session.execute(select(Registration)).scalar_one()
    assert (registration.phone, registration.email) == ("13900001111", "wang@example.com")


def test_one_phone_one_registration_by_default_and_in_the_database(conference):
    first = make_registration(conference, phone="13900000001")
    with pytest.raises(AlreadyRegistered) as refused:
        services.register(conference, applicant(phone="139 0000 0001"))
    assert refused.value.errors == {"phone": "already registered"}
    db.session.rollback()
    # The partial unique index holds even past the service's check.
    row = {
        c.key: getattr(first, c.key)
        for c in Registration.__table__.columns
        if c.key not in ("id", "email", "email_key", "manage_token", "checkin_token", "manual_code")
    }
    row.update(
        email="other@example.com",
        email_key="other@example.com",
        manage_token="x" * 30,
        checkin_token="y" * 30,
        manual_code="ZZZZZZZZ",
    )
    with pytest.raises(IntegrityError):
        db.session.execute(insert(Registration), [row])
    db.session.rollback()


def test_an_organizer_may_allow_a_shared_phone(conference, client):
    sign_in(client, conference, "organizer")
    response = submit(
        client,
        "/manage/cy-2026/registration-settings",
        {"shared_phone_allowed": "y"},
        follow_redirects=True,
    )
    assert "Saved." in flashes(page(response))
    leaders = [
        services.register(conference, applicant(name=name, phone="13900000002"))
        for name in ("领导甲", "领导乙")
    ]
    db.session.commit()
    assert [r.status for r in leaders] == ["confirmed", "confirmed"]
    assert all(r.phone_unique is False for r in leaders)
    # The e-mail stays one per registration.
    with pytest.raises(AlreadyRegistered):
        services.register(conference, applicant(email=leaders[0].email))
    db.session.rollback()


def test_switching_it_off_again_refuses_a_further_shared_number(conference):
    set_shared_phone_allowed(conference.id, True)
    make_registration(conference, phone="13900000003")
    make_registration(conference, phone="13900000003")
    set_shared_phone_allowed(conference.id, False)
    db.session.commit()
    with pytest.raises(AlreadyRegistered):
        services.register(conference, applicant(phone="13900000003"))


def test_staff_cannot_change_the_setting(conference, client):
    sign_in(client, conference, "staff")
    response = submit(
        client,
        "/manage/cy-2026/registrations",
        {"shared_phone_allowed": "y"},
        action="/manage/cy-2026/registration-settings",
    )
    assert response.status_code == 403


def test_a_shared_phone_in_an_import_file(conference, tmp_path):
    from eventsys.registration.imports import import_registrations

    path = tmp_path / "list.csv"
    path.write_text(
        "参会类别,姓名,邮箱,手机\n"
        "特邀嘉宾,领导甲,a@example.com,13900000004\n"
        "特邀嘉宾,领导乙,b@example.com,13900000004\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as refused:
        import_registrations(conference, path)
    assert "the same phone number as row 2" in str(refused.value)
    db.session.rollback()
    set_shared_phone_allowed(conference.id, True)
    assert import_registrations(conference, path).imported == 2
