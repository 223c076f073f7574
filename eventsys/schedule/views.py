"""The timetable's parts of the conference pages: the public programme, the overview card."""

from __future__ import annotations

from itertools import groupby

from flask import render_template
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from eventsys.conferences.models import Conference
from eventsys.extensions import db
from eventsys.schedule.models import ScheduleSession


def programme_section(conference: Conference) -> str:
    """The programme by day, in the conference's time zone (rooms, forums and speakers
    joined to the sessions: one query, whatever the number of sessions)."""
    sessions = (
        db.session.execute(
            select(ScheduleSession)
            .options(
                joinedload(ScheduleSession.speakers),
                joinedload(ScheduleSession.room),
                joinedload(ScheduleSession.forum),
            )
            .where(ScheduleSession.conference_id == conference.id)
            .order_by(ScheduleSession.starts_at, ScheduleSession.position, ScheduleSession.id)
        )
        .unique()
        .scalars()
    )
    tz = conference.tz
    days = [
        (day, list(items))
        for day, items in groupby(sessions, key=lambda s: s.starts_at.astimezone(tz).date())
    ]
    return render_template("schedule/_programme.html", conference=conference, days=days)


def dashboard_section(conference: Conference) -> str:
    count = db.session.execute(
        select(func.count())
        .select_from(ScheduleSession)
        .where(ScheduleSession.conference_id == conference.id)
    ).scalar_one()
    return render_template("schedule/_dashboard.html", conference=conference, sessions=count)
