"""The printed programme: the latest release by day and forum, in the page's language, with
the Chinese font embedded; hostile titles stay text; nothing before the first release; built
once per release (ETag, the instance folder)."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

from eventsys.extensions import db
from eventsys.schedule import releases
from tests.documents.helpers import embedded_fonts, pdf_text
from tests.schedule.helpers import make_timetable, session


def timetable(title_extra=None):
    conference = make_timetable(
        [
            session(
                "opening",
                "09:00",
                "10:00",
                title="开幕式",
                title_en="Opening ceremony",
                kind="opening",
                speakers=[("陆为民", "天津市科协", "speaker"), ("李晓东", "四川省科协", "chair")],
            ),
            session(
                "ai-1",
                "14:00",
                "17:30",
                room="hall-b",
                title="人工智能分论坛",
                title_en="AI Forum",
                kind="forum",
                forum="ai",
                speakers=[("王敏", "四川大学", "chair")],
            ),
            session(
                "visit",
                "2026-12-19T09:00",
                "2026-12-19T11:00",
                room=None,
                title=title_extra or "参观 <天府> & 实验室",
                kind="visit",
            ),
        ]
    )
    releases.publish(conference, "1.0")
    db.session.commit()
    return conference


def test_nothing_before_the_first_release(ctx, client):
    make_timetable([session("a", "09:00", "10:00")])
    assert client.get("/c/cy-2026/programme.pdf").status_code == 404


def test_the_programme_in_chinese_by_day_and_forum(ctx, client):
    timetable()
    answer = client.get("/c/cy-2026/programme.pdf?lang=zh")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert "cy-2026-programme.pdf" in answer.headers["Content-Disposition"]
    text = pdf_text(answer.data)
    assert "第五届川渝科技学术大会" in text and "版本1.0" in text.replace(" ", "")
    # Times in the conference's time zone, people with their roles.
    assert "09:00–10:00" in text and "14:00–17:30" in text
    assert "陆为民" in text and "天津市科协" in text and "主持人" in text
    # By day, then the main programme before the forums.
    assert text.index("开幕式") < text.index("人工智能分论坛") < text.index("参观 <天府> & 实验室")
    assert text.index("12月18日") < text.index("12月19日")
    fonts = embedded_fonts(answer.data)
    assert any("Noto-Sans-CJK-SC" in font for font in fonts), fonts


def test_the_programme_in_english(ctx, client):
    timetable()
    text = pdf_text(client.get("/c/cy-2026/programme.pdf?lang=en").data)
    assert "Opening ceremony" in text and "AI Forum" in text and "Programme" in text
    assert "开幕式" not in text


def test_a_hostile_title_is_text_and_fetches_nothing(ctx, client):
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    hostile = (
        f'<img src="http://127.0.0.1:{port}/img"><link rel="stylesheet" '
        f'href="http://127.0.0.1:{port}/css"><style>@import "http://127.0.0.1:{port}/i";</style>'
    )
    try:
        timetable(hostile)
        answer = client.get("/c/cy-2026/programme.pdf")
    finally:
        server.shutdown()
        server.server_close()
    assert answer.status_code == 200
    assert f'<img src="http://127.0.0.1:{port}/img">' in pdf_text(answer.data).replace("\n", "")
    assert hits == []


def test_built_once_per_release_and_language(ctx, client, app):
    conference = timetable()
    first = client.get("/c/cy-2026/programme.pdf?lang=zh")
    etag = first.headers["ETag"]
    again = client.get("/c/cy-2026/programme.pdf?lang=zh", headers={"If-None-Match": etag})
    assert again.status_code == 304
    kept = list(Path(app.config["PROGRAMME_PDF_DIR"]).glob(f"{conference.id}-*.pdf"))
    assert len(kept) == 1 and kept[0].read_bytes() == first.data
    english = client.get("/c/cy-2026/programme.pdf?lang=en")
    assert english.headers["ETag"] != etag
    # A new release is a new PDF.
    from eventsys.schedule.models import ScheduleSession

    db.session.query(ScheduleSession).filter_by(code="opening").one().title = "开幕式暨颁奖"
    releases.publish(conference, "1.1")
    db.session.commit()
    newer = client.get("/c/cy-2026/programme.pdf?lang=zh")
    assert newer.headers["ETag"] != etag
    assert "1.1" in pdf_text(newer.data) and "开幕式暨颁奖" in pdf_text(newer.data)


def test_the_public_programme_links_the_pdf(ctx, client):
    timetable()
    html = client.get("/c/cy-2026/programme?lang=en").get_data(as_text=True)
    assert "/c/cy-2026/programme.pdf?lang=en" in html and "Printable programme (PDF)" in html
