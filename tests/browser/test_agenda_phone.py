"""On a phone: register with a forum choice, enroll in a session from the manage page, and see
it on the personal agenda (Chinese, then English)."""

from eventsys.conferences.models import Conference
from eventsys.extensions import db
from tests.agenda.helpers import ask_forums, draft_session, make_programme, release

WIDTH = 375


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def test_attendee_enrolls_on_a_phone_and_reads_the_agenda(
    sqlite_app, live_server, browser, tmp_path
):
    with sqlite_app.app_context():
        conference = make_programme()
        ask_forums(conference, "optional", max_choices=2, limits={"ai": 50})
        db.session.remove()
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": WIDTH, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    violations = []
    phone.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m))
    try:
        phone.goto(live_server.url + "/c/cy-2026/register")
        phone.get_by_label("正式代表").check()
        phone.get_by_label("姓名").fill("李雷")
        phone.get_by_label("手机").fill("13800138001")
        phone.get_by_label("邮箱").fill("lilei@example.com")
        phone.get_by_label("人工智能分论坛").check()
        phone.get_by_label("我同意").check()
        fits(phone)
        phone.get_by_role("button", name="提交报名").click()
        phone.get_by_text("报名已确认").first.wait_for()

        # The forum chosen at registration is on the page; enroll in the workshop.
        assert phone.get_by_label("人工智能分论坛").is_checked()
        workshop = phone.locator('li[data-session="ws-llm"]')
        assert "3 个座位中剩余 3 个" in workshop.inner_text()
        workshop.get_by_role("button", name="报名").click()
        phone.get_by_text("您已报名 大模型实训").wait_for()
        workshop = phone.locator('li[data-session="ws-llm"]')
        assert "已报名" in workshop.inner_text()
        fits(phone)
        phone.screenshot(path=str(tmp_path / "manage-zh.png"), full_page=True)

        phone.get_by_role("button", name="我的日程").click()
        phone.get_by_role("heading", name="我的日程").wait_for()
        item = phone.locator('div.agenda-item[data-session="ws-llm"]')
        assert "大模型实训" in item.inner_text() and "09:00–11:00" in item.inner_text()
        assert phone.locator('div.agenda-item[data-session="ai-talks"]').count() == 1
        assert phone.locator('div.agenda-item[data-session="energy-talks"]').count() == 0
        fits(phone)
        phone.screenshot(path=str(tmp_path / "agenda-zh.png"), full_page=True)

        # The same agenda in English.
        context.add_cookies([{"name": "lang", "value": "en", "url": live_server.url}])
        phone.reload()
        phone.get_by_role("heading", name="My agenda").wait_for()
        assert (
            "LLM workshop" in phone.locator('div.agenda-item[data-session="ws-llm"]').inner_text()
        )
        fits(phone)
        phone.screenshot(path=str(tmp_path / "agenda-en.png"), full_page=True)

        # The organizers move the workshop in the draft: the phone shows it where it was
        # published until the next release, then at its new time.
        with sqlite_app.app_context():
            conference = db.session.execute(db.select(Conference)).scalar_one()
            workshop = draft_session(conference, "ws-llm")
            workshop.starts_at = workshop.starts_at.replace(hour=7)  # 15:00 in Chengdu
            workshop.ends_at = workshop.ends_at.replace(hour=8)
            db.session.commit()
            phone.reload()
            item = phone.locator('div.agenda-item[data-session="ws-llm"]')
            assert "09:00–11:00" in item.inner_text()
            release(conference, "v2")
            db.session.remove()
        phone.reload()
        item = phone.locator('div.agenda-item[data-session="ws-llm"]')
        assert "15:00–16:00" in item.inner_text()
        assert not violations, [m.text for m in violations]
    finally:
        context.close()


def test_staff_read_headcounts_on_a_phone(sqlite_app, live_server, phone, tmp_path):
    from eventsys.agenda import services
    from tests.factories import PASSWORD, make_registration, make_user

    with sqlite_app.app_context():
        conference = make_programme()
        ask_forums(conference, "required", limits={"ai": 40})
        make_user("org@example.com", "organizer", conference)
        for n in range(3):
            person = make_registration(conference, organization="中国科学院成都分院")
            services.choose_forums(person, ["ai"])
            if n < 2:
                services.enroll(person, services.find_session(conference, "ws-llm"))
        db.session.commit()
        db.session.remove()
    phone.set_viewport_size({"width": WIDTH, "height": 812})
    phone.goto(live_server.url + "/login")
    phone.get_by_label("邮箱").fill("org@example.com")
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.goto(live_server.url + "/manage/cy-2026/enrollment")
    row = phone.locator('tr[data-session="ws-llm"]')
    assert row.locator(".enrolled").inner_text() == "2"
    assert phone.locator('tr[data-forum="ai"] .chosen').inner_text() == "3"
    fits(phone)
    phone.screenshot(path=str(tmp_path / "headcounts-zh.png"), full_page=True)
    row.get_by_role("link").click()
    phone.get_by_role("button", name="导出 CSV").wait_for()
    assert phone.locator("table.registrations tbody tr").count() == 2
    phone.screenshot(path=str(tmp_path / "people-zh.png"), full_page=True)
    phone.goto(live_server.url + "/manage/cy-2026/forum-choice")
    phone.get_by_label("是，至少须选一个分论坛").wait_for()
    assert phone.get_by_label("是，至少须选一个分论坛").is_checked()
    fits(phone)
    phone.screenshot(path=str(tmp_path / "forum-settings-zh.png"), full_page=True)
