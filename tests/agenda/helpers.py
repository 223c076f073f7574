"""A two-day conference with forums, open sessions and sessions with limited seats."""

from __future__ import annotations

from sqlalchemy import select

from eventsys.agenda import services
from eventsys.extensions import db
from eventsys.schedule.models import ScheduleSession
from eventsys.schedule.releases import publish
from tests.factories import make_conference

FORUMS = [
    {"code": "ai", "name": "人工智能分论坛", "name_en": "AI Forum"},
    {"code": "energy", "name": "新能源分论坛", "name_en": "New Energy Forum"},
    {"code": "bio", "name": "生物医药分论坛", "name_en": "Biomedicine Forum"},
]
ROOMS = [
    {"code": "hall-a", "name": "A厅", "capacity": 500},
    {"code": "room-1", "name": "一号会议室", "capacity": 60},
    {"code": "room-2", "name": "二号会议室", "capacity": 40},
]


def _session(code, title, start, end, room, forum=None, capacity=None, title_en=""):
    return {
        "code": code,
        "title": title,
        "title_en": title_en,
        "kind": "forum" if forum else "plenary",
        "room": room,
        "forum": forum,
        "starts_at": start,
        "ends_at": end,
        "capacity": capacity,
        "speakers": [],
    }


SESSIONS = [
    _session(
        "opening",
        "开幕式",
        "2026-12-18T09:00",
        "2026-12-18T10:00",
        "hall-a",
        title_en="Opening ceremony",
    ),
    _session(
        "ai-talks",
        "人工智能报告",
        "2026-12-18T14:00",
        "2026-12-18T17:00",
        "room-1",
        "ai",
        title_en="AI talks",
    ),
    _session(
        "energy-talks",
        "新能源报告",
        "2026-12-18T14:00",
        "2026-12-18T17:00",
        "room-2",
        "energy",
        title_en="Energy talks",
    ),
    _session(
        "ws-llm",
        "大模型实训",
        "2026-12-19T09:00",
        "2026-12-19T11:00",
        "room-1",
        "ai",
        capacity=3,
        title_en="LLM workshop",
    ),
    _session(
        "visit",
        "企业参观",
        "2026-12-19T10:00",
        "2026-12-19T12:00",
        "hall-a",
        capacity=1,
        title_en="Company visit",
    ),
]


def make_programme(slug="cy-2026", published=True, **changes):
    """The conference with its programme, published as release v1 (attendees see only the
    published programme) unless ``published`` is False."""
    values = {"slug": slug, "forums": FORUMS, "rooms": ROOMS, "sessions": SESSIONS}
    values.update(changes)
    conference = make_conference(**values)
    if published:
        release(conference, "v1")
    return conference


def release(conference, version=None):
    """Publish the draft as it stands (a new release) and commit."""
    done = publish(conference, version)
    db.session.commit()
    return done


def draft_session(conference, code) -> ScheduleSession:
    return db.session.execute(
        select(ScheduleSession).where(
            ScheduleSession.conference_id == conference.id, ScheduleSession.code == code
        )
    ).scalar_one()


def ask_forums(conference, mode="optional", max_choices=None, limits=None, changes_open=True):
    by_code = {f.code: f.id for f in conference.forums}
    services.save_forum_settings(
        conference,
        mode,
        max_choices,
        changes_open,
        {by_code[code]: limit for code, limit in (limits or {}).items()},
    )
    db.session.commit()
