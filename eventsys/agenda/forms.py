"""Forms of the agenda pages (every one carries its CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional


class ActionForm(FlaskForm):
    """A button that changes something (enroll, withdraw, choose): the CSRF token only."""


class ForumSettingsForm(FlaskForm):
    mode = RadioField(
        _l("Ask registrants to choose forums"),
        choices=[
            SelectChoice("off", _l("No")),
            SelectChoice("optional", _l("Yes, optionally")),
            SelectChoice("required", _l("Yes, at least one forum is required")),
        ],
        default="off",
    )
    max_choices = IntegerField(
        _l("How many forums one attendee may choose"),
        validators=[Optional(), NumberRange(min=1, max=1000)],
        description=_l("Empty: as many as they like."),
    )
    changes_open = BooleanField(_l("Attendees may change their choice on their own page"))


def limit_field_name(forum_id: int) -> str:
    return f"limit_{forum_id}"
