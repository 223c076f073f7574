"""The summary report's programme and signed-project sections on a 375 px phone in Chinese
and English (tables scroll in their box, the charts shrink, no CSP violation), and the
public programme's link to its printed PDF."""

from __future__ import annotations

from pathlib import Path

from eventsys.extensions import db
from eventsys.schedule import releases
from eventsys.signing import services as signing
from tests.browser.test_documents import small_phone  # noqa: F401
from tests.factories import PASSWORD, make_user
from tests.schedule.helpers import make_timetable, session

SHOTS = Path(__file__).resolve().parent.parent.parent / "instance" / "screenshots"


def test_report_sections_and_programme_pdf_on_a_phone(sqlite_app, live_server, small_phone):  # noqa: F811
    page = small_phone
    with sqlite_app.app_context():
        conference = make_timetable(
            [
                session(
                    "opening",
                    "09:00",
                    "10:00",
                    title="开幕式",
                    title_en="Opening",
                    speakers=[("陆为民", "天津市科协", "speaker")],
                ),
                session(
                    "ai-1",
                    "14:00",
                    "17:00",
                    forum="ai",
                    title="人工智能分论坛主旨报告",
                    speakers=[("王敏", "四川大学", "chair")],
                ),
            ],
        )
        releases.publish(conference, "1.0")
        signing.set_sectors(conference, ["新能源", "新材料", "生物医药", "电子信息"])
        for n, (region, sector, amount) in enumerate(
            [
                ("四川", "新能源", "150000"),
                ("重庆", "新材料", "80000"),
                ("陕西", "生物医药", "30000"),
                ("贵州", "电子信息", "20000"),
            ]
        ):
            signing.create_project(
                conference,
                {
                    "title": f"合作项目{n}",
                    "party_a": "甲方",
                    "party_b": "乙方",
                    "region": region,
                    "sector": sector,
                    "amount_wan": amount,
                    "forum": "ai" if n % 2 else "",
                    "signed_on": "2026-12-18",
                },
                signing.Actor(label="test"),
            )
        make_user("org@example.com", "organizer", conference)
        db.session.commit()
    violations = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    SHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(live_server.url + "/c/cy-2026/programme?lang=zh")
    link = page.get_by_role("link", name="打印版日程（PDF）")
    assert link.is_visible()
    answer = page.request.get(live_server.url + link.get_attribute("href"))
    assert answer.ok and answer.headers["content-type"] == "application/pdf"

    page.goto(live_server.url + "/login")
    page.get_by_label("邮箱").fill("org@example.com")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/manage/**")
    for language, signed, programme in (
        ("zh", "签约项目", "各分论坛活动场次"),
        ("en", "Signed projects", "Sessions per forum"),
    ):
        page.goto(live_server.url + f"/manage/cy-2026/report?lang={language}")
        page.locator("#report-signing").wait_for()
        text = page.locator("#report-signing").inner_text()
        assert signed in text and "28.00亿元" in text
        assert programme in page.locator("#report-programme").inner_text()
        assert page.locator("#report-signing svg.chart").count() == 3
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.screenshot(path=str(SHOTS / f"report-sections-{language}-375.png"), full_page=True)
    assert violations == []
