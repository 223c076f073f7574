from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from eventsys.auth.models import ROLES

ROLE_LABELS = {"organizer": _l("Organizer"), "staff": _l("Staff"), "checkin": _l("Check-in")}


# autocomplete tokens (HTML's autofill names): password managers fill the right field, and
# offer a strong new password where one is chosen.
class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(), Length(max=254)],
        render_kw={"autocomplete": "username", "inputmode": "email"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=8, max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=8, max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class MemberForm(FlaskForm):
    # Someone else's address and a password for them: the browser must not fill in the
    # organizer's own (autocomplete="off" on the address, "new-password" on the password).
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(), Length(max=254)],
        render_kw={"autocomplete": "off"},
    )
    name = StringField(
        _l("Name"), validators=[Optional(), Length(max=100)], render_kw={"autocomplete": "off"}
    )
    # The least role by default: an organizer raises it on purpose, never by oversight.
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(r, ROLE_LABELS[r]) for r in reversed(ROLES)],
        default="checkin",
    )
    password = PasswordField(
        _l("Initial password (only for a new account)"),
        validators=[Optional(), Length(min=8, max=200)],
        render_kw={"autocomplete": "new-password"},
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
