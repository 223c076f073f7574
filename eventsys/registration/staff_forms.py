"""Forms of the staff pages for registrations (list filters, desk, approvals, set-up)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.validators import ValidationError as FormValidationError

from eventsys.conferences.services import CODE_RE
from eventsys.i18n import is_english, localized
from eventsys.registration import services
from eventsys.registration.applicants import NAME_MAX, ORGANIZATION_MAX, POSITION_MAX
from eventsys.registration.forms import question_field
from eventsys.registration.models import QUESTION_KINDS, STATUSES, Question
from eventsys.registration.questions import QUESTION_CODE_MAX, QUESTION_LABEL_MAX
from eventsys.registration.seats import places_left

REASON_MAX = 1000


class FilterForm(FlaskForm):
    """The list's search and filters: a GET form, so no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search"),
        validators=[Optional(), Length(max=100)],
        render_kw={"placeholder": _l("Name, phone, e-mail or organization"), "type": "search"},
    )
    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    category = SelectField(_l("Category"), choices=[], validate_choice=False)

    def set_choices(self, conference) -> None:
        self.status.choices = [SelectChoice("", _l("All statuses"))] + [
            SelectChoice(status, services.status_label(status)) for status in STATUSES
        ]
        self.category.choices = [SelectChoice("", _l("All categories"))] + [
            SelectChoice(category.code, localized(category, "name"))
            for category in conference.categories
        ]

    def values(self) -> dict[str, str]:
        """The filters as the services take them; unknown values are dropped."""
        status = self.status.data if self.status.data in STATUSES else ""
        codes = {choice.value for choice in self.category.choices if choice.value}
        category = self.category.data if self.category.data in codes else ""
        return {"q": (self.q.data or "").strip()[:100], "status": status, "category": category}


class ConfirmForm(FlaskForm):
    """A button that only needs its CSRF token (approve)."""


class ReasonForm(FlaskForm):
    """Reject or cancel, with a reason the person is told."""

    reason = TextAreaField(
        _l("Reason"),
        validators=[Optional(), Length(max=REASON_MAX)],
        description=_l("Sent to the person in the e-mail."),
    )


class ChangeCategoryForm(FlaskForm):
    category = SelectField(_l("New category"), choices=[])
    override_capacity = BooleanField(_l("Even if the category is full (organizers only)"))


class BulkForm(FlaskForm):
    """The approval queue: the ticked registrations, approved or rejected together."""

    ids = SelectMultipleField(coerce=int, choices=[], validate_choice=False)
    reason = StringField(
        _l("Reason (for rejections)"),
        validators=[Optional(), Length(max=REASON_MAX)],
        description=_l("Sent to each rejected person in the e-mail."),
    )


class WalkInForm(FlaskForm):
    """A registration taken at the desk, in the public form's order. The services check the
    fields and say what is wrong in the app's own words (no browser or WTForms messages)."""

    category = SelectField(
        _l("Category"), choices=[], validators=[Optional()], validate_choice=False
    )
    name = StringField(
        _l("Full name"),
        validators=[Optional(), Length(max=NAME_MAX)],
        render_kw={"required": True, "autocomplete": "name", "maxlength": NAME_MAX},
    )
    phone = StringField(
        _l("Mobile phone"),
        validators=[Optional(), Length(max=32)],
        render_kw={"type": "tel", "autocomplete": "tel", "required": True, "inputmode": "tel"},
        description=_l("11 digits for a mainland mobile; otherwise + and the country code."),
    )
    email = StringField(
        _l("E-mail (optional)"),
        validators=[Optional(), Length(max=254)],
        render_kw={"type": "email", "autocomplete": "email"},
        description=_l("Without one the person gets no e-mail; show them their QR code here."),
    )
    organization = StringField(
        _l("Organization"),
        validators=[Optional(), Length(max=ORGANIZATION_MAX)],
        render_kw={"autocomplete": "organization"},
    )
    position = StringField(
        _l("Position"),
        validators=[Optional(), Length(max=POSITION_MAX)],
        render_kw={"autocomplete": "organization-title"},
    )
    override_capacity = BooleanField(_l("Confirm even if the category is full"))


def answer_field_name(question: Question) -> str:
    return f"answer_{question.id}"


def desk_category_label(category, left: int | None) -> str:
    """A category at the desk: no code or approval needed there, so only the places left."""
    name = localized(category, "name")
    if left is None:
        return name
    note = _("full: onto the waitlist") if left == 0 else _("%(n)s places left", n=left)
    return f"{name} ({note})" if is_english() else f"{name}（{note}）"


def walk_in_form(conference, questions: list[Question], may_override: bool) -> WalkInForm:
    """The desk form with one field for each of the organizer's questions."""

    class Form(WalkInForm):
        pass

    for question in questions:
        setattr(Form, answer_field_name(question), question_field(question, compact=True))
    form = Form()
    # Places left beside each category, as the public form says them.
    form.category.choices = [
        SelectChoice(
            category.code, desk_category_label(category, places_left(conference, category))
        )
        for category in conference.categories
    ]
    if not may_override:
        del form.override_capacity
    return form


