"""Check-in lists: the categories they admit, their time window and re-entry, in the
conference JSON and on the organizer's form."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from eventsys.checkin.models import CheckinList
from eventsys.extensions import db
from tests.conftest import login, submit
from tests.factories import CONTRACT_EXAMPLE, PASSWORD, conference_json, make_conference, make_user

CATEGORIES = [
    {
        "code": "delegate",
        "name": "正式代表",
        "capacity": 300,
        "requires_approval": False,
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


def write(tmp_path, data):
    path = tmp_path / "conf.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_lists_round_trip_with_their_rules(ctx, runner, tmp_path):
    data = conference_json(categories=CATEGORIES)
    data["checkin_lists"].append(
        {
            "code": "dinner",
            "name": "欢迎晚宴",
            "session": None,
            "name_en": "Welcome dinner",
            "categories": ["guest"],
            "opens_at": "2026-12-18T18:00",
            "closes_at": "2026-12-18T21:30",
            "allow_reentry": True,
        }
    )
    result = runner.invoke(args=["load-conference", write(tmp_path, data)])
    assert result.exit_code == 0, result.output
    dinner = db.session.execute(
        select(CheckinList).where(CheckinList.code == "dinner")
    ).scalar_one()
    assert [c.code for c in dinner.categories] == ["guest"]
    assert dinner.opens_at == datetime(2026, 12, 18, 10, 0, tzinfo=UTC)  # Asia/Shanghai
    assert dinner.allow_reentry is True
    exported = json.loads(runner.invoke(args=["export-conference", "cy-2026"]).output)
    assert exported == data


def test_the_contract_example_still_round_trips_exactly(ctx, runner, tmp_path):
    assert runner.invoke(args=["load-conference", write(tmp_path, CONTRACT_EXAMPLE)]).exit_code == 0
    exported = json.loads(runner.invoke(args=["export-conference", "cy-2026"]).output)
    assert exported == CONTRACT_EXAMPLE
    assert "categories" not in exported["checkin_lists"][0]


def test_bad_list_rules_are_named(ctx, runner, tmp_path):
    data = conference_json()
    data["checkin_lists"] = [
        {"code": "a", "name": "甲", "session": None, "categories": ["nobody"]},
        {
            "code": "b",
            "name": "乙",
            "session": None,
            "opens_at": "2026-12-18T18:00",
            "closes_at": "2026-12-18T17:00",
        },
        {
            "code": "c",
            "name": "丙",
            "session": None,
            "allow_reentry": "yes",
            "categories": "delegate",
        },
        {"code": "d", "name": "丁", "session": None, "opens_at": "tomorrow"},
    ]
    result = runner.invoke(args=["load-conference", write(tmp_path, data)])
    assert result.exit_code != 0
    for path in (
        "checkin_lists[0].categories",
        "checkin_lists[1].closes_at",
        "checkin_lists[2].allow_reentry",
        "checkin_lists[2].categories",
        "checkin_lists[3].opens_at",
    ):
        assert path in result.output, path
    assert db.session.execute(select(CheckinList)).first() is None


def test_organizer_sets_a_lists_rules_on_the_form(ctx, client):
    conference = make_conference(categories=CATEGORIES)
    make_user("org@example.com", "organizer", conference)
    login(client, "org@example.com", PASSWORD)
    page = "/manage/cy-2026/checkin_lists/"
    response = submit(
        client,
        page,
        {
            "code": "vip",
            "name": "贵宾通道",
            "session": "",
            "categories": ["guest"],
            "opens_at": "2026-12-18T08:00",
            "closes_at": "2026-12-18T12:00",
            "allow_reentry": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    vip = db.session.execute(select(CheckinList).where(CheckinList.code == "vip")).scalar_one()
    assert [c.code for c in vip.categories] == ["guest"]
    assert vip.opens_at == datetime(2026, 12, 18, 0, 0, tzinfo=UTC)
    assert vip.closes_at == datetime(2026, 12, 18, 4, 0, tzinfo=UTC)
    assert vip.allow_reentry
    listing = client.get(page).get_data(as_text=True)
    assert "特邀嘉宾" in listing and "2026-12-18 08:00" in listing
    edit = client.get(f"/manage/cy-2026/checkin_lists/{vip.id}/edit").get_data(as_text=True)
    assert 'value="2026-12-18T08:00"' in edit
    # Closing before it opens is refused next to the field.
    response = submit(
        client,
        page,
        {
            "code": "bad",
            "name": "错",
            "session": "",
            "opens_at": "2026-12-18T08:00",
            "closes_at": "2026-12-18T07:00",
        },
    )
    assert response.status_code == 422
    assert db.session.execute(select(CheckinList).where(CheckinList.code == "bad")).first() is None


def test_a_list_with_scans_and_a_category_a_list_admits_cannot_be_deleted(ctx, client):
    from eventsys.checkin.services import record_checkin
    from eventsys.conferences.models import Category

    conference = make_conference(categories=CATEGORIES)
    main = db.session.execute(select(CheckinList)).scalar_one()
    guest = db.session.execute(select(Category).where(Category.code == "guest")).scalar_one()
    main.categories = [guest]
    record_checkin(conference, code="junk", list_code="main", gate="g", nonce="n1")
    db.session.commit()
    make_user("org@example.com", "organizer", conference)
    login(client, "org@example.com", PASSWORD)
    response = submit(
        client,
        "/manage/cy-2026/checkin_lists/",
        {},
        action=f"/manage/cy-2026/checkin_lists/{main.id}/delete",
        follow_redirects=True,
    )
    assert "cannot be deleted" in response.get_data(as_text=True) or "不能删除" in (
        response.get_data(as_text=True)
    )
    response = submit(
        client,
        "/manage/cy-2026/categories/",
        {},
        action=f"/manage/cy-2026/categories/{guest.id}/delete",
        follow_redirects=True,
    )
    db.session.expire_all()
    assert db.session.get(CheckinList, main.id) is not None
    assert db.session.get(Category, guest.id) is not None


def test_the_form_leaves_out_cancelled_sessions_but_keeps_a_lists_own(ctx, client):
    from eventsys.db_types import utcnow
    from eventsys.schedule.models import ScheduleSession

    def session(code, title, hour):
        return {
            "code": code,
            "title": title,
            "kind": "plenary",
            "room": "hall-a",
            "forum": None,
            "starts_at": f"2026-12-18T{hour:02d}:00",
            "ends_at": f"2026-12-18T{hour + 1:02d}:00",
            "capacity": None,
            "speakers": [],
        }

    conference = make_conference(
        categories=CATEGORIES,
        sessions=[session("opening", "开幕式", 9), session("dinner", "欢迎晚宴", 18)],
        checkin_lists=[{"code": "dinner", "name": "晚宴入口", "session": "dinner"}],
    )
    dinner = db.session.execute(
        select(ScheduleSession).where(ScheduleSession.code == "dinner")
    ).scalar_one()
    dinner.cancelled_at = utcnow()
    db.session.commit()
    make_user("org@example.com", "organizer", conference)
    login(client, "org@example.com", PASSWORD)
    page = "/manage/cy-2026/checkin_lists/"
    new = client.get(page).get_data(as_text=True)
    assert 'value="opening"' in new and 'value="dinner"' not in new
    own = db.session.execute(select(CheckinList).where(CheckinList.code == "dinner")).scalar_one()
    edit = client.get(f"{page}{own.id}/edit").get_data(as_text=True)
    assert '<option selected value="dinner">dinner · 欢迎晚宴（已取消）</option>' in edit
    # A cancelled session posted for a new list is refused; nothing saved.
    response = submit(client, page, {"code": "late", "name": "迟到入口", "session": "dinner"})
    assert response.status_code == 422
    assert db.session.execute(select(CheckinList).where(CheckinList.code == "late")).first() is None
