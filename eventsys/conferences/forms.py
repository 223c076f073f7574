from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from eventsys.conferences.services import CODE_RE, MAX_CAPACITY, SLUG_RE

COMMON_TIMEZONES = [
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "UTC",
]

code_validators = [
    DataRequired(),
    Length(max=64),
    Regexp(CODE_RE, message=_l("Letters, digits, '-', '_' or '.' only.")),
]
capacity_validators = [
    Optional(),
    NumberRange(min=0, max=MAX_CAPACITY, message=_l("A whole number from 0, or empty.")),
]


class ConferenceForm(FlaskForm):
    slug = StringField(
        _l("Short name in links (slug)"),
        validators=[
            DataRequired(),
            Regexp(SLUG_RE, message=_l("2-64 lower-case letters, digits and dashes.")),
        ],
        description=_l("e.g. cy-2026; cannot be changed later."),
    )
    title = StringField(_l("Title (Chinese)"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=200)])
    starts_on = DateField(_l("First day"), validators=[DataRequired()])
    ends_on = DateField(_l("Last day"), validators=[DataRequired()])
    timezone = SelectField(_l("Time zone"), choices=[SelectChoice(z, z) for z in COMMON_TIMEZONES])
    venue = StringField(_l("Venue (Chinese)"), validators=[Optional(), Length(max=200)])
    venue_en = StringField(_l("Venue (English)"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=20000)],
        description=_l("A blank line starts a new paragraph."),
    )
    description_en = TextAreaField(
        _l("Description (English)"),
        validators=[Optional(), Length(max=20000)],
        description=_l("Empty: English readers see the Chinese, marked as such."),
    )
    capacity = IntegerField(
        _l("Limit on all registrations"),
        validators=capacity_validators,
        description=_l("Empty: only the categories' limits apply."),
    )
    registration_opens_at = DateTimeLocalField(
        _l("Registration opens"), validators=[Optional()], format="%Y-%m-%dT%H:%M"
    )
    registration_closes_at = DateTimeLocalField(
        _l("Registration closes"), validators=[Optional()], format="%Y-%m-%dT%H:%M"
    )
    edits_require_approval = BooleanField(
        _l("An attendee's own changes send a confirmed registration back to approval")
    )

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day cannot be before the first day."))

    def validate_registration_closes_at(self, field):
        opens = self.registration_opens_at.data
        if opens and field.data and field.data <= opens:
            raise ValidationError(_l("Registration must close after it opens."))


class PartForm(FlaskForm):
    """Code and names: what every part listed under a conference has."""

    code = StringField(_l("Code"), validators=code_validators)
    name = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])


class CategoryForm(PartForm):
    capacity = IntegerField(
        _l("Capacity"), validators=capacity_validators, description=_l("Empty: no limit.")
    )
    requires_approval = BooleanField(_l("Registrations need an organizer's approval"))
    invite_only = BooleanField(_l("Only with an invitation code"))


class ForumForm(PartForm):
    pass


class RoomForm(PartForm):
    capacity = IntegerField(
        _l("Seats"), validators=capacity_validators, description=_l("Empty: unknown.")
    )


class ImportConferenceForm(FlaskForm):
    file = FileField(
        _l("Conference file (.json)"),
        validators=[FileRequired(), FileAllowed(["json"], _l("A .json file, please."))],
    )
    replace = BooleanField(_l("Update the conference with the same slug if it exists"))
