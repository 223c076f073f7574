"""The organizer's form for a check-in list."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from eventsys.conferences.forms import PartForm
from eventsys.conferences.models import Conference
from eventsys.extensions import db
from eventsys.schedule.models import ScheduleSession


class CheckinListForm(PartForm):
    session = SelectField(_l("Session"), choices=[], validate_choice=True)


def fill_list_form(conference: Conference, form, part) -> None:
    """The session choices of a check-in list's form (and its current one when editing)."""
    sessions = db.session.execute(
        select(ScheduleSession.code, ScheduleSession.title)
        .where(ScheduleSession.conference_id == conference.id)
        .order_by(ScheduleSession.starts_at)
    ).all()
    form.session.choices = [SelectChoice("", _("Whole conference"))] + [
        SelectChoice(code, f"{code} · {title}") for code, title in sessions
    ]
    if request.method == "GET":
        form.session.data = part.session.code if part and part.session else ""
