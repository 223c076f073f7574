from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from eventsys.auth.models import ROLES

ROLE_LABELS = {"organizer": _l("Organizer"), "staff": _l("Staff"), "checkin": _l("Check-in")}


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=8, max=200)]
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=200)]
    )
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=8, max=200)]
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class MemberForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=100)])
    # The least role by default: an organizer raises it on purpose, never by oversight.
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(r, ROLE_LABELS[r]) for r in reversed(ROLES)],
        default="checkin",
    )
    password = PasswordField(
        _l("Initial password (only for a new account)"),
        validators=[Optional(), Length(min=8, max=200)],
    )


class TokenForm(FlaskForm):
    """An API token for a team member (a scanner at a gate, an integration), shown once."""

    user_id = SelectField(_l("For"), coerce=int, choices=[], validate_choice=False)
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES],
        default="checkin",
        description=_l("Never above the member's own role."),
    )
    label = StringField(
        _l("Label"),
        validators=[Optional(), Length(max=100)],
        description=_l("Where it is used, e.g. “East gate scanner 2”."),
    )
