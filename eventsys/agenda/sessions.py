"""The sessions attendees see, read in one place: the latest published release.

Attendees enroll in, plan around and are told about the sessions of the *published*
programme (``eventsys.schedule.published``), never the draft the organizers are editing: a
session moved, renamed or added in the draft reaches attendees when it is published. Each
session is an ``AttendeeSession`` read from the release's snapshot (one row, read once per
request), with the attributes the pages, feeds and services use; its ``id`` is the
``schedule_sessions`` row, on which enrollments and the seat lock stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from eventsys.conferences.models import Conference
from eventsys.schedule.exports import ics_uid
from eventsys.schedule.published import latest_release_id, published_sessions


@dataclass(frozen=True)
class Place:
    """A room or forum as the release published it."""

    code: str
    name: str
    name_en: str = ""
    capacity: int | None = None


@dataclass(frozen=True)
class AttendeeSession:
    """A session of the latest release as attendees see it."""

    id: int
    uuid: str
    code: str
    conference_id: int
    title: str
    title_en: str
    description: str
    description_en: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    room: Place | None
    forum: Place | None
    capacity: int | None
    cancelled: bool

    @property
    def forum_code(self) -> str | None:
        return self.forum.code if self.forum else None


def _place(entry: dict | None) -> Place | None:
    if not entry:
        return None
    return Place(
        entry["code"], entry.get("name") or "", entry.get("name_en") or "", entry.get("capacity")
    )


def from_published(conference_id: int, entry: dict) -> AttendeeSession:
    """A session of ``published_sessions`` (a dict) as an ``AttendeeSession``."""
    return AttendeeSession(
        id=entry["id"],
        uuid=entry["uuid"],
        code=entry["code"],
        conference_id=conference_id,
        title=entry["title"],
        title_en=entry.get("title_en") or "",
        description=entry.get("description") or "",
        description_en=entry.get("description_en") or "",
        kind=entry.get("kind") or "",
        starts_at=entry["starts_at"],
        ends_at=entry["ends_at"],
        room=_place(entry.get("room")),
        forum=_place(entry.get("forum")),
        capacity=entry.get("capacity"),
        cancelled=bool(entry.get("cancelled")),
    )


def is_published(conference: Conference) -> bool:
    """Whether the programme has been published at least once (read once per request)."""
    return latest_release_id(conference) is not None


def sessions_for_attendees(conference: Conference) -> list[AttendeeSession]:
    """Every session of the latest release, in time order, cancelled ones included (marked);
    [] before the first release. One query per request, whatever the number of sessions."""
    return [from_published(conference.id, s) for s in published_sessions(conference)]


def sessions_to_enroll(conference: Conference) -> list[AttendeeSession]:
    """The sessions of the latest release entered by enrollment (those with a capacity), in
    time order; only these are made into objects (the attendee's page asks on every view)."""
    return [
        from_published(conference.id, s)
        for s in published_sessions(conference)
        if s.get("capacity") is not None
    ]


def attendee_session(conference: Conference, code: str) -> AttendeeSession | None:
    """The session of the latest release with this code, or None (not published, another
    conference's session, an unknown code)."""
    if not code or len(code) > 64:
        return None
    for entry in published_sessions(conference):
        if entry["code"] == code:
            return from_published(conference.id, entry)
    return None


def is_cancelled(session) -> bool:
    """Whether the session was called off after publication (the timetable keeps such
    sessions, marked, instead of deleting them)."""
    return bool(getattr(session, "cancelled", False) or getattr(session, "cancelled_at", None))


def session_uid(session) -> str:
    """The session's iCalendar UID: the same as the public feed's (``/c/<slug>/schedule.ics``)
    for that session, and the same across releases (it is made of the session's uuid)."""
    return ics_uid(session.uuid)
