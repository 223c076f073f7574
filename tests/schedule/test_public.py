"""The public programme: by day, forum and room, search, a session's page, the speakers; in
a constant number of queries however big the programme."""

from __future__ import annotations

from functools import partial

from sqlalchemy import event

from eventsys.extensions import db
from eventsys.schedule import releases
from eventsys.schedule.conflicts import find_conflicts
from tests.schedule.helpers import make_timetable, session


def published(sessions, **changes):
    conference = make_timetable(sessions, **changes)
    releases.publish(conference)
    db.session.commit()
    return conference


def programme_sessions():
    return [
        session(
            "opening",
            "09:00",
            "10:00",
            title="开幕式",
            title_en="Opening Ceremony",
            kind="opening",
            speakers=[("陆为民", "天津市科协", "speaker")],
        ),
        session(
            "ai-1",
            "14:00",
            "17:30",
            room="hall-b",
            title="人工智能分论坛",
            forum="ai",
            kind="forum",
            speakers=[("王　敏", "四川大学", "chair")],
        ),
        session(
            "bio-1",
            "2026-12-19T09:00",
            "2026-12-19T12:00",
            title="生物医药分论坛",
            forum="bio",
            kind="forum",
            speakers=[("王敏", "四川大学", "speaker")],
        ),
    ]


def test_the_programme_by_day_forum_and_room(ctx, client):
    published(programme_sessions())
    page = client.get("/c/cy-2026/programme").get_data(as_text=True)
    assert page.index("开幕式") < page.index("人工智能分论坛") < page.index("生物医药分论坛")
    assert "2026年12月18日" in page and "2026年12月19日" in page
    assert "09:00–10:00" in page and "版本" in page or "Version" in page
    one_day = client.get("/c/cy-2026/programme?day=2026-12-19").get_data(as_text=True)
    assert "生物医药分论坛" in one_day and "开幕式" not in one_day
    by_forum = client.get("/c/cy-2026/programme?view=forum").get_data(as_text=True)
    assert by_forum.index("开幕式") < by_forum.index("人工智能分论坛") < by_forum.index("生物医药")
    by_room = client.get("/c/cy-2026/programme?view=room").get_data(as_text=True)
    assert by_room.index("A厅") < by_room.index("B厅")
    for link in ("/c/cy-2026/schedule.ics", "/c/cy-2026/schedule.xml", "/c/cy-2026/schedule.json"):
        assert link in page


def test_search_ignores_spaces_full_width_and_case(ctx, client):
    published(programme_sessions())
    found = client.get("/c/cy-2026/programme?q=王 敏").get_data(as_text=True)
    assert "人工智能分论坛" in found and "生物医药分论坛" in found and "开幕式" not in found
    english = client.get("/c/cy-2026/programme?q=OPENING").get_data(as_text=True)
    assert "开幕式" in english and "生物医药分论坛" not in english
    nothing = client.get("/c/cy-2026/programme?q=量子").get_data(as_text=True)
    assert "人工智能分论坛" not in nothing


def test_a_session_page_and_the_speakers_page(ctx, client):
    conference = published(programme_sessions())
    sessions = {s["code"]: s for s in releases.build_snapshot(conference)["sessions"]}
    page = client.get(f"/c/cy-2026/programme/{sessions['ai-1']['id']}").get_data(as_text=True)
    assert "人工智能分论坛" in page and "王　敏" in page and "B厅" in page and "14:00–17:30" in page
    assert client.get("/c/cy-2026/programme/999999").status_code == 404
    speakers = client.get("/c/cy-2026/speakers").get_data(as_text=True)
    # one person, with both sessions
    assert speakers.count("王　敏") == 1
    block = speakers[speakers.index("王　敏") :]
    assert "人工智能分论坛" in block and "生物医药分论坛" in block


def test_the_conference_page_shows_the_published_programme(ctx, client):
    make_timetable(programme_sessions())
    assert "开幕式" not in client.get("/c/cy-2026/").get_data(as_text=True)


def test_pages_are_escaped(ctx, client):
    published(
        [
            session(
                "x",
                "09:00",
                "10:00",
                title="<script>alert(1)</script>",
                speakers=[("<b>李</b>", "", "speaker")],
            )
        ]
    )
    for path in ("/c/cy-2026/programme", "/c/cy-2026/speakers", "/c/cy-2026/"):
        text = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in text and "<b>李</b>" not in text


def big_timetable(sessions_count: int, people_count: int) -> list[dict]:
    rooms = ["hall-a", "hall-b"]
    items = []
    for i in range(sessions_count):
        day = "2026-12-18" if i % 2 == 0 else "2026-12-19"
        hour = 8 + (i // 4) % 12
        speakers = [(f"嘉宾{(i * 3 + k) % people_count}", "大学", "speaker") for k in range(3)]
        items.append(
            session(
                f"s{i}",
                f"{day}T{hour:02d}:00",
                f"{day}T{hour:02d}:50",
                room=rooms[(i // 2) % 2],
                forum="ai" if i % 3 else None,
                speakers=speakers,
            )
        )
    return items


def count_queries(call) -> int:
    statements = []

    def counted(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    return len(statements)


def test_programme_editor_and_conflicts_in_a_constant_number_of_queries(ctx, client):
    from tests.conftest import login
    from tests.factories import PASSWORD, make_user

    small = published(big_timetable(4, 4), slug="small-2026")
    big = published(big_timetable(120, 60))
    for conference in (small, big):
        make_user(f"org@{conference.slug}.org", "organizer", conference)
    counts = {}
    for conference in (small, big):
        slug = conference.slug
        browser = client.application.test_client()  # a browser of its own for each organizer
        login(browser, f"org@{slug}.org", PASSWORD)
        paths = ["programme", "speakers", "schedule.xml", ""]
        counts[slug] = [count_queries(partial(browser.get, f"/c/{slug}/{p}")) for p in paths]
        counts[slug].append(count_queries(partial(browser.get, f"/manage/{slug}/schedule/")))
        counts[slug].append(count_queries(partial(find_conflicts, conference)))
        assert browser.get(f"/manage/{slug}/schedule/").status_code == 200
    assert counts["small-2026"] == counts["cy-2026"], counts
    assert counts["cy-2026"][-1] <= 4  # the conflict check: sessions with rooms, links with people
