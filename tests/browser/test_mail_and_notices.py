"""E-mails and notices as people see them on a 375 px phone: the HTML mail opened as a mail
app shows it (the inline QR code in place), the notice page with its preview, in Chinese and
English. Screenshots are kept under test-results/ for review."""

from __future__ import annotations

import base64
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from eventsys.extensions import db
from tests.factories import PASSWORD, make_conference, make_registration, make_user

RESULTS = Path(__file__).resolve().parents[2] / "test-results"
WIDTH = 375


def phone_context(browser, language):
    return browser.new_context(
        locale="zh-CN" if language == "zh" else "en-GB",
        viewport={"width": WIDTH, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )


def as_a_mail_app_shows_it(eml: bytes) -> str:
    """The HTML part with each cid: reference replaced by its inline part, as mail apps do."""
    message = message_from_bytes(eml, policy=policy.default)
    html = message.get_body(("html",)).get_content()
    for part in message.walk():
        cid = part.get("Content-ID")
        if cid:
            data = base64.b64encode(part.get_content()).decode()
            html = html.replace(
                f"cid:{cid.strip('<>')}", f"data:{part.get_content_type()};base64,{data}"
            )
    assert "cid:" not in html
    return html


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_confirmation_mail_on_a_phone(sqlite_app, browser, tmp_path, language):
    with sqlite_app.app_context():
        conference = make_conference()
        make_registration(
            conference,
            name="王敏" if language == "zh" else "Alice Wang",
            email="person@example.com",
            locale="zh_CN" if language == "zh" else "en",
        )
    (eml,) = Path(sqlite_app.config["MAIL_OUTBOX"]).glob("*.eml")
    page_file = tmp_path / "mail.html"
    page_file.write_text(as_a_mail_app_shows_it(eml.read_bytes()), encoding="utf-8")
    context = phone_context(browser, language)
    page = context.new_page()
    try:
        page.goto(page_file.as_uri())
        qr = page.locator("img[alt]").first
        qr.wait_for()
        assert page.evaluate("(img) => img.complete && img.naturalWidth > 100", qr.element_handle())
        box = qr.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
        button = page.get_by_role(
            "link", name="查看我的报名" if language == "zh" else "Open my registration"
        )
        assert button.is_visible()
        RESULTS.mkdir(exist_ok=True)
        page.screenshot(path=str(RESULTS / f"mail-confirmed-{language}.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_notice_page_on_a_phone(sqlite_app, live_server, browser, language):
    from eventsys.jobs.worker import Worker
    from tests.jobs.helpers import wait_for

    with sqlite_app.app_context():
        conference = make_conference()
        for n in range(3):
            make_registration(conference, name=f"参会者{n}")
        make_user("staff@example.com", "staff", conference)
        db.session.remove()
    context = phone_context(browser, language)
    page = context.new_page()
    page.set_default_timeout(10_000)
    violations = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    english = language == "en"
    try:
        page.goto(live_server.url + "/login" + ("?lang=en" if english else ""))
        page.get_by_label("E-mail" if english else "邮箱").fill("staff@example.com")
        page.get_by_label("Password" if english else "密码").fill(PASSWORD)
        page.get_by_role("button", name="Sign in" if english else "登录").click()
        page.wait_for_load_state()
        page.goto(live_server.url + "/manage/cy-2026/notices/new")
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
        page.get_by_label("Subject" if english else "主题").fill(
            "开幕式改在 B厅" if not english else "Opening moved to Hall B"
        )
        page.get_by_label("Text of the notice" if english else "通知正文").fill(
            "各位代表：\n\n开幕式改在 B厅 举行，请提前 15 分钟入场。\n详情见 https://meeting.example.org/news"
            if not english
            else "Dear delegates,\n\nthe opening ceremony moves to Hall B.\nDetails: https://meeting.example.org/news"
        )
        RESULTS.mkdir(exist_ok=True)
        page.screenshot(path=str(RESULTS / f"notice-write-{language}.png"), full_page=True)
        page.get_by_role("button", name="Save and preview" if english else "保存并预览").click()
        page.wait_for_url(re.compile(r"/notices/\d+$"))
        assert ("go to 3 people" if english else "将发送给3人") in page.content()
        frame = page.frame_locator("iframe.mail-preview")
        frame.get_by_text("参会者0").first.wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
        page.screenshot(path=str(RESULTS / f"notice-preview-{language}.png"), full_page=True)
        # A full-page shot leaves the framed mail blank: the frame itself, in view.
        page.locator("iframe.mail-preview").scroll_into_view_if_needed()
        page.screenshot(path=str(RESULTS / f"notice-preview-mail-{language}.png"))

        page.goto(page.url)  # afresh, as after the screenshots above
        dialogs = []

        def accept(dialog):
            dialogs.append(dialog.message)
            dialog.accept()

        page.once("dialog", accept)
        with page.expect_navigation():
            page.get_by_role("button", name="Send to 3 people" if english else "发送给3人").click()
        assert dialogs == [
            "Send this notice now? It cannot be called back."
            if english
            else "现在发送此通知吗？发出后无法撤回。"
        ]
        assert ("Sending the notice" if english else "正在向3人发送通知") in page.content()
        done = "Sent to 3 people" if english else "已发送给3人"

        def sent() -> bool:
            page.reload()
            return done in page.content()

        with Worker(sqlite_app):
            try:
                wait_for(sent, message="the notice to be sent")
            except AssertionError:
                raise AssertionError(page.inner_text("main")[-800:]) from None
        page.screenshot(path=str(RESULTS / f"notice-sent-{language}.png"), full_page=True)
        assert not violations, violations
    finally:
        context.close()
