"""The organizer's form for a check-in list, and the operator's choice of list and gate."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, Optional
from wtforms.validators import ValidationError as FormError

from eventsys.conferences.forms import PartForm
from eventsys.conferences.models import Conference
from eventsys.extensions import db
from eventsys.i18n import localized
from eventsys.schedule.models import ScheduleSession


class CheckinListForm(PartForm):
    session = SelectField(_l("Session"), choices=[], validate_choice=True)
    categories = SelectMultipleField(
        _l("Categories admitted"),
        choices=[],
        validate_choice=True,
        description=_l("None chosen: every category."),
    )
    opens_at = DateTimeLocalField(_l("Opens"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    closes_at = DateTimeLocalField(_l("Closes"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    allow_reentry = BooleanField(_l("Re-entry allowed after an exit scan"))

    def validate_closes_at(self, field):
        opens = self.opens_at.data
        if opens and field.data and field.data <= opens:
            raise FormError(_l("The list must close after it opens."))


def fill_list_form(conference: Conference, form, part) -> None:
    """The session and category choices of a check-in list's form (and its current values,
    in the conference's time zone, when editing)."""
    current = part.session.code if part and part.session else None
    sessions = db.session.execute(
        select(ScheduleSession.code, ScheduleSession.title, ScheduleSession.cancelled_at)
        .where(
            ScheduleSession.conference_id == conference.id,
            # A cancelled session is not offered, unless it is the list's own already.
            or_(ScheduleSession.cancelled_at.is_(None), ScheduleSession.code == current),
        )
        .order_by(ScheduleSession.starts_at)
    ).all()
    form.session.choices = [SelectChoice("", _("Whole conference"))] + [
        SelectChoice(
            code,
            _("%(session)s (cancelled)", session=f"{code} · {title}")
            if cancelled_at
            else f"{code} · {title}",
        )
        for code, title, cancelled_at in sessions
    ]
    form.categories.choices = [
        SelectChoice(c.code, localized(c, "name")) for c in conference.categories
    ]
    if request.method == "GET":
        form.session.data = part.session.code if part and part.session else ""
        form.categories.data = [c.code for c in part.categories] if part else []
        tz = conference.tz
        for name in ("opens_at", "closes_at"):
            value = getattr(part, name) if part else None
            getattr(form, name).data = value.astimezone(tz).replace(tzinfo=None) if value else None


class GateForm(FlaskForm):
    """The operator's current list and gate (the device's name), kept in the session."""

    list_code = SelectField(_l("Check-in list"), choices=[], validate_choice=True)
    gate = StringField(
        _l("Gate"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("This device's name, e.g. East entrance 1."),
    )


class ScanForm(FlaskForm):
    """The operator's check-in button: the nonce makes a double tap one scan."""

    nonce = HiddenField(validators=[DataRequired(), Length(max=100)])
    type = HiddenField(default="entry", validators=[AnyOf(("entry", "exit"))])
