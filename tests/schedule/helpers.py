"""A conference with rooms, forums and a timetable, made through the conference JSON."""

from __future__ import annotations

from eventsys.extensions import db
from tests.factories import make_conference


def session(code, start, end, room="hall-a", speakers=(), **extra) -> dict:
    """A session on 18 December (local times ``"09:00"``) unless ``start`` has a date."""
    day = "2026-12-18T"
    return {
        "code": code,
        "title": extra.pop("title", f"会议{code}"),
        "kind": extra.pop("kind", "talk"),
        "room": room,
        "forum": extra.pop("forum", None),
        "starts_at": start if "T" in start else day + start,
        "ends_at": end if "T" in end else day + end,
        "capacity": extra.pop("capacity", None),
        "speakers": [
            {"name": name, "affiliation": affiliation, "role": role}
            for name, affiliation, role in speakers
        ],
        **extra,
    }


def make_timetable(sessions: list[dict], **changes):
    """The contract's conference with two rooms (A厅 500 seats, B厅 100) and ``sessions``."""
    conference = make_conference(
        rooms=[
            {"code": "hall-a", "name": "A厅", "capacity": 500},
            {"code": "hall-b", "name": "B厅", "capacity": 100},
        ],
        forums=[{"code": "ai", "name": "人工智能分论坛"}, {"code": "bio", "name": "生物医药"}],
        sessions=sessions,
        **changes,
    )
    db.session.commit()
    return conference
