"""The programme as the public sees it: the latest release, never the draft.

For the domains built on the timetable (the personal agenda, enrollment, check-in lists):

    from eventsys.schedule.published import latest_release, published_sessions

    release = latest_release(conference)        # ScheduleRelease or None (nothing published)
    for s in published_sessions(conference):    # [] before the first release
        s["id"], s["code"], s["starts_at"], s["cancelled"], s["people"] ...

Each session is a plain dict (stable keys, documented on ``published_sessions``); the data
come from one row (the release's snapshot), so reading them costs one query per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import has_request_context, request

from eventsys.conferences.models import Conference
from eventsys.schedule.models import ScheduleRelease
from eventsys.schedule.releases import latest_release_row, parse_iso_utc


def _request_cache(name: str) -> dict:
    """A dict that lives as long as the current request (an app context may outlive a
    request, in tests and commands: its ``g`` is not enough); empty outside requests."""
    if not has_request_context():
        return {}
    holder = getattr(request, "_eventsys_schedule", None)
    if holder is None:
        holder = {}
        request._eventsys_schedule = holder
    return holder.setdefault(name, {})


def latest_release(conference: Conference) -> ScheduleRelease | None:
    """The conference's latest published release, or None before the first (one query,
    remembered for the rest of the request)."""
    cache = _request_cache("latest")
    if conference.id not in cache:
        cache[conference.id] = latest_release_row(conference)
    return cache[conference.id]


@dataclass
class Programme:
    """A release opened for reading: sessions, people, rooms and forums as dicts."""

    release: ScheduleRelease | None
    sessions: list[dict] = field(default_factory=list)
    people: dict[int, dict] = field(default_factory=dict)
    rooms: dict[str, dict] = field(default_factory=dict)
    forums: dict[str, dict] = field(default_factory=dict)

    def by_id(self) -> dict[int, dict]:
        return {s["id"]: s for s in self.sessions}


def open_snapshot(snapshot: dict, release: ScheduleRelease | None = None) -> Programme:
    """A snapshot with its references resolved: each session's ``room``, ``forum`` (dicts or
    None), ``people`` (dicts with the role), times as aware UTC datetimes; each person's
    ``sessions`` (with their role in it) in time order."""
    rooms = {r["code"]: dict(r) for r in snapshot.get("rooms", [])}
    forums = {f["code"]: dict(f) for f in snapshot.get("forums", [])}
    people = {p["id"]: {**p, "sessions": []} for p in snapshot.get("people", [])}
    sessions = []
    for entry in snapshot.get("sessions", []):
        session = dict(entry)
        session["starts_at"] = parse_iso_utc(entry["starts_at"])
        session["ends_at"] = parse_iso_utc(entry["ends_at"])
        session["room"] = rooms.get(entry["room"]) if entry["room"] else None
        session["forum"] = forums.get(entry["forum"]) if entry["forum"] else None
        session["people"] = []
        for link in entry["people"]:
            person = people.get(link["id"])
            if person is None:
                continue
            session["people"].append(
                {**{k: v for k, v in person.items() if k != "sessions"}, "role": link["role"]}
            )
            person["sessions"].append((session, link["role"]))
        sessions.append(session)
    return Programme(release, sessions, people, rooms, forums)


def published_programme(conference: Conference) -> Programme:
    """The latest release opened for reading (an empty programme before the first)."""
    cache = _request_cache("programme")
    if conference.id in cache:
        return cache[conference.id]
    release = latest_release(conference)
    programme = open_snapshot(release.snapshot, release) if release else Programme(None)
    cache[conference.id] = programme
    return programme


def published_sessions(conference: Conference) -> list[dict]:
    """The sessions of the latest release, in time order, as the public sees them ([] before
    the first release). Each is a dict with:

    - ``id`` (int, the schedule_sessions row; stable), ``uuid`` (str, stable), ``code``
    - ``title``, ``title_en``, ``description``, ``description_en``, ``kind``
    - ``starts_at``, ``ends_at``: aware datetimes in UTC
    - ``room``: ``{"code", "name", "name_en", "capacity"}`` or None
    - ``forum``: ``{"code", "name", "name_en"}`` or None
    - ``capacity``: int or None (unlimited)
    - ``cancelled``: bool (a cancelled session stays listed, marked, so enrollments and
      check-in lists that refer to it keep working)
    - ``people``: ``[{"id", "name", "name_en", "organization", "title", "bio", "bio_en",
      "role"}]`` in the order shown
    """
    return published_programme(conference).sessions
