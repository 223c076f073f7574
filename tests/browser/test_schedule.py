"""The organizer drags a session on the timetable grid, publishes, and the programme is read
on a phone."""

from __future__ import annotations

import os

from sqlalchemy import select

from eventsys.extensions import db
from eventsys.schedule.models import ScheduleRelease, ScheduleSession
from tests.factories import PASSWORD, make_user
from tests.schedule.helpers import make_timetable, session

SHOTS = os.environ.get("EVENTSYS_SCREENSHOTS")  # a folder to keep screenshots of the pages


def shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_drag_a_session_publish_and_read_it_on_a_phone(sqlite_app, live_server, page, phone):
    with sqlite_app.app_context():
        conference = make_timetable(
            [
                session(
                    "opening",
                    "09:00",
                    "10:00",
                    title="开幕式",
                    kind="opening",
                    speakers=[("陆为民", "天津市科协", "speaker")],
                ),
                session(
                    "ai-1",
                    "10:00",
                    "11:00",
                    title="人工智能分论坛",
                    kind="forum",
                    room="hall-b",
                    forum="ai",
                    speakers=[("王敏", "四川大学", "chair")],
                ),
            ]
        )
        make_user("org@example.com", "organizer", conference)
    violations = []
    for p in (page, phone):
        p.on(
            "console",
            lambda m: violations.append(m.text) if "Content Security" in m.text else None,
        )

    page.goto(live_server.url + "/login")
    page.get_by_label("邮箱").fill("org@example.com")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(live_server.url + "/manage/cy-2026/schedule/")
    page.get_by_text("尚未发布：公众还看不到日程。").wait_for()
    shot(page, "editor-grid")

    # drag 开幕式 from A厅 09:00 to B厅 11:00
    card = page.locator(".grid-session", has_text="开幕式")
    card.evaluate("el => el.scrollIntoView({block: 'start'})")
    box = card.bounding_box()
    target_room = page.locator(".grid-room", has_text="B厅").bounding_box()
    eleven = page.locator(".grid-hour", has_text="11:00").bounding_box()
    page.mouse.move(box["x"] + 10, box["y"] + 5)
    page.mouse.down()
    page.mouse.move(box["x"] + 40, box["y"] + 40, steps=5)
    page.mouse.move(target_room["x"] + 20, eleven["y"] + 5, steps=10)
    with page.expect_navigation():
        page.mouse.up()
    page.locator(".grid-session", has_text="开幕式").get_by_text("11:00–12:00").wait_for()

    with sqlite_app.app_context():
        moved = db.session.execute(
            select(ScheduleSession).where(ScheduleSession.code == "opening")
        ).scalar_one()
        assert moved.room.code == "hall-b"
        assert moved.starts_at.astimezone(moved.conference.tz).strftime("%H:%M") == "11:00"

    # a phone-sized organizer uses the forms instead: the grid is a list there
    page.get_by_role("link", name="发布", exact=True).click()
    page.get_by_label("版本名称").fill("初版")
    page.get_by_role("button", name="发布").click()
    page.get_by_text("版本 初版 已发布。").wait_for()
    with sqlite_app.app_context():
        assert db.session.execute(select(ScheduleRelease.version)).scalar_one() == "初版"

    phone.goto(live_server.url + "/c/cy-2026/programme")
    row = phone.locator(".session", has_text="开幕式")
    row.wait_for()
    assert "11:00–12:00" in row.inner_text() and "B厅" in row.inner_text()
    assert "陆为民" in row.inner_text()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the programme must not scroll sideways on a phone"
    shot(phone, "programme-phone")
    row.get_by_role("link", name="开幕式").click()
    phone.get_by_role("heading", name="开幕式").wait_for()
    assert "陆为民" in phone.content()
    phone.goto(live_server.url + "/c/cy-2026/speakers")
    phone.get_by_role("heading", name="王敏").wait_for()
    shot(phone, "speakers-phone")
    assert violations == []
