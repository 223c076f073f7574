"""The ceremony hall's big screen updates by itself after a project is recorded through the
API, and the staff pages work on a 375 px phone, in Chinese and English."""

import json
import os
import time
import urllib.request
from pathlib import Path

from eventsys.extensions import db
from eventsys.signing import services
from tests.factories import PASSWORD, make_token, make_user
from tests.signing.helpers import signing_conference


def _post(url: str, token: str, body: dict) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:
        return answer.status


def test_the_big_screen_shows_a_new_project_within_two_seconds(
    sqlite_app, live_server, browser, tmp_path
):
    with sqlite_app.app_context():
        conference = signing_conference()
        user = make_user("staff@example.com", "staff", conference)
        token = make_token(user, conference, "staff")
        settings = services.set_screen(conference, True)
        db.session.commit()
        screen_path = f"/c/cy-2026/signings/screen/{settings.screen_token}"
    context = browser.new_context(locale="zh-CN", viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security" in m.text else 0)
    page.goto(live_server.url + screen_path)
    assert page.locator("[data-count]").inner_text() == "0"

    status = _post(
        live_server.url + "/api/v1/conferences/cy-2026/signings",
        token,
        {
            "title": "氢燃料电池联合攻关",
            "party_a": "成都氢能科技有限公司",
            "party_b": "四川大学",
            "region": "四川",
            "amount_wan": "2.8亿",
            "signed_on": "2026-12-18",
        },
    )
    assert status == 201
    started = time.monotonic()
    page.locator("[data-count]", has_text="1").wait_for(timeout=5_000)
    elapsed = time.monotonic() - started
    assert elapsed < 2.5, f"the screen took {elapsed:.1f} s"
    assert page.locator("[data-total]").inner_text() == "2.80"
    assert "氢燃料电池联合攻关" in page.locator("[data-latest]").inner_text()
    headline = page.locator(".screen-headline")
    assert "已签约" in headline.inner_text() and "亿元" in headline.inner_text()
    # legible from the back of a hall: the count is at least 80 px high at 1920×1080
    size = page.locator("[data-count]").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 80
    page.screenshot(path=str(Path(os.environ.get("EVENTSYS_SHOTS", tmp_path)) / "screen.png"))
    assert violations == []
    context.close()


def test_staff_pages_on_a_phone_in_both_languages(sqlite_app, live_server, browser, tmp_path):
    shots = Path(os.environ.get("EVENTSYS_SHOTS", tmp_path))
    with sqlite_app.app_context():
        conference = signing_conference()
        make_user("staff@example.com", "staff", conference)
        services.create_project(
            conference,
            {
                "title": "钠离子电池中试线建设",
                "party_a": "宜宾锂电有限公司",
                "party_b": "四川大学",
                "region": "四川",
                "sector": "新能源",
                "amount_wan": "3500",
                "forum": "ai",
                "signed_on": "2026-12-18",
            },
            services.Actor(label="t"),
        )
        db.session.commit()
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
    phone.get_by_label("邮箱").fill("staff@example.com")
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url("**/manage/**")
    for path in ("", "new", "tallies", "import"):
        phone.goto(f"{live_server.url}/manage/cy-2026/signings/{path}")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 375 + 1, f"{path or 'list'} is {width} px wide"
        phone.screenshot(path=str(shots / f"zh-{path or 'list'}.png"), full_page=True)
    phone.goto(live_server.url + "/manage/cy-2026/signings/")
    assert "3,500.00万元" in phone.content()
    phone.goto(live_server.url + "/manage/cy-2026/signings/tallies")
    phone.get_by_role("link", name="English").click()
    phone.wait_for_load_state()
    assert "By region" in phone.content()
    phone.screenshot(path=str(shots / "en-tallies.png"), full_page=True)
    assert violations == []
    context.close()
