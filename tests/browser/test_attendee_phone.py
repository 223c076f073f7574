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
