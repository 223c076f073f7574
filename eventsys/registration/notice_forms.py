"""The form for a notice to attendees."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from eventsys.registration.notices import BODY_MAX, SUBJECT_MAX


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NoticeForm(FlaskForm):
    subject = StringField(_l("Subject"), render_kw={"maxlength": SUBJECT_MAX, "required": True})
    body = TextAreaField(
        _l("Text of the notice"),
        description=_l(
            "Plain text. A blank line starts a new paragraph; links become clickable. Each "
            "person is greeted by name."
        ),
        render_kw={"maxlength": BODY_MAX, "rows": 10, "required": True},
    )
    statuses = CheckboxesField(_l("To people whose registration is"), validate_choice=False)
    category_ids = CheckboxesField(
        _l("In the categories (none ticked: every category)"), coerce=int, validate_choice=False
    )
    save = SubmitField(_l("Save and preview"))
