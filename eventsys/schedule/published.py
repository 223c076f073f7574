"""The programme as the public sees it: the latest release, never the draft.

For the domains built on the timetable (the personal agenda, enrollment, check-in lists):

    from eventsys.schedule.published import latest_release, published_sessions

    release = latest_release(conference)        # PublishedRelease or None (nothing published)
    release_id = latest_release_id(conference)  # its id only
    for s in published_sessions(conference):    # [] before the first release
        s["id"], s["code"], s["starts_at"], s["cancelled"], s["people"] ...

Each session is a plain dict (stable keys, documented on ``published_sessions``); the data
come from one row (the release's snapshot), so reading them costs one query per request.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from threading import Lock

from flask import current_app
from sqlalchemy import select

from eventsys.conferences.models import Conference
from eventsys.extensions import db
from eventsys.schedule.models import ScheduleRelease
from eventsys.schedule.releases import parse_iso_utc
from eventsys.txcache import transaction_cache


def latest_release_id(conference: Conference) -> int | None:
    """The id of the conference's latest release, or None before the first (read once per
    transaction, or brought along by the query that loaded the conference: ``preload``)."""
    cache = transaction_cache("schedule.latest_release")
    if conference.id not in cache:
        cache[conference.id] = db.session.execute(
            select(ScheduleRelease.id)
            .where(ScheduleRelease.conference_id == conference.id)
            .order_by(ScheduleRelease.number.desc())
            .limit(1)
        ).scalar()
    return cache[conference.id]


def preload_columns(conference_id) -> list:
    return [
        select(ScheduleRelease.id)
        .where(ScheduleRelease.conference_id == conference_id)
        .order_by(ScheduleRelease.number.desc())
        .limit(1)
        .scalar_subquery()
        .label("schedule_latest_release")
    ]


def remember_preloaded(conference_id: int, values: dict) -> None:
    transaction_cache("schedule.latest_release")[conference_id] = values["schedule_latest_release"]


def latest_release(conference: Conference) -> PublishedRelease | None:
    """The conference's latest published release (id, number, version, comment,
    published_at), or None before the first."""
    return published_programme(conference).release


@dataclass(frozen=True)
class PublishedRelease:
    """What the readers of a programme need of its release (a row never changed once
    written, so it is kept between requests)."""

    id: int
    conference_id: int
    number: int
    version: str
    comment: str
    published_at: datetime


@dataclass
class Programme:
    """A release opened for reading: sessions, people, rooms and forums as dicts."""

    release: PublishedRelease | None
    sessions: list[dict] = field(default_factory=list)
    people: dict[int, dict] = field(default_factory=dict)
    rooms: dict[str, dict] = field(default_factory=dict)
    forums: dict[str, dict] = field(default_factory=dict)

    def by_id(self) -> dict[int, dict]:
        return {s["id"]: s for s in self.sessions}


def open_snapshot(snapshot: dict, release: PublishedRelease | None = None) -> Programme:
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
    release_id = latest_release_id(conference)
    return Programme(None) if release_id is None else _opened_release(release_id)


# Releases opened for reading, by id, kept by the application (one per worker process): a
# release is never changed once published, so its snapshot (hundreds of kB of JSON for a large
# programme) is read and parsed once per worker, not on every page. Readers must not change
# what they are given.
OPENED_CACHE_SIZE = 16
_opened_lock = Lock()


def _opened_release(release_id: int) -> Programme:
    opened = current_app.extensions.setdefault("eventsys_opened_releases", OrderedDict())
    with _opened_lock:
        programme = opened.get(release_id)
        if programme is not None:
            opened.move_to_end(release_id)
            return programme
    row = db.session.get(ScheduleRelease, release_id)
    release = PublishedRelease(
        row.id, row.conference_id, row.number, row.version, row.comment, row.published_at
    )
    programme = open_snapshot(row.snapshot, release)
    with _opened_lock:
        opened[release_id] = programme
        while len(opened) > OPENED_CACHE_SIZE:
            opened.popitem(last=False)
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
