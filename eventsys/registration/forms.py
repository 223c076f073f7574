"""Registration forms. The services check every rule; these forms carry the fields, the CSRF
token and the browser hints (types, lengths, required) that make them pleasant on a phone."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    Field,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from eventsys.i18n import is_english, localized
from eventsys.registration.applicants import ANSWER_MAX, NAME_MAX, ORGANIZATION_MAX, POSITION_MAX
from eventsys.registration.models import Question


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _person_fields(form_class):
    form_class.name = StringField(
        _l("Full name"), render_kw={"maxlength": NAME_MAX, "autocomplete": "name", "required": True}
    )
    form_class.phone = TelField(
        _l("Mobile phone"),
        render_kw={
            "maxlength": 20,
            "autocomplete": "tel",
            "inputmode": "tel",
            "required": True,
            "placeholder": "13800138000",
        },
        description=_l("Mainland numbers: 11 digits. Other countries: start with + and the code."),
    )
    form_class.email = EmailField(
        _l("E-mail"), render_kw={"maxlength": 254, "autocomplete": "email", "required": True}
    )
    form_class.organization = StringField(
        _l("Organization"),
        render_kw={"maxlength": ORGANIZATION_MAX, "autocomplete": "organization"},
    )
    form_class.position = StringField(
        _l("Position or title"),
        render_kw={"maxlength": POSITION_MAX, "autocomplete": "organization-title"},
    )


def _option_label(option: dict) -> str:
    if is_english() and option.get("label_en"):
        return option["label_en"]
    return option.get("label") or option["value"]


def question_field(question: Question, *, compact: bool = False) -> Field:
    """The field for one of the organizers' questions: on the public form and at the desk.

    The service checks the answer (required, the options, the length) and names the field
    in its refusal, so the field itself only carries the browser's hints. ``compact``: the
    desk's variant, choices in a drop-down with an empty first entry (quicker by keyboard).
    """
    label = localized(question, "label")
    required = {"required": True} if question.required else {}
    options = [SelectChoice(o["value"], _option_label(o)) for o in question.options or []]
    yes_no = [SelectChoice("yes", _("Yes")), SelectChoice("no", _("No"))]
    if question.kind in ("choice", "yesno"):
        choices = options if question.kind == "choice" else yes_no
        if compact:
            return SelectField(
                label, choices=[SelectChoice("", "—"), *choices], validators=[Optional()]
            )
        return RadioField(label, choices=choices, validators=[Optional()], render_kw=required)
    if question.kind == "multi":
        return MultiCheckboxField(label, choices=options, validators=[Optional()])
    if question.kind == "number":
        return DecimalField(label, validators=[Optional()], render_kw={"inputmode": "decimal"})
    if question.kind == "date":
        return DateField(label, validators=[Optional()], render_kw=required)
    kind = StringField if compact else TextAreaField
    return kind(label, render_kw={"maxlength": ANSWER_MAX, **({} if compact else {"rows": 2})})


def question_field_name(question: Question) -> str:
    """The public form's field of a question (``q_diet``)."""
    return f"q_{question.code}"


def category_label(category, left: int | None) -> str:
    name = localized(category, "name")
    notes = []
    if category.invite_only:
        notes.append(_("invitation code needed"))
    if category.requires_approval:
        notes.append(_("needs approval"))
    if left is not None:
        notes.append(_("full, waitlist open") if left == 0 else _("%(n)s places left", n=left))
    return (
        f"{name}（{'，'.join(notes)}）"
        if notes and not is_english()
        else (f"{name} ({', '.join(notes)})" if notes else name)
    )


def registration_form(conference, questions, seats: dict, data=None, for_edit=False):
    """A form class made for this conference's categories and questions, instantiated."""

    class RegistrationForm(FlaskForm):
        pass

    if not for_edit:
        RegistrationForm.category = RadioField(
            _l("Registration category"),
            choices=[
                SelectChoice(c.code, category_label(c, seats.get(c.id)))
                for c in conference.categories
            ],
            validators=[Optional()],
            validate_choice=False,
        )
    _person_fields(RegistrationForm)
    for question in questions:
        setattr(RegistrationForm, question_field_name(question), question_field(question))
    if not for_edit:
        RegistrationForm.invite_code = StringField(
            _l("Invitation code"),
            render_kw={"maxlength": 64, "autocomplete": "off", "autocapitalize": "characters"},
            description=_l("Only for categories by invitation."),
        )
        RegistrationForm.consent = BooleanField(
            _l(
                "I agree that the organizers use these details to run this conference "
                "(registration, badges, check-in and notices)."
            )
        )
    return RegistrationForm(data=data)


def answers_from_form(form, questions, field_name=question_field_name) -> dict:
    """The answers as the services take them, from the fields ``question_field`` made."""
    answers = {}
    for question in questions:
        value = form[field_name(question)].data
        if value is None or value == "" or value == []:
            continue
        if question.kind == "date":
            value = value.isoformat()
        elif question.kind == "number":
            value = str(value)
        answers[question.code] = value
    return answers


def form_data_from_answers(answers: dict, questions) -> dict:
    from datetime import date
    from decimal import Decimal

    data = {}
    for question in questions:
        value = answers.get(question.code)
        if value is None:
            continue
        if question.kind == "date":
            value = date.fromisoformat(value)
        elif question.kind == "number":
            value = Decimal(value)
        elif question.kind == "yesno":
            value = "yes" if value else "no"
        data[f"q_{question.code}"] = value
    return data


