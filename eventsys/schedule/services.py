"""Timetable rules."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from eventsys.extensions import db
from eventsys.schedule.models import ScheduleSession


def _sessions_using(column, part) -> str | None:
    count = db.session.execute(
        select(func.count()).select_from(ScheduleSession).where(column == part.id)
    ).scalar_one()
    if count:
        return _(
            "%(name)s is used by %(count)s session(s) of the timetable; move them first.",
            name=part.name,
            count=count,
        )
    return None


def room_in_use(sender, part, **_kwargs) -> str | None:
    """Why a room cannot be deleted: sessions take place in it."""
    return _sessions_using(ScheduleSession.room_id, part)


def forum_in_use(sender, part, **_kwargs) -> str | None:
    """Why a forum cannot be deleted: sessions belong to it."""
    return _sessions_using(ScheduleSession.forum_id, part)
