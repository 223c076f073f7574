"""The documents' pages on a phone, in Chinese and English, under the Content-Security-
Policy: the badge preview and settings, the report, the attendee's ticket links and picture,
the certificate's verification page."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from eventsys.checkin.codes import checkin_code
from eventsys.checkin.services import record_checkin
from eventsys.documents import services
from eventsys.extensions import db
from tests.factories import PASSWORD, make_conference, make_registration, make_user

SHOTS = Path(__file__).resolve().parent.parent.parent / "instance" / "screenshots"


@pytest.fixture
def small_phone(browser):
    """375 px wide: the narrowest phone the pages are made for."""
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 375, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_documents_pages_on_a_phone_in_both_languages(sqlite_app, live_server, small_phone):
    page = small_phone
    with sqlite_app.app_context():
        conference = make_conference()
        make_user("org@example.com", "organizer", conference)
        person = make_registration(
            conference, name="欧阳䶮", organization="中国科学院成都生物研究所" * 3
        )
        record_checkin(
            conference,
            code=checkin_code(person.checkin_token),
            list_code="main",
            gate="东门",
            nonce=uuid.uuid4().hex,
        )
        certificate = services.issue_certificate(person)
        db.session.commit()
        token, verify = person.manage_token, certificate.token
    violations = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    SHOTS.mkdir(parents=True, exist_ok=True)

    # The attendee's page links the ticket and the certificate; the picture opens.
    page.goto(live_server.url + f"/r/{token}")
    page.get_by_role("link", name="电子票图片（长按保存）").wait_for()
    assert page.get_by_role("link", name="参会证明（PDF）").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    picture = page.request.get(live_server.url + f"/r/{token}/ticket.png")
    assert picture.ok and picture.headers["content-type"] == "image/png"
    page.goto(live_server.url + f"/v/{verify}")
    assert "此证明真实有效" in page.content() and "欧阳䶮" in page.content()
    page.screenshot(path=str(SHOTS / "verify-zh-375.png"), full_page=True)

    page.goto(live_server.url + "/login")
    page.get_by_label("邮箱").fill("org@example.com")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/manage/**")
    for language in ("zh", "en"):
        if language == "en":
            page.goto(live_server.url + "/manage/cy-2026/")
            page.get_by_role("link", name="English").first.click()
        page.goto(live_server.url + "/manage/cy-2026/badges")
        heading = "胸牌" if language == "zh" else "Badges"
        page.get_by_role("heading", name=heading, exact=True).wait_for()
        preview = page.locator(".badge-preview .badge-card")
        assert preview.is_visible()
        assert "欧阳䶮" in preview.inner_text()
        assert page.locator(".badge-preview svg.qr").is_visible()
        # The page itself does not scroll sideways; the preview scrolls in its own box.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.screenshot(path=str(SHOTS / f"badges-{language}-375.png"), full_page=True)
        page.goto(live_server.url + "/manage/cy-2026/report")
        assert page.locator(".report svg.chart").count() >= 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.screenshot(path=str(SHOTS / f"report-{language}-375.png"), full_page=True)
    assert violations == []
