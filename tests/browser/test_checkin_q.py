"""A check-in operator opens an attendee's code on a 375 px phone: green, then amber."""

from eventsys.checkin.codes import checkin_code
from tests.factories import PASSWORD, make_conference, make_registration, make_user


def test_operator_checks_in_from_the_q_screen_on_a_phone(
    sqlite_app, live_server, browser, tmp_path
):
    with sqlite_app.app_context():
        conference = make_conference()
        make_user("gate@example.com", "checkin", conference)
        person = make_registration(conference, name="王敏", organization="四川大学")
        with sqlite_app.test_request_context():
            code = checkin_code(person.checkin_token)
    path = code[code.index("/q/") :]
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 375, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    violations = []
    phone.on("console", lambda m: violations.append(m.text) if "Content Security" in m.text else 0)

    phone.goto(live_server.url + "/login")
    phone.get_by_label("邮箱").fill("gate@example.com")
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url("**/manage/**")

    phone.goto(live_server.url + path)
    phone.locator(".verdict-green").wait_for()
    assert "放行" in phone.locator(".verdict").inner_text()
    phone.get_by_label("闸口").fill("东门1")
    phone.get_by_role("button", name="使用此签到点和闸口").click()
    phone.get_by_role("button", name="签到", exact=True).click()
    phone.locator('.verdict[data-status="ok"]').wait_for()
    assert "已签到" in phone.locator(".verdict").inner_text()
    phone.screenshot(path=str(tmp_path / "q-ok.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    phone.goto(live_server.url + path)
    phone.locator(".verdict-amber").wait_for()
    assert "东门1" in phone.locator(".verdict").inner_text()
    phone.screenshot(path=str(tmp_path / "q-again.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert not violations
    context.close()
