"""The check-in desk in a real browser: a USB scanner typing codes, the offline queue, the
demo's checkin login, and the pages on a phone in both languages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from eventsys.checkin.codes import checkin_code
from eventsys.checkin.models import Checkin
from eventsys.extensions import db
from tests.factories import PASSWORD, make_conference, make_registration, make_user

SCANNER = "/manage/cy-2026/checkin/"


@pytest.fixture
def people(sqlite_app):
    """The conference, two confirmed attendees' codes and a checkin operator."""
    with sqlite_app.app_context():
        conference = make_conference()
        make_user("gate@example.com", "checkin", conference)
        first = make_registration(conference, name="王敏", organization="四川大学")
        second = make_registration(conference, name="李强", organization="重庆大学")
        return {
            "wang": checkin_code(first.checkin_token),
            "li": checkin_code(second.checkin_token),
            "li_manual": second.manual_code,
        }


def sign_in(page, base: str, email: str = "gate@example.com", password: str = PASSWORD):
    page.goto(base + "/login")
    page.get_by_label("邮箱").fill(email)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)


def open_scanner(page, base: str, gate: str):
    page.goto(base + SCANNER)
    page.wait_for_selector("body[data-scanner-ready=yes]")
    page.locator("#checkin-gate").fill(gate)
    page.locator("#checkin-gate").dispatch_event("change")


def usb_scan(page, text: str):
    """What a USB scanner does: types the code into the focused field and presses Enter."""
    page.locator("#scan-input").click()
    page.keyboard.type(text, delay=0)
    page.keyboard.press("Enter")


def answer(page, status: str):
    box = page.locator(f"[data-answer][data-status={status}]")
    box.wait_for(state="visible")
    return box


def test_usb_scanner_sees_green_then_amber(sqlite_app, live_server, page, people):
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content" in m.text else None)
    page.on("pageerror", lambda error: violations.append(str(error)))
    sign_in(page, live_server.url)
    open_scanner(page, live_server.url, "东门1")
    assert page.evaluate("document.activeElement.id") == "scan-input"

    usb_scan(page, people["wang"])
    green = answer(page, "ok")
    assert "王敏" in green.inner_text() and "四川大学" in green.inner_text()
    assert "answer-green" in green.get_attribute("class")
    # ready for the next code at once: the field is focused again and empty
    assert page.evaluate("document.activeElement.id") == "scan-input"

    usb_scan(page, people["wang"])
    amber = answer(page, "already_checked_in")
    assert "answer-amber" in amber.get_attribute("class")
    assert "东门1" in amber.inner_text()

    # the manual code typed at the desk, any case, with a dash
    code = people["li_manual"].lower()
    page.locator("#manual-code").fill(code[:4] + "-" + code[4:])
    page.locator("#manual-code").press("Enter")
    assert "李强" in answer(page, "ok").inner_text()

    # a forged code is red
    usb_scan(page, people["wang"][:-3] + "xyz")
    assert "answer-red" in answer(page, "invalid").get_attribute("class")
    assert not violations, violations

    # the phone's own scanner opens /q/…: it checks in at the list and gate chosen here
    page.goto(live_server.url + "/q/" + people["wang"].split("/q/")[1])
    assert "东门1" in page.locator(".gate-line").inner_text()


def test_search_finds_a_lost_code_and_checks_in(sqlite_app, live_server, page, people):
    sign_in(page, live_server.url)
    open_scanner(page, live_server.url, "服务台")
    page.get_by_text("忘带二维码").click()
    page.get_by_placeholder("姓名").fill("李强")
    page.get_by_role("button", name="搜索").click()
    result = page.locator("[data-search-results] li", has_text="李强")
    result.get_by_role("button", name="签到").click()
    assert "李强" in answer(page, "ok").inner_text()


def waiting(page) -> int:
    return int(page.locator("body").get_attribute("data-queued") or 0)


def test_offline_scans_queue_survive_a_reload_and_upload_with_conflicts(
    sqlite_app, live_server, browser, people
):
    gates = []
    for gate in ("东门1", "西门2"):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 800})
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, live_server.url)
        open_scanner(page, live_server.url, gate)
        page.wait_for_selector("[data-list-status]:has-text('2')")  # the offline list is here
        gates.append((context, page))
    try:
        (east_context, east), (west_context, west) = gates
        east_context.set_offline(True)
        west_context.set_offline(True)

        usb_scan(east, people["wang"])
        assert "王敏" in answer(east, "ok").inner_text()
        usb_scan(east, people["wang"])
        answer(east, "already_checked_in")  # a duplicate seen on this device
        usb_scan(east, people["li"])
        answer(east, "ok")
        usb_scan(west, people["wang"])  # the other gate cannot know: admitted there too
        answer(west, "ok")
        assert east.get_by_text("离线").first.is_visible()
        assert waiting(east) == 3 and waiting(west) == 1

        east.reload()  # still offline: the page and its queue come back
        east.wait_for_selector("body[data-scanner-ready=yes]")
        assert waiting(east) == 3
        with sqlite_app.app_context():
            assert db.session.execute(select(func.count()).select_from(Checkin)).scalar() == 0

        west_context.set_offline(False)
        west.wait_for_selector("body[data-queued='0']")
        east_context.set_offline(False)
        east.wait_for_selector("body[data-queued='0']")
        conflicts = east.locator("[data-conflicts]")
        conflicts.wait_for(state="visible")
        assert "王敏" in conflicts.inner_text()
        with sqlite_app.app_context():
            rows = db.session.execute(select(Checkin.offline, Checkin.gate)).all()
            assert len(rows) == 4 and all(offline for offline, _gate in rows)
    finally:
        for context, _page in gates:
            context.close()


