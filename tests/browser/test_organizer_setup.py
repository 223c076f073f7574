"""An organizer signs in and sets up a conference in a real browser."""

from sqlalchemy import select

from eventsys.conferences.models import Category, Conference
from eventsys.extensions import db
from tests.factories import PASSWORD, make_user


def test_organizer_creates_a_conference_with_a_category(sqlite_app, live_server, page):
    with sqlite_app.app_context():
        make_user("org@example.com", admin=True)

    page.goto(live_server.url + "/login")
    page.get_by_label("邮箱").fill("org@example.com")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="新建会议").click()

    page.get_by_label("链接中的简称").fill("kc-2026")
    page.get_by_label("标题（中文）").fill("2026重庆科创会")
    page.get_by_label("标题（英文）").fill("2026 Chongqing Innovation Fair")
    page.get_by_label("第一天").fill("2026-12-01")
    page.get_by_label("最后一天").fill("2026-12-02")
    page.get_by_label("地点（中文）").fill("重庆国际博览中心")
    page.get_by_role("button", name="创建会议").click()

    page.get_by_text("会议已创建").wait_for()
    page.get_by_label("代码").fill("delegate")
    page.get_by_label("名称（中文）").fill("正式代表")
    page.get_by_label("容量").fill("300")
    page.get_by_role("button", name="添加").click()
    page.get_by_role("cell", name="正式代表").wait_for()

    with sqlite_app.app_context():
        conference = db.session.execute(select(Conference)).scalar_one()
        assert conference.title == "2026重庆科创会"
        category = db.session.execute(select(Category)).scalar_one()
        assert (category.code, category.capacity) == ("delegate", 300)

    page.goto(live_server.url + "/c/kc-2026/")
    assert page.get_by_role("heading", name="2026重庆科创会").is_visible()
    assert "2026年12月1日" in page.content()


def test_pages_run_under_the_content_security_policy(sqlite_app, live_server, page):
    """No inline script or style is refused by the browser, and confirmations still ask."""
    from tests.factories import make_conference, make_registration

    with sqlite_app.app_context():
        conference = make_conference()
        make_user("org@example.com", "organizer", conference)
        person = make_registration(conference, name="王敏")
        token, person_id = person.manage_token, person.id
    violations = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )

    page.goto(live_server.url + "/login")
    page.get_by_label("邮箱").fill("org@example.com")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    for path in (
        "/manage/cy-2026/",
        "/manage/cy-2026/registrations",
        "/manage/cy-2026/approvals",
        "/c/cy-2026/register",
        f"/r/{token}",
    ):
        page.goto(live_server.url + path)
    assert page.locator("figure.qr svg").is_visible()

    # A staff member's cancel button asks in a dialog (script from a file, allowed by the
    # policy); the attendee's own asks on a page of its own.
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.goto(live_server.url + f"/manage/cy-2026/registrations/{person_id}")
    page.get_by_role("button", name="取消报名").click()
    assert asked and "王敏" in asked[0] and "候补" in asked[0]
    page.goto(live_server.url + f"/r/{token}")
    assert "已确认" in page.content()  # dismissing the dialog kept the registration
    assert violations == []
