"""The sessions attendees see, read in one place.

Attendees enroll in, plan around and are told about the sessions of the *published*
programme. Until the timetable keeps releases these are the live rows of
``schedule_sessions``; when it does, only ``sessions_for_attendees`` and
``attendee_session`` change (to ``eventsys.schedule.published``), nothing else here.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from eventsys.conferences.models import Conference
from eventsys.extensions import db
from eventsys.schedule.models import ScheduleSession


def sessions_for_attendees(conference: Conference) -> list[ScheduleSession]:
    """Every session of the programme attendees see, in time order, with room and forum
    loaded (one query)."""
    return list(
        db.session.execute(
            select(ScheduleSession)
            .options(joinedload(ScheduleSession.room), joinedload(ScheduleSession.forum))
            .where(ScheduleSession.conference_id == conference.id)
            .order_by(ScheduleSession.starts_at, ScheduleSession.position, ScheduleSession.id)
        ).scalars()
    )


def attendee_session(conference: Conference, code: str) -> ScheduleSession | None:
    """The session of the programme with this code, or None (another conference's session,
    an unknown code)."""
    if not code or len(code) > 64:
        return None
    return db.session.execute(
        select(ScheduleSession).where(
            ScheduleSession.conference_id == conference.id, ScheduleSession.code == code
        )
    ).scalar_one_or_none()


def is_cancelled(session: ScheduleSession) -> bool:
    """Whether the session was called off after publication (the timetable keeps such
    sessions, marked, instead of deleting them)."""
    return bool(getattr(session, "cancelled", False) or getattr(session, "cancelled_at", None))


def session_uid(session) -> str:
    """The session's iCalendar UID, the same in every feed and across releases."""
    uuid = getattr(session, "uuid", None)
    if uuid:
        return f"{uuid}@eventsys"
    return f"session-{session.id}@eventsys"
