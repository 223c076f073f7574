"""The organizer's badge settings and staff's choice of a batch of badges to print."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from eventsys.documents.models import BADGE_LAYOUTS

LAYOUT_LABELS = {
    "a6": _l("A6, one badge per page"),
    "a4-4up": _l("A4, four badges per sheet with cut marks"),
}


def layout_choices() -> list[SelectChoice]:
    return [SelectChoice(layout, LAYOUT_LABELS[layout]) for layout in BADGE_LAYOUTS]


class BadgeSettingsForm(FlaskForm):
    layout = SelectField(_l("Layout"), choices=layout_choices, validate_choice=True)
    show_organization = BooleanField(_l("Show the organization"))
    show_position = BooleanField(_l("Show the position or title"))
    footer = StringField(
        _l("Line at the foot of every badge"), validators=[Optional(), Length(max=100)]
    )


class BadgeJobForm(FlaskForm):
    layout = SelectField(_l("Layout"), choices=layout_choices, validate_choice=True)
    category = SelectField(_l("Category"), choices=[], validate_choice=True)
    organization = StringField(
        _l("Organization contains"), validators=[Optional(), Length(max=200)]
    )
    not_printed = BooleanField(_l("Only badges not yet printed"))


def fill_settings_form(form: BadgeSettingsForm, conference, settings) -> None:
    form.layout.data = settings.layout if settings.layout in BADGE_LAYOUTS else "a6"
    form.show_organization.data = settings.show_organization
    form.show_position.data = settings.show_position
    form.footer.data = settings.footer


def fill_job_form(form: BadgeJobForm, conference) -> None:
    from eventsys.i18n import localized

    form.category.choices = [SelectChoice("", _l("All categories"))] + [
        SelectChoice(c.code, localized(c, "name")) for c in conference.categories
    ]
