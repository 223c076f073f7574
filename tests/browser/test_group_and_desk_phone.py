"""The group form and the walk-in desk on a 375 px phone: questions, rows added without
losing input, errors focused; screenshots under test-results/ for review."""

from __future__ import annotations

import pathlib

import pytest
from sqlalchemy import select

from eventsys.extensions import db
from eventsys.registration.models import Registration
from tests.factories import PASSWORD, make_conference, make_user
from tests.registration.test_group import QUESTIONS

SHOTS = pathlib.Path(__file__).resolve().parents[2] / "test-results"
WIDTH = 375


@pytest.fixture
def small_phone(browser):
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": WIDTH, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security" in m.text else 0)
    page.violations = violations
    yield page
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def no_sideways_scrolling(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def test_group_form_on_a_phone(sqlite_app, live_server, small_phone):
    page = small_phone
    with sqlite_app.app_context():
        make_conference(questions=QUESTIONS)
    page.goto(live_server.url + "/c/cy-2026/register/group")

    # An empty submit: the error summary at the top takes the focus.
    page.get_by_role("button", name="集体报名").click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert "是否需要安排住宿" in summary.inner_text()
    # Each error is tied to its field.
    assert page.locator("#organization").get_attribute("aria-describedby") == ("organization-error")

    page.locator("#organization").fill("西南交通大学科技处")
    page.locator("#contact_name").fill("刘老师")
    page.locator("#contact_phone").fill("028-87600000")
    page.locator("#contact_email").fill("liu@example.com")
    page.locator("fieldset#q_hotel").get_by_label("是").check()
    rows = page.locator("[data-member-row]")
    first = rows.nth(0)
    first.get_by_label("姓名").fill("甲")
    first.get_by_label("手机").fill("13600000001")
    first.get_by_label("邮箱").fill("a@example.com")

    # Adding rows keeps what was typed (no reload) and the new row is ready to type in.
    before = rows.count()
    page.get_by_role("button", name="添加人员").click()
    assert rows.count() == before + 1
    assert first.get_by_label("姓名").input_value() == "甲"
    assert page.locator("#organization").input_value() == "西南交通大学科技处"
    new_row = rows.nth(before)
    assert "第%s人" % (before + 1) in new_row.locator("legend").inner_text()
    new_row.get_by_label("姓名").fill("乙")
    new_row.get_by_label("手机").fill("13600000002")
    new_row.get_by_label("邮箱").fill("b@example.com")
    # A per-person answer that differs from everyone's.
    new_row.locator("summary").click()
    new_row.get_by_label("是否需要安排住宿").select_option("no")
    # Removing a row renumbers the others and keeps their input.
    rows.nth(1).get_by_role("button", name="移除").click()
    assert rows.count() == before
    assert first.get_by_label("姓名").input_value() == "甲"
    # Rows are compact: two fields side by side on a 375 px phone.
    name_box = first.get_by_label("姓名").bounding_box()
    phone_box = first.get_by_label("手机").bounding_box()
    assert abs(name_box["y"] - phone_box["y"]) < 2 and phone_box["x"] > name_box["x"]
    row_height = first.bounding_box()["height"]
    assert row_height < 260, row_height
    no_sideways_scrolling(page)
    shot(page, "group-form-phone.png")

    page.get_by_label("我已征得以上人员同意").check()
    page.get_by_role("button", name="集体报名").click()
    page.get_by_text("西南交通大学科技处的2人已报名").wait_for()
    with sqlite_app.app_context():
        people = db.session.execute(select(Registration).order_by(Registration.id)).scalars().all()
        assert [(p.name, p.answers) for p in people] == [
            ("甲", {"hotel": True}),
            ("乙", {"hotel": False}),
        ]
    assert not page.violations


def test_desk_on_a_phone_shows_the_qr_code(sqlite_app, live_server, small_phone):
    page = small_phone
    with sqlite_app.app_context():
        conference = make_conference()
        make_user("desk@example.com", "staff", conference)
    page.goto(live_server.url + "/login")
    page.get_by_label("邮箱").fill("desk@example.com")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(live_server.url + "/manage/cy-2026/registrations/new")
    assert "剩余300个名额" in page.content()
    page.get_by_role("button", name="报名").last.click()
    page.locator("#error-summary").wait_for()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    no_sideways_scrolling(page)
    shot(page, "desk-errors-phone.png")

    page.get_by_label("姓名").fill("赵六")
    page.get_by_label("手机").fill("13800138000")
    page.get_by_role("button", name="报名").last.click()
    page.locator("#ticket figure.qr svg").wait_for()
    assert "赵六" in page.content()
    no_sideways_scrolling(page)
    shot(page, "desk-ticket-phone.png")
    assert not page.violations
