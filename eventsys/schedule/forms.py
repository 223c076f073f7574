"""The editor's forms. The services check every value (one place for the rules); the fields'
names are the keys of the services' errors, so each reason shows beside its field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from eventsys.i18n import localized
from eventsys.schedule.labels import KIND_LABELS, ROLE_LABELS
from eventsys.schedule.models import SESSION_KINDS, SPEAKER_ROLES


class SessionForm(FlaskForm):
    code = StringField(_l("Code"), description=_l("Letters, digits, '-', '_' or '.'; unique."))
    title = StringField(_l("Title (Chinese)"))
    title_en = StringField(_l("Title (English)"))
    kind = SelectField(_l("Kind"), validate_choice=False)
    day = StringField(_l("Day"), render_kw={"type": "date"})
    start = StringField(_l("Starts"), render_kw={"type": "time", "step": 300})
    end = StringField(_l("Ends"), render_kw={"type": "time", "step": 300})
    room = SelectField(_l("Room"), validate_choice=False)
    forum = SelectField(_l("Forum"), validate_choice=False)
    capacity = StringField(
        _l("Seats"),
        render_kw={"inputmode": "numeric"},
        description=_l("Empty: no limit (no enrollment needed)."),
    )
    description = TextAreaField(_l("Description (Chinese)"), render_kw={"rows": 3})
    description_en = TextAreaField(_l("Description (English)"), render_kw={"rows": 3})

    def set_choices(self, conference) -> None:
        self.kind.choices = [SelectChoice(k, str(KIND_LABELS[k])) for k in SESSION_KINDS]
        self.room.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(r.id), localized(r, "name")) for r in conference.rooms
        ]
        self.forum.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(f.id), localized(f, "name")) for f in conference.forums
        ]


class AssignForm(FlaskForm):
    """Put a person in a session: one already listed, or a new one by name."""

    person = SelectField(_l("Person"), validate_choice=False)
    name = StringField(_l("Or a new person: name"))
    organization = StringField(_l("Organization"))
    role = SelectField(
        _l("Role"), choices=[SelectChoice(r, str(ROLE_LABELS[r])) for r in SPEAKER_ROLES]
    )

    def set_choices(self, people) -> None:
        self.person.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(p.id), f"{p.name}（{p.organization}）" if p.organization else p.name)
            for p in people
        ]
        self.role.choices = [SelectChoice(r, str(ROLE_LABELS[r])) for r in SPEAKER_ROLES]


class PersonForm(FlaskForm):
    name = StringField(_l("Name"))
    name_en = StringField(_l("Name (English)"))
    organization = StringField(_l("Organization"))
    title = StringField(_l("Position or title"), description=_l("e.g. 教授、院长"))
    bio = TextAreaField(_l("Short biography (Chinese)"), render_kw={"rows": 4})
    bio_en = TextAreaField(_l("Short biography (English)"), render_kw={"rows": 4})
    contact = StringField(
        _l("Contact (staff only)"),
        description=_l("Phone or e-mail; never shown to the public."),
    )


class PublishForm(FlaskForm):
    version = StringField(
        _l("Version name"), description=_l("Optional, e.g. 终版; empty: the next number.")
    )
    comment = TextAreaField(_l("Note for the changelog"), render_kw={"rows": 2})