def answer_field(key: str) -> str:
    """The form field of a service's error key: ``answers.diet`` is the field ``q_diet``."""
    return "q_" + key.split(".", 1)[1] if key.startswith("answers.") else key


SAME_FOR_ALL = ""


def member_question_field(question: Question) -> Field:
    """A member's own answer to a question: empty means "as answered for everyone"."""
    label = localized(question, "label")
    same = _("as for everyone")
    if question.kind in ("choice", "yesno"):
        options = (
            [SelectChoice(o["value"], _option_label(o)) for o in question.options or []]
            if question.kind == "choice"
            else [SelectChoice("yes", _("Yes")), SelectChoice("no", _("No"))]
        )
        return SelectField(
            label,
            choices=[SelectChoice(SAME_FOR_ALL, same), *options],
            validators=[Optional()],
            validate_choice=False,
        )
    if question.kind == "multi":
        return MultiCheckboxField(
            label,
            choices=[SelectChoice(o["value"], _option_label(o)) for o in question.options or []],
            validators=[Optional()],
            validate_choice=False,
        )
    render = {"placeholder": same}
    if question.kind == "number":
        render["inputmode"] = "decimal"
    if question.kind == "date":
        render["type"] = "date"
    return StringField(label, render_kw={"maxlength": ANSWER_MAX, **render})


MEMBER_AUTOFILL = {"autocomplete": "off"}


def member_form_class(questions) -> type[Form]:
    """One person's row of the group form: the person, and their own answers where they
    differ from the contact's answers for everyone."""

    class MemberForm(Form):
        name = StringField(
            _l("Full name"), render_kw={"maxlength": NAME_MAX, "required": True, **MEMBER_AUTOFILL}
        )
        phone = TelField(
            _l("Mobile phone"),
            render_kw={
                "maxlength": 20,
                "inputmode": "tel",
                "required": True,
                "placeholder": "13800138000",
                **MEMBER_AUTOFILL,
            },
        )
        email = EmailField(
            _l("E-mail"), render_kw={"maxlength": 254, "required": True, **MEMBER_AUTOFILL}
        )
        position = StringField(
            _l("Position or title"), render_kw={"maxlength": POSITION_MAX, **MEMBER_AUTOFILL}
        )

    for question in questions:
        setattr(MemberForm, question_field_name(question), member_question_field(question))
    return MemberForm


def member_answers(entry_form, questions) -> dict:
    """A member's own answers (those different from everyone's), as the services take them."""
    answers = {}
    for question in questions:
        value = entry_form[question_field_name(question)].data
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, str):
            value = value.strip()
            if not value:
                continue
        answers[question.code] = value
    return answers


def delegation_form(conference, seats: dict, rows: int, questions=()):
    member_class = member_form_class(questions)

    class DelegationForm(FlaskForm):
        organization = StringField(
            _l("Organization"),
            render_kw={
                "maxlength": ORGANIZATION_MAX,
                "required": True,
                "autocomplete": "organization",
            },
        )
        contact_name = StringField(
            _l("Contact person"),
            render_kw={"maxlength": NAME_MAX, "required": True, "autocomplete": "name"},
        )
        contact_phone = TelField(
            _l("Contact's phone"),
            render_kw={
                "maxlength": 32,
                "inputmode": "tel",
                "required": True,
                "autocomplete": "tel",
                "placeholder": "13800138000 / 028-87600000",
            },
            description=_l("A mobile number, or a landline with its area code."),
        )
        contact_email = EmailField(
            _l("Contact's e-mail"),
            render_kw={"maxlength": 254, "required": True, "autocomplete": "email"},
        )
        category = SelectField(
            _l("Registration category"),
            choices=[
                SelectChoice(c.code, group_category_label(c, seats.get(c.id)))
                for c in conference.categories
            ],
            validate_choice=False,
        )
        invite_code = StringField(
            _l("Invitation code"),
            render_kw={"maxlength": 64, "autocomplete": "off", "autocapitalize": "characters"},
        )
        members = FieldList(FormField(member_class), min_entries=rows, max_entries=50)
        members_file = FileField(
            _l("Spreadsheet of the people (.xlsx or .csv)"),
            render_kw={"accept": ".xlsx,.csv"},
        )
        consent = BooleanField(
            _l(
                "I have these people's agreement that the organizers use their details to run "
                "this conference."
            )
        )

    for question in questions:
        setattr(DelegationForm, question_field_name(question), question_field(question))
    return DelegationForm()


def group_category_label(category, left: int | None) -> str:
    """A category on the group form: the places left say what a group of more will meet."""
    name = localized(category, "name")
    notes = []
    if category.invite_only:
        notes.append(_("invitation code needed"))
    if category.requires_approval:
        notes.append(_("needs approval"))
    if left is not None:
        notes.append(
            _("full: the group waits together") if left == 0 else _("%(n)s places left", n=left)
        )
    if not notes:
        return name
    if is_english():
        return f"{name} ({', '.join(notes)})"
    return f"{name}（{'，'.join(notes)}）"


class ResendForm(FlaskForm):
    email = EmailField(_l("E-mail"), render_kw={"maxlength": 254, "required": True})


class CancelForm(FlaskForm):
    pass
