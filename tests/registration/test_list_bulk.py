"""The staff list: sorting by whitelisted columns, and actions on a selection."""

from __future__ import annotations

import pathlib

import pytest
from sqlalchemy import select

from eventsys.extensions import db
from eventsys.registration.models import Registration
from tests.conftest import csrf_token
from tests.factories import make_conference, make_registration
from tests.registration.test_staff_pages import LIST, SMALL, flashes, listed_ids, page, sign_in


@pytest.fixture
def conference(ctx):
    return make_conference(categories=SMALL)


def bulk(client, data, query=""):
    data = {**data, "csrf_token": csrf_token(client, LIST)}
    return client.post(f"{LIST}/bulk{query}", data=data, follow_redirects=True)


def statuses(*registrations):
    db.session.expire_all()
    return [db.session.get(Registration, r.id).status for r in registrations]


def test_the_name_column_is_headed_full_name(conference, client):
    make_registration(conference)
    client.get("/")
    sign_in(client, conference)
    html = page(client.get(LIST))
    assert "Full name" in html
    client.post("/language/zh_CN", data={"csrf_token": csrf_token(client, LIST), "next": LIST})
    html = page(client.get(LIST))
    assert ">姓名" in html and ">名称<" not in html


def test_the_list_sorts_by_whitelisted_columns_only(conference, client):
    names = ["王五", "李四", "张三"]
    made = [
        make_registration(conference, name=n, organization=o)
        for n, o in zip(names, "CAB", strict=True)
    ]
    sign_in(client, conference)
    by_org = listed_ids(page(client.get(f"{LIST}?sort=organization")))
    assert by_org == [made[1].id, made[2].id, made[0].id]
    by_org_desc = listed_ids(page(client.get(f"{LIST}?sort=-organization")))
    assert by_org_desc == list(reversed(by_org))
    # Anything else is the default order (newest first), never a column of the caller's choice.
    for bad in ("manage_token", "-id;drop", "phone_key"):
        assert listed_ids(page(client.get(f"{LIST}?sort={bad}"))) == [r.id for r in made[::-1]]
    html = page(client.get(f"{LIST}?sort=organization"))
    assert 'aria-sort="ascending"' in html


def test_bulk_approve_in_one_transaction_with_a_summary(conference, client):
    pending = [make_registration(conference, "student") for _i in range(2)]
    sign_in(client, conference)
    response = bulk(client, {"action": "approve", "ids": [r.id for r in pending]})
    assert "Approved: 2." in flashes(page(response))
    assert statuses(*pending) == ["confirmed", "confirmed"]


def test_bulk_cancel_frees_seats_and_reports_who_moved_up(conference, client):
    seated = [make_registration(conference, "delegate", name=f"坐{i}") for i in range(2)]
    waiting = make_registration(conference, "delegate", name="司马相如")
    sign_in(client, conference)
    response = bulk(client, {"action": "cancel", "ids": [seated[0].id], "reason": "单位调整"})
    message = flashes(page(response))[0]
    assert message.startswith("Cancelled: 1.")
    assert "司马相如 moved up from the waitlist." in message
    assert statuses(seated[0], waiting) == ["cancelled", "confirmed"]


def test_bulk_change_category_is_all_or_none(conference, client):
    people = [make_registration(conference, "guest", by_staff=True) for _i in range(3)]
    sign_in(client, conference)
    # 学生 has 3 places... take two so only one is left.
    make_registration(conference, "student")
    make_registration(conference, "student")
    response = bulk(
        client, {"action": "category", "category": "student", "ids": [r.id for r in people]}
    )
    html = page(response)
    assert any(m.startswith("Nothing was changed.") and "学生 is full." in m for m in flashes(html))
    db.session.expire_all()
    assert [db.session.get(Registration, r.id).category.code for r in people] == ["guest"] * 3
    response = bulk(client, {"action": "category", "category": "student", "ids": [people[0].id]})
    assert "Moved to 学生: 1." in flashes(page(response))


def test_bulk_resend_sends_one_mail_each(conference, client, app):
    people = [make_registration(conference) for _i in range(2)]
    outbox = pathlib.Path(app.config["MAIL_OUTBOX"])
    before = len(list(outbox.iterdir()))
    sign_in(client, conference)
    response = bulk(client, {"action": "resend", "ids": [r.id for r in people]})
    assert "Confirmation sent again: 2." in flashes(page(response))
    assert len(list(outbox.iterdir())) == before + 2


def test_bulk_refuses_other_conferences_registrations_and_changes_nothing(ctx, client):
    conference = make_conference(categories=SMALL)
    other = make_conference(slug="kc-2026", categories=SMALL)
    mine = make_registration(conference, "student")
    theirs = make_registration(other, "student")
    sign_in(client, conference)
    response = bulk(client, {"action": "approve", "ids": [mine.id, theirs.id]})
    assert "No such registration." in flashes(page(response))
    assert statuses(mine, theirs) == ["pending", "pending"]


def test_bulk_with_nothing_ticked_says_so(conference, client):
    sign_in(client, conference)
    response = bulk(client, {"action": "approve"})
    assert "Tick at least one registration first." in flashes(page(response))


def test_bulk_approve_of_an_already_confirmed_one_is_reported_unchanged(conference, client):
    confirmed = make_registration(conference, "delegate", name="甲")
    pending = make_registration(conference, "student", name="乙")
    sign_in(client, conference)
    response = bulk(client, {"action": "approve", "ids": [confirmed.id, pending.id]})
    assert "Approved: 1. Already so, left as they were: 甲." in flashes(page(response))
    assert (
        db.session.execute(
            select(Registration.status).where(Registration.id == pending.id)
        ).scalar_one()
        == "confirmed"
    )