def test_demo_checkin_login_has_a_working_scanner(sqlite_app, live_server, page):
    from eventsys.demo.generators import demo_logins

    with sqlite_app.app_context():
        result = sqlite_app.test_cli_runner().invoke(args=["seed-demo", "--attendees", "30"])
        assert result.exit_code == 0, result.output
        checkin = next(x for x in demo_logins() if x["role"] == "checkin")
    sign_in(page, live_server.url, checkin["email"], checkin["password"])
    page.goto(live_server.url + "/manage/cy-2026/")
    page.get_by_role("link", name="扫码签到").first.click()
    page.wait_for_selector("body[data-scanner-ready=yes]")
    page.locator("#checkin-gate").fill("演示")
    page.locator("#checkin-gate").dispatch_event("change")
    page.get_by_text("忘带二维码").click()
    page.get_by_placeholder("姓名").fill("@")  # every e-mail address
    page.get_by_role("button", name="搜索").click()
    page.locator("[data-search-results] li button").first.click()
    box = page.locator("[data-answer]")
    box.wait_for(state="visible")
    assert box.get_attribute("data-status") in ("ok", "not_confirmed", "cancelled")
    assert box.locator("[data-answer-name]").inner_text().strip()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_desk_pages_fit_a_phone(sqlite_app, live_server, browser, people, tmp_path, language):
    """375 px wide, Chinese and English: nothing wider than the screen; screenshots kept."""
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 375, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        sign_in(page, live_server.url)
        if language == "en":
            page.get_by_role("link", name="English").click()
            page.wait_for_load_state()
        open_scanner(page, live_server.url, "East 1" if language == "en" else "东门1")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.screenshot(path=str(tmp_path / f"scanner-{language}.png"), full_page=True)
        usb_scan(page, people["wang"])
        answer(page, "ok")
        page.screenshot(path=str(tmp_path / f"answer-{language}.png"))
        for name in ("dashboard", "wall", "../"):
            page.goto(live_server.url + SCANNER + name)
            if name != "../":
                assert "王敏" in page.content()
            assert page.evaluate("document.documentElement.scrollWidth") <= 375, name
            shot = tmp_path / f"{name.strip('./') or 'overview'}-{language}.png"
            page.screenshot(path=str(shot), full_page=True)
        page.goto(live_server.url + SCANNER + "dashboard")
        page.wait_for_timeout(5500)  # one refresh from the JSON endpoint
        assert page.locator("[data-chart] rect").count() == 36
        assert not errors, errors
    finally:
        context.close()


def qr_video(path, text: str, size: int = 480) -> None:
    """A Y4M video of the QR code on white, which Chromium plays as its camera."""
    import io

    from PIL import Image

    from eventsys.checkin.codes import qr_png

    code = Image.open(io.BytesIO(qr_png(text, box_size=6))).convert("L")
    frame = Image.new("L", (size, size), 255)
    frame.paste(code, ((size - code.width) // 2, (size - code.height) // 2))
    chroma = bytes([128]) * ((size // 2) * (size // 2))
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{size} H{size} F5:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(5):
            out.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)


def test_the_camera_reads_a_qr_code(sqlite_app, live_server, browser, people, tmp_path):
    """A camera that sees the attendee's QR code: the vendored reader (zxing-wasm, served
    from our static folder under the page's policy) reads it and the answer is green."""
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    video = tmp_path / "qr.y4m"
    with sqlite_app.app_context():
        qr_video(video, people["wang"])
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    camera_browser = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=args)
    try:
        context = camera_browser.new_context(locale="zh-CN")
        context.grant_permissions(["camera"], origin=live_server.url)
        page = context.new_page()
        page.set_default_timeout(15_000)
        violations = []
        page.on("console", lambda m: violations.append(m.text) if "Content" in m.text else None)
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        sign_in(page, live_server.url)
        open_scanner(page, live_server.url, "摄像头")
        page.get_by_role("button", name="打开摄像头").click()
        assert "王敏" in answer(page, "ok").inner_text()
        assert not violations, violations
        # (the URL carries the file's version: ?v=…)
        assert any(url.split("?")[0].endswith("zxing_reader.wasm") for url in requests)
        assert all(url.startswith(live_server.url) for url in requests)
    finally:
        camera_browser.close()


def test_without_a_camera_api_the_page_points_to_the_phones_scanner(
    sqlite_app, live_server, page, people
):
    """Inside a chat app's browser (no camera API) the page says so and how to go on."""
    page.add_init_script("Object.defineProperty(navigator, 'mediaDevices', {value: undefined})")
    sign_in(page, live_server.url)
    open_scanner(page, live_server.url, "东门1")
    message = page.locator("[data-camera-message]")
    assert message.is_visible()
    assert "扫一扫" in message.inner_text()
    page.get_by_role("button", name="打开摄像头").click()
    assert "扫一扫" in message.inner_text()
    usb_scan(page, people["wang"])  # the USB scanner still works
    answer(page, "ok")
