"""Warnings about the draft timetable, as pretalx gives them: they never stop a save.

- ``room_overlap``: two sessions in one room at overlapping times (identical start and length
  included);
- ``speaker_double_booked``: one person in two overlapping sessions (one person: one row,
  matched by name and organization without spaces, full-width forms or case);
- ``capacity_exceeds_room``: a session offers more seats than its room holds;
- ``outside_conference``: a session not within the conference's days (the dates were moved
  after it was planned);
- ``crosses_midnight``: a session that ends on a later day than it starts.

Overlaps are found by a sweep per room and per person (sorted by start, a heap of the sessions
still running), so the cost is O(n log n) plus the overlaps found, never quadratic in the
sessions of a day. Cancelled sessions are left out.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable
from datetime import time, timedelta

from flask_babel import gettext as _

from eventsys.conferences.models import Conference
from eventsys.i18n import localized
from eventsys.schedule.models import ScheduleSession
from eventsys.schedule.releases import draft_sessions

TYPES = (
    "room_overlap",
    "speaker_double_booked",
    "capacity_exceeds_room",
    "outside_conference",
    "crosses_midnight",
)


def overlapping_pairs(sessions: Iterable[ScheduleSession]):
    """Each pair of sessions whose times overlap (touching ends do not), by a sweep."""
    ordered = sorted(sessions, key=lambda s: (s.starts_at, s.ends_at, s.id or 0))
    running: list = []  # heap of (ends_at, order, session)
    for order, session in enumerate(ordered):
        while running and running[0][0] <= session.starts_at:
            heapq.heappop(running)
        for _end, _order, other in sorted(running, key=lambda item: item[1]):
            yield other, session
        heapq.heappush(running, (session.ends_at, order, session))


def _span(conference: Conference, a: ScheduleSession, b: ScheduleSession) -> str:
    tz = conference.tz
    start = max(a.starts_at, b.starts_at).astimezone(tz)
    end = min(a.ends_at, b.ends_at).astimezone(tz)
    return f"{start:%m-%d %H:%M}–{end:%H:%M}"


def _title(session: ScheduleSession) -> str:
    return localized(session, "title")


def find_conflicts(conference: Conference, sessions: list | None = None) -> list[dict]:
    """Every warning about the draft: ``{type, sessions: [codes], session_ids, detail}``."""
    if sessions is None:
        sessions = draft_sessions(conference, include_cancelled=False)
    sessions = [s for s in sessions if not s.cancelled]
    found: list[dict] = []

    def add(kind: str, group: list[ScheduleSession], detail: str) -> None:
        found.append(
            {
                "type": kind,
                "sessions": [s.code for s in group],
                "session_ids": [s.id for s in group],
                "detail": detail,
            }
        )

    by_room: dict[int, list] = defaultdict(list)
    by_person: dict[int, list] = defaultdict(list)
    people: dict[int, object] = {}
    for session in sessions:
        if session.room_id is not None:
            by_room[session.room_id].append(session)
        for person_id in {link.person_id for link in session.speakers}:
            by_person[person_id].append(session)
        for link in session.speakers:
            people[link.person_id] = link.person

    for room_sessions in by_room.values():
        room = room_sessions[0].room
        for a, b in overlapping_pairs(room_sessions):
            add(
                "room_overlap",
                [a, b],
                _(
                    "%(room)s: %(a)s and %(b)s overlap (%(span)s).",
                    room=localized(room, "name"),
                    a=_title(a),
                    b=_title(b),
                    span=_span(conference, a, b),
                ),
            )
    for person_id, person_sessions in by_person.items():
        if len(person_sessions) < 2:
            continue
        person = people[person_id]
        for a, b in overlapping_pairs(person_sessions):
            add(
                "speaker_double_booked",
                [a, b],
                _(
                    "%(name)s is in %(a)s and %(b)s at the same time (%(span)s).",
                    name=person.name,
                    a=_title(a),
                    b=_title(b),
                    span=_span(conference, a, b),
                ),
            )
    tz = conference.tz
    for session in sessions:
        room = session.room
        if (
            room is not None
            and room.capacity is not None
            and session.capacity is not None
            and session.capacity > room.capacity
        ):
            add(
                "capacity_exceeds_room",
                [session],
                _(
                    "%(title)s offers %(seats)s seats; %(room)s holds %(capacity)s.",
                    title=_title(session),
                    seats=session.capacity,
                    room=localized(room, "name"),
                    capacity=room.capacity,
                ),
            )
        start = session.starts_at.astimezone(tz)
        end = session.ends_at.astimezone(tz)
        last_day = (end - timedelta(microseconds=1)).date() if end.time() == time(0) else end.date()
        if start.date() < conference.starts_on or last_day > conference.ends_on:
            add(
                "outside_conference",
                [session],
                _(
                    "%(title)s is on %(day)s, outside the conference (%(first)s to %(last)s).",
                    title=_title(session),
                    day=start.date().isoformat(),
                    first=conference.starts_on.isoformat(),
                    last=conference.ends_on.isoformat(),
                ),
            )
        if last_day > start.date():
            start_text, end_text = f"{start:%m-%d %H:%M}", f"{end:%m-%d %H:%M}"
            add(
                "crosses_midnight",
                [session],
                _(
                    "%(title)s runs past midnight (%(start)s to %(end)s).",
                    title=_title(session),
                    start=start_text,
                    end=end_text,
                ),
            )
    order = {kind: i for i, kind in enumerate(TYPES)}
    found.sort(key=lambda c: (order[c["type"]], c["sessions"]))
    return found


def by_session(conflicts: list[dict]) -> dict[int, list[dict]]:
    """The warnings that concern each session (by id), for the editor."""
    out: dict[int, list[dict]] = defaultdict(list)
    for conflict in conflicts:
        for session_id in conflict["session_ids"]:
            out[session_id].append(conflict)
    return out
