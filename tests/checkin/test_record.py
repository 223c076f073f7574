"""Deciding a scan: ``record_checkin``, through the service as the API and pages call it."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eventsys.checkin.codes import checkin_code
from eventsys.checkin.models import Checkin, CheckinList, CheckinState
from eventsys.checkin.services import record_checkin
from eventsys.conferences.models import Category
from eventsys.db_types import utcnow
from eventsys.errors import ValidationError
from eventsys.extensions import db
from eventsys.registration import services as registration_services
from eventsys.registration.models import MANUAL_CODE_ALPHABET, Registration
from tests.factories import make_conference, make_registration

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
    {
        "code": "guest",
        "name": "特邀嘉宾",
        "capacity": None,
        "requires_approval": False,
        "invite_only": False,
    },
]
LISTS = [
    {"code": "main", "name": "主会场入口", "session": None},
    {"code": "vip", "name": "贵宾通道", "session": None},
    {"code": "dinner", "name": "晚宴", "session": None},
    {"code": "hall", "name": "展厅", "session": None},
]

_nonces = itertools.count(1)


def nonce() -> str:
    return f"nonce-{next(_nonces)}"


@pytest.fixture
def conference(ctx):
    conference = make_conference(categories=CATEGORIES, checkin_lists=LISTS)
    lists = {cl.code: cl for cl in db.session.execute(select(CheckinList)).scalars()}
    guest = db.session.execute(select(Category).where(Category.code == "guest")).scalar_one()
    lists["vip"].categories = [guest]
    lists["hall"].allow_reentry = True
    db.session.commit()
    return conference


def scan(conference, code, list_code="main", gate="east-1", type="entry", **kwargs):
    kwargs.setdefault("nonce", nonce())
    answer = record_checkin(
        conference, code=code, list_code=list_code, gate=gate, type=type, **kwargs
    )
    db.session.commit()
    return answer


def code_of(registration) -> str:
    return checkin_code(registration.checkin_token)


def rows() -> int:
    return db.session.execute(select(func.count()).select_from(Checkin)).scalar_one()


def test_first_scan_admits_and_a_second_is_already_checked_in(conference):
    person = make_registration(conference, name="张三", organization="四川大学")
    first = scan(conference, code_of(person), gate="east-1")
    assert first["status"] == "ok"
    assert first["registration"] == {
        "id": person.id,
        "name": "张三",
        "organization": "四川大学",
        "category": "delegate",
        "category_name": "正式代表",
        "status": "confirmed",
    }
    assert first["first_checked_in_at"] is not None
    assert first["first_gate"] == "east-1"
    assert first["list"] == "main" and first["type"] == "entry"

    second = scan(conference, code_of(person), gate="west-2")
    assert second["status"] == "already_checked_in"
    assert second["first_gate"] == "east-1"
    assert second["first_checked_in_at"] == first["first_checked_in_at"]
    assert "east-1" in second["message"]
    assert rows() == 2  # every scan is kept


def test_the_last_part_of_the_url_works_like_the_whole_url(conference):
    person = make_registration(conference)
    assert scan(conference, code_of(person).rsplit("/", 1)[1])["status"] == "ok"


def test_a_repeated_nonce_returns_the_first_answer_and_records_nothing(conference):
    person = make_registration(conference)
    first = scan(conference, code_of(person), nonce="same-nonce")
    again = scan(conference, code_of(person), nonce="same-nonce", gate="other")
    assert again == first
    assert again["status"] == "ok"
    assert rows() == 1


def test_each_list_counts_on_its_own(conference):
    person = make_registration(conference)
    assert scan(conference, code_of(person), "main")["status"] == "ok"
    assert scan(conference, code_of(person), "dinner")["status"] == "ok"


def test_a_list_for_some_categories_refuses_others(conference):
    delegate = make_registration(conference)
    guest = make_registration(conference, "guest")
    refused = scan(conference, code_of(delegate), "vip")
    assert refused["status"] == "not_allowed"
    assert "正式代表" in refused["message"]
    assert scan(conference, code_of(guest), "vip")["status"] == "ok"
    assert db.session.execute(select(func.count()).select_from(CheckinState)).scalar_one() == 1


def test_a_list_outside_its_time_window_refuses(conference):
    dinner = db.session.execute(
        select(CheckinList).where(CheckinList.code == "dinner")
    ).scalar_one()
    dinner.opens_at = utcnow() + timedelta(hours=2)
    db.session.commit()
    person = make_registration(conference)
    assert scan(conference, code_of(person), "dinner")["status"] == "not_allowed"
    dinner.opens_at = utcnow() - timedelta(hours=3)
    dinner.closes_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert scan(conference, code_of(person), "dinner")["status"] == "not_allowed"
    dinner.closes_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    assert scan(conference, code_of(person), "dinner")["status"] == "ok"


def test_pending_and_waitlisted_are_not_confirmed_with_their_status(conference):
    pending = make_registration(conference, "student")
    waitlisted = make_registration(conference, "student")
    assert (pending.status, waitlisted.status) == ("pending", "waitlisted")
    answer = scan(conference, code_of(pending))
    assert answer["status"] == "not_confirmed"
    assert answer["registration"]["status"] == "pending"
    assert "do not admit" in answer["message"]
    answer = scan(conference, code_of(waitlisted))
    assert answer["status"] == "not_confirmed"
    assert answer["registration"]["status"] == "waitlisted"
    # Approved: now admitted.
    registration_services.approve(pending)
    db.session.commit()
    assert scan(conference, code_of(pending))["status"] == "ok"


def test_cancelled_and_rejected_are_cancelled(conference):
    cancelled = make_registration(conference)
    registration_services.cancel(cancelled)
    rejected = make_registration(conference, "student")
    registration_services.reject(rejected, "no")
    db.session.commit()
    assert scan(conference, code_of(cancelled))["status"] == "cancelled"
    answer = scan(conference, code_of(rejected))
    assert answer["status"] == "cancelled"
    assert answer["registration"]["status"] == "rejected"


def test_a_code_of_another_conference_is_invalid(conference):
    other = make_conference(slug="other-2026", checkin_lists=LISTS)
    stranger = make_registration(other)
    answer = scan(conference, code_of(stranger))
    assert answer == {**answer, "status": "invalid", "registration": None}
    # Its manual code is no use here either.
    assert scan(conference, stranger.manual_code)["status"] == "invalid"
    # Nothing was checked in, anywhere.
    assert db.session.execute(select(func.count()).select_from(CheckinState)).scalar_one() == 0
    assert scan(other, code_of(stranger))["status"] == "ok"


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "hello",
        "x" * 100_000,
        "https://evil.example/q/" + "A" * 24 + ".abcdefghij",
        "\x00\x01\x02\xff binary \ud7ff",
        "SELECT * FROM registrations; --",
        "<script>alert(1)</script>",
        "2345",
    ],
)
def test_garbage_is_invalid_and_recorded_as_such(conference, garbage):
    answer = scan(conference, garbage)
    assert answer["status"] == "invalid"
    assert answer["registration"] is None
    row = db.session.execute(select(Checkin)).scalar_one()
    assert (row.status, row.registration_id) == ("invalid", None)


def test_not_a_string_is_invalid(conference):
    assert scan(conference, None)["status"] == "invalid"
    assert scan(conference, 12345)["status"] == "invalid"
    assert scan(conference, b"\x00bytes")["status"] == "invalid"


def test_tampered_and_truncated_codes_are_invalid(conference):
    person = make_registration(conference)
    code = code_of(person)
    token, signature = code.rsplit("/", 1)[1].split(".")
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert scan(conference, code.replace(token, flipped))["status"] == "invalid"
    assert scan(conference, code[:-1])["status"] == "invalid"
    assert scan(conference, code[:-5])["status"] == "invalid"
    assert scan(conference, f"{token}.{signature[::-1]}")["status"] == "invalid"
    assert scan(conference, token)["status"] == "invalid"
    assert scan(conference, code)["status"] == "ok"


def test_manual_code_any_case_spaces_and_dashes(conference):
    person = make_registration(conference)
    code = person.manual_code
    assert len(code) == 8 and set(code) <= set(MANUAL_CODE_ALPHABET)
    typed = f" {code[:4].lower()}-{code[4:]} "
    assert scan(conference, typed)["status"] == "ok"
    assert scan(conference, code)["status"] == "already_checked_in"


def test_manual_codes_are_set_for_every_registration_and_avoid_ambiguous_letters(conference):
    people = [make_registration(conference) for _ in range(20)]
    codes = {p.manual_code for p in people}
    assert len(codes) == 20
    assert not set("".join(codes)) & set("01OIL")


def test_exit_and_reentry(conference):
    person = make_registration(conference)
    code = code_of(person)
    # No exit before an entry.
    assert scan(conference, code, "hall", type="exit")["status"] == "not_allowed"
    assert scan(conference, code, "hall")["status"] == "ok"
    assert scan(conference, code, "hall")["status"] == "already_checked_in"  # still inside
    assert scan(conference, code, "hall", type="exit")["status"] == "ok"
    state = db.session.execute(select(CheckinState)).scalar_one()
    assert state.inside is False
    again = scan(conference, code, "hall", gate="north")
    assert again["status"] == "ok"  # re-entry allowed on this list
    assert again["first_gate"] == "east-1"  # the first check-in stays the first
    db.session.expire_all()
    assert db.session.execute(select(CheckinState)).scalar_one().inside is True


def test_no_reentry_where_the_list_does_not_allow_it(conference):
    person = make_registration(conference)
    code = code_of(person)
    assert scan(conference, code, "main")["status"] == "ok"
    assert scan(conference, code, "main", type="exit")["status"] == "ok"
    assert scan(conference, code, "main")["status"] == "already_checked_in"


def test_unknown_list_missing_nonce_or_gate_are_refused(conference):
    person = make_registration(conference)
    with pytest.raises(ValidationError) as refused:
        record_checkin(conference, code=code_of(person), list_code="nope", gate="g", nonce="n")
    assert "list" in refused.value.errors
    with pytest.raises(ValidationError) as refused:
        record_checkin(conference, code=code_of(person), list_code="main", gate="g", nonce="")
    assert "nonce" in refused.value.errors
    with pytest.raises(ValidationError) as refused:
        record_checkin(conference, code=code_of(person), list_code="main", gate=None, nonce="n")
    assert "gate" in refused.value.errors
    with pytest.raises(ValidationError) as refused:
        record_checkin(
            conference, code=code_of(person), list_code="main", gate="g", nonce="n", type="x"
        )
    assert "type" in refused.value.errors
    with pytest.raises(ValidationError):
        record_checkin(conference, code=code_of(person), list_code="main", gate="g\x00", nonce="n")
    db.session.rollback()
    assert rows() == 0


def test_a_list_of_another_conference_is_unknown(conference):
    other = make_conference(
        slug="other-2026", checkin_lists=[{"code": "side", "name": "侧门", "session": None}]
    )
    person = make_registration(conference)
    with pytest.raises(ValidationError):
        record_checkin(conference, code=code_of(person), list_code="side", gate="g", nonce="n")
    assert other is not None


def test_the_operator_and_offline_scan_time_are_recorded(conference):
    from tests.factories import make_user

    operator = make_user("gate@example.com", "checkin", conference)
    person = make_registration(conference)
    at = utcnow() - timedelta(minutes=7)
    scan(conference, code_of(person), operator=operator, offline=True, scanned_at=at)
    row = db.session.execute(select(Checkin)).scalar_one()
    assert row.operator_user_id == operator.id
    assert row.offline is True
    assert abs((row.scanned_at - at).total_seconds()) < 1
    assert row.recorded_at > row.scanned_at


def test_registrations_have_a_manual_code_from_the_start(conference):
    person = make_registration(conference)
    stored = db.session.get(Registration, person.id)
    assert stored.manual_code == person.manual_code
