"""Check-in rules: the lists, and looking up a scanned code."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from eventsys.checkin.codes import parse_checkin_code
from eventsys.conferences.models import Conference
from eventsys.errors import ValidationError
from eventsys.extensions import db
from eventsys.registration.models import Registration
from eventsys.schedule.models import ScheduleSession


def find_session(conference: Conference, code: str | None) -> ScheduleSession | None:
    """The conference's session with this code; None for no code; refuses an unknown one."""
    if not code:
        return None
    session = db.session.execute(
        select(ScheduleSession).where(
            ScheduleSession.conference_id == conference.id, ScheduleSession.code == code
        )
    ).scalar_one_or_none()
    if session is None:
        raise ValidationError(
            _("session: no session with code %(session_code)s.", session_code=code),
            {"session": _("no such session")},
        )
    return session


def list_values(conference: Conference, values: dict) -> dict:
    """A check-in list's form values as columns: the session's code becomes its id."""
    values = dict(values)
    if "session" in values:
        session = find_session(conference, values.pop("session"))
        values["session_id"] = session.id if session else None
    return values


def registration_for_code(text: str) -> Registration | None:
    """The registration whose QR code (or its last part) this is; None for anything else,
    forged codes included (refused before any look-up)."""
    token = parse_checkin_code(text)
    if token is None:
        return None
    return db.session.execute(
        select(Registration).where(Registration.checkin_token == token)
    ).scalar_one_or_none()
