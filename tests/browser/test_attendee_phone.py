"""An attendee registers on a phone and sees the confirmation and the QR code."""

from tests.factories import make_conference


def test_attendee_registers_on_a_phone(sqlite_app, live_server, phone, tmp_path):
    with sqlite_app.app_context():
        make_conference()

    phone.goto(live_server.url + "/c/cy-2026/")
    phone.get_by_role("button", name="报名").first.click()
    phone.get_by_label("正式代表").check()
    phone.get_by_label("姓名").fill("王敏")
    phone.get_by_label("手机").fill("138 0013 8000")
    phone.get_by_label("邮箱").fill("wangmin@example.com")
    phone.get_by_label("单位").fill("四川大学")
    phone.get_by_label("职务").fill("教授")
    phone.get_by_label("我同意").check()
    phone.get_by_role("button", name="提交报名").click()

    phone.get_by_text("报名已确认").first.wait_for()
    qr = phone.locator("figure.qr svg")
    qr.wait_for()
    box = qr.bounding_box()
    assert box["width"] > 150  # big enough to scan from the screen
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # fits the phone's width
    assert "王敏" in phone.content()
    # nothing wider than the screen: no sideways scrolling on a phone
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(tmp_path / "ticket.png"), full_page=True)


def test_cancelling_on_a_phone_asks_first_in_both_languages(sqlite_app, live_server, browser):
    """The attendee's page links to a question (no form, no JavaScript dialog); both answers
    fit a 375 px screen in Chinese and English; "keep" changes nothing, "yes" cancels."""
    from eventsys.extensions import db
    from tests.factories import make_registration

    with sqlite_app.app_context():
        conference = make_conference()
        person = make_registration(conference, name="欧阳䶮")
        db.session.commit()
        page = f"{live_server.url}/r/{person.manage_token}"
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    phone = context.new_page()
    phone.set_default_timeout(10_000)

    for lang, cancel, keep, yes in (
        ("en", "Cancel my registration", "No, keep my registration", "Yes, cancel my registration"),
        ("zh", "取消我的报名", "不取消，保留报名", "确认取消报名"),
    ):
        phone.goto(f"{page}?lang={lang}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        phone.get_by_role("button", name=cancel).click()
        phone.get_by_role("button", name=yes).wait_for()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        for name in (keep, yes):
            box = phone.get_by_role("button", name=name).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 375, (lang, name, box)
        if lang == "en":
            phone.get_by_role("button", name=keep).click()
            phone.locator("figure.qr svg").wait_for()  # back on the page, still admitted
    phone.get_by_role("button", name=yes).click()
    phone.get_by_text("您的报名已取消").wait_for()
    assert phone.locator("figure.qr svg").count() == 0
    context.close()