class InvitationForm(FlaskForm):
    category = SelectField(_l("Category"), choices=[])
    count = IntegerField(
        _l("How many codes"),
        default=1,
        validators=[
            Optional(),
            NumberRange(min=1, max=1000, message=_l("From 1 to 1000.")),
        ],
        description=_l("Random codes; leave at 1 when you give a code below."),
    )
    code = StringField(
        _l("Or one code of your choice"),
        validators=[
            Optional(),
            Length(max=64),
            Regexp(CODE_RE, message=_l("Letters, digits, '-', '_' or '.' only.")),
        ],
        description=_l("e.g. CAST-2026 for a code printed on the invitation letters."),
    )
    max_uses = IntegerField(
        _l("Uses per code"),
        default=1,
        validators=[Optional(), NumberRange(min=1, message=_l("At least 1, or empty."))],
        description=_l("Empty: unlimited."),
    )
    expires_at = DateTimeLocalField(
        _l("Valid until"),
        validators=[Optional()],
        format="%Y-%m-%dT%H:%M",
        description=_l("In the conference's time zone; empty: no expiry."),
    )
    note = StringField(
        _l("Note"),
        validators=[Optional(), Length(max=200)],
        description=_l("For yourselves, e.g. who the codes were given to."),
    )

    def validate_code(self, field):
        if field.data and (self.count.data or 1) != 1:
            raise FormValidationError(
                _l("Either several random codes or one code of your choice, not both.")
            )


KIND_LABELS = {
    "text": _l("Text"),
    "choice": _l("One choice"),
    "multi": _l("Several choices"),
    "yesno": _l("Yes / no"),
    "number": _l("Number"),
    "date": _l("Date"),
}


class QuestionForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[InputRequired(), Length(max=QUESTION_CODE_MAX)],
        description=_l("Short and unique, e.g. diet; names the answer's column in the API."),
    )
    label = StringField(
        _l("Question (Chinese)"),
        validators=[InputRequired(), Length(max=QUESTION_LABEL_MAX)],
    )
    label_en = StringField(
        _l("Question (English)"), validators=[Optional(), Length(max=QUESTION_LABEL_MAX)]
    )
    kind = SelectField(
        _l("Kind of answer"), choices=[SelectChoice(k, KIND_LABELS[k]) for k in QUESTION_KINDS]
    )
    required = BooleanField(_l("An answer is required"))
    options = TextAreaField(
        _l("Options (for choices)"),
        validators=[Optional(), Length(max=20000)],
        render_kw={"rows": 5, "placeholder": "veg | 素食 | Vegetarian\nhalal | 清真 | Halal"},
        description=_l(
            "One a line: value | 中文 | English, or just the label (then it is also the value)."
        ),
    )


class InviteByMailForm(FlaskForm):
    """E-mail a new single-use code to each invitee."""

    category = SelectField(_l("Category"), choices=[])
    addresses = TextAreaField(
        _l("Invitees"),
        validators=[InputRequired(), Length(max=100_000)],
        render_kw={"rows": 6, "placeholder": "张三 <zhangsan@example.com>\nlisi@example.com"},
        description=_l("One a line: an e-mail address, or a name and the address in <…>."),
    )
    message = TextAreaField(
        _l("A few words of your own (optional)"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 3},
    )
    expires_at = DateTimeLocalField(
        _l("Valid until"),
        validators=[Optional()],
        format="%Y-%m-%dT%H:%M",
        description=_l("In the conference's time zone; empty: no expiry."),
    )


class SharedPhoneForm(FlaskForm):
    """The conference's registration setting: one phone number for several people."""

    shared_phone_allowed = BooleanField(
        _l("Several people may register with the same phone number"),
        description=_l(
            "For example a secretary registering two leaders with the office number. Off: one "
            "phone number, one registration (the database guarantees it)."
        ),
    )


class ListBulkForm(FlaskForm):
    """The registration list: an action for the ticked registrations."""

    ids = SelectMultipleField(coerce=int, choices=[], validate_choice=False)
    action = SelectField(
        _l("With the ticked registrations"),
        choices=[
            SelectChoice("approve", _l("Approve")),
            SelectChoice("cancel", _l("Cancel")),
            SelectChoice("category", _l("Change category")),
            SelectChoice("resend", _l("Send the confirmation again")),
        ],
    )
    category = SelectField(_l("New category"), choices=[], validate_choice=False)
    reason = StringField(
        _l("Reason (for cancellations)"),
        validators=[Optional(), Length(max=REASON_MAX)],
    )
    override_capacity = BooleanField(_l("Even if the category is full (organizers only)"))


class UploadForm(FlaskForm):
    file = FileField(
        _l("Spreadsheet (.xlsx or .csv)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["xlsx", "csv"], _l("Upload a .xlsx (Excel workbook) or .csv file.")),
        ],
        render_kw={"accept": ".xlsx,.csv"},
    )


class ConfirmImportForm(FlaskForm):
    upload = HiddenField()
    notify = BooleanField(_l("E-mail each imported person their confirmation"))
