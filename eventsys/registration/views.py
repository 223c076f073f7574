"""Public registration pages and the attendee's private page."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from eventsys.conferences import extend
from eventsys.conferences.access import get_conference_or_404
from eventsys.errors import DomainError, ValidationError
from eventsys.extensions import limiter
from eventsys.registration import group_sheet, limits, services
from eventsys.registration.applicants import Applicant
from eventsys.registration.errors import AlreadyRegistered
from eventsys.registration.forms import (
    CancelForm,
    ResendForm,
    answer_field,
    answers_from_form,
    delegation_form,
    form_data_from_answers,
    member_answers,
    registration_form,
)
from eventsys.registration.models import Registration
from eventsys.registration.notifications import SELF_CANCEL_REASON
from eventsys.registration.questions import questions_of
from eventsys.registration.seats import places_left
from eventsys.registration.statuses import ENDED_STATUSES, Status
from eventsys.web import attempt, reads_only

bp = Blueprint("registration", __name__)

MAX_GROUP_ROWS = 50


def _locale() -> str:
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh_CN"


def seats_by_category(conference) -> dict[int, int | None]:
    """Free places per category id (None: no limit), the conference-wide limit included."""
    return {c.id: places_left(conference, c) for c in conference.categories}


def status_message(status: str) -> str:
    if status == Status.CONFIRMED:
        return _("Your registration is confirmed. Show the QR code below at the entrance.")
    if status == Status.PENDING:
        return _(
            "Thank you. Your registration awaits the organizers' approval; we will e-mail you."
        )
    if status == Status.WAITLISTED:
        return _(
            "The category is full, so you are on the waitlist. If a place becomes free it goes "
            "to the first in line, and we will e-mail you."
        )
    return services.status_label(status)


@bp.route("/c/<slug>/register", methods=["GET", "POST"])
@limits.per_address()
@limits.per_conference()
def register(slug: str):
    conference = get_conference_or_404(slug)
    g.conference = conference
    questions = questions_of(conference)
    form = registration_form(conference, questions, seats_by_category(conference))
    if request.method == "GET" and request.args.get("category"):
        form.category.data = request.args["category"]
    if request.method == "GET" and request.args.get("code"):
        form.invite_code.data = request.args["code"][:64]
    is_open = services.registration_open(conference)
    duplicate = False
    status = 200
    if form.validate_on_submit():
        applicant = Applicant(
            category=form.category.data or "",
            name=form.name.data or "",
            email=form.email.data or "",
            phone=form.phone.data or "",
            organization=form.organization.data or "",
            position=form.position.data or "",
            answers=answers_from_form(form, questions),
            invite_code=form.invite_code.data or "",
            locale=_locale(),
            consent=bool(form.consent.data),
        )

        def register_():
            registration = services.register(conference, applicant, source="web")
            # The other domains' questions on the form (forums …), in the same transaction.
            extend.accept_registration_sections(registration, request.form.getlist)
            # Read before attempt() commits: afterwards the row is expired (a query).
            return registration.status, registration.manage_token

        done = attempt(register_, form, rename=answer_field)
        if done:
            status_now, token = done.value
            flash(status_message(status_now), "success")
            return redirect(url_for("registration.manage", token=token))
        status = done.status
        duplicate = isinstance(done.error, AlreadyRegistered)
    elif request.method == "POST":
        status = 422
    return render_template(
        "registration/register.html",
        conference=conference,
        form=form,
        questions=questions,
        is_open=is_open,
        duplicate=duplicate,
        extra_sections=extend.registration_sections_html(
            conference, request.form if request.method == "POST" else None
        ),
    ), status


GROUP_ROWS_STEP = 5


def _filled(entry) -> bool:
    return any((entry.form.name.data, entry.form.email.data, entry.form.phone.data))


@bp.route("/c/<slug>/register/group", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"], exempt_when=lambda: "add_rows" in request.form)
def register_group(slug: str):
    conference = get_conference_or_404(slug)
    g.conference = conference
    try:
        rows = min(max(int(request.args.get("rows", 5)), 1), MAX_GROUP_ROWS)
    except ValueError:
        rows = 5
    questions = questions_of(conference)
    form = delegation_form(conference, seats_by_category(conference), rows, questions)
    status = 200
    if request.method == "POST" and "add_rows" in request.form:
        # Without JavaScript: more rows, keeping everything typed so far.
        form.validate_on_submit()
        for field_ in form:
            field_.errors = []
        for _i in range(min(GROUP_ROWS_STEP, MAX_GROUP_ROWS - len(form.members))):
            form.members.append_entry()
    elif request.method == "POST" and "read_file" in request.form:
        # The people of a large delegation from a spreadsheet, into the rows: the form is the
        # preview; nothing is registered until the group is sent.
        form.validate_on_submit()
        for field_ in form:
            field_.errors = []
        status = _fill_rows_from_file(conference, form, questions)
    elif form.validate_on_submit():
        members = [
            Applicant(
                category=form.category.data,
                name=entry.form.name.data or "",
                email=entry.form.email.data or "",
                phone=entry.form.phone.data or "",
                position=entry.form.position.data or "",
                answers=member_answers(entry.form, questions),
                locale=_locale(),
                consent=bool(form.consent.data),
            )
            for entry in form.members
            if _filled(entry)
        ]
        request_ = services.DelegationRequest(
            organization=form.organization.data or "",
            contact_name=form.contact_name.data or "",
            contact_email=form.contact_email.data or "",
            contact_phone=form.contact_phone.data or "",
            category=form.category.data or "",
            members=members,
            invite_code=form.invite_code.data or "",
            locale=_locale(),
            answers=answers_from_form(form, questions),
        )

        def register_group_():
            if form.consent.data:
                return services.register_delegation(conference, request_)
            # Without the agreement nothing is registered (``attempt`` rolls back), but every
            # other mistake is shown at once too, not one at a time.
            errors = {"consent": _("required")}
            try:
                services.register_delegation(conference, request_)
            except ValidationError as error:
                errors = {**error.errors, **errors}
            raise ValidationError(_("Please correct the marked fields."), errors)

        done = attempt(register_group_, show=lambda error: _place_group_errors(form, error))
        if done:
            members = done.value.members
            return render_template(
                "registration/group_done.html",
                conference=conference,
                delegation=done.value,
                members=members,
                waitlisted=bool(members) and members[0].status == Status.WAITLISTED,
            )
        status = done.status
    elif request.method == "POST":
        status = 422
    return render_template(
        "registration/group.html",
        conference=conference,
        form=form,
        questions=questions,
        max_rows=MAX_GROUP_ROWS,
        template_row=_template_row(conference, questions),
        is_open=services.registration_open(conference),
    ), status


def _fill_rows_from_file(conference, form, questions) -> int:
    storage = form.members_file.data
    if not storage or not getattr(storage, "filename", ""):
        form.members_file.errors = [_("Choose a file.")]
        return 422
    kept = [entry.data for entry in form.members if _filled(entry)]
    try:
        people = group_sheet.read_members(
            conference, storage, questions, MAX_GROUP_ROWS - len(kept)
        )
    except DomainError as error:
        lines = error.message.split("\n")
        flash(lines[0], "error")
        form.members_file.errors = lines[1:] or [next(iter(error.errors.values()), "")]
        return error.status
    form.members.entries = []
    form.members.last_index = -1
    for data in [*kept, *people]:
        form.members.append_entry(data)
    flash(
        _(
            "%(count)s people read from %(file)s into the rows below. Check them, then "
            "register the group.",
            count=len(people),
            file=storage.filename,
        ),
        "info",
    )
    return 200


@bp.route("/c/<slug>/register/group/template.xlsx")
def group_template(slug: str):
    """An empty workbook with the group form's columns for the people (and the questions)."""
    from eventsys.registration import exports

    conference = get_conference_or_404(slug)
    headers = group_sheet.template_headers(questions_of(conference))
    example = ["张三", "13800138000", "zhangsan@example.com", "教授"]
    return exports.spreadsheet_response(
        headers, [example], "xlsx", f"{conference.slug}-group-template.xlsx"
    )


def _template_row(conference, questions):
    """An empty member row for the page's script to copy (index ``__i__``)."""
    blank = delegation_form(conference, {}, 1, questions)
    return blank.members[0]


def _place_group_errors(form, error: DomainError) -> None:
    """``members[i]`` in the service counts only filled rows; map back to the form's rows.
    ``answers.x`` is the group's field ``q_x``; ``members[i].answers.x`` the member's own."""
    filled = [index for index, entry in enumerate(form.members) if _filled(entry)]
    unplaced: list[str] = []
    for key, reason in error.errors.items():
        if key.startswith("members[") and "]." in key:
            index = int(key[len("members[") : key.index("]")])
            name = answer_field(key.split("].", 1)[1])
            if index < len(filled):
                member = form.members[filled[index]].form
                if name in member:
                    member[name].errors = [*list(member[name].errors), reason]
                    continue
        name = answer_field(key)
        if name in form and name != "members":
            form[name].errors = [*list(form[name].errors), reason]
        else:
            unplaced.append(reason)
    if not error.errors or error.status != 422:
        flash(error.message, "error")
    elif unplaced:
        # The page's summary lists the fields' errors; what belongs to none is said here.
        flash(_("People: %(reasons)s", reasons="; ".join(unplaced)), "error")


@bp.route("/c/<slug>/resend", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def resend(slug: str):
    conference = get_conference_or_404(slug)
    g.conference = conference
    form = ResendForm()
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"][:254]
    if form.validate_on_submit():
        attempt(lambda: services.resend_link(conference, form.email.data or ""))
        # The same answer either way: the page must not reveal who has registered.
        flash(
            _(
                "If this e-mail address is registered, the link to the registration is on its "
                "way. Check the inbox (and the spam folder)."
            ),
            "info",
        )
        return redirect(url_for("public.conference_home", slug=conference.slug))
    return render_template("registration/resend.html", conference=conference, form=form)


def _registration_or_404(token: str) -> Registration:
    registration = services.by_manage_token(token)
    if registration is None:
        abort(404)
    g.conference = registration.conference
    return registration


@bp.route("/r/<token>")
@reads_only
def manage(token: str):
    registration = _registration_or_404(token)
    conference = registration.conference
    questions = questions_of(conference)
    return render_template(
        "registration/manage.html",
        registration=registration,
        conference=conference,
        questions=questions,
        status_message=status_message(registration.status),
        extra_sections=extend.attendee_sections(registration),
    )


@bp.route("/r/<token>/edit", methods=["GET", "POST"])
def edit(token: str):
    registration = _registration_or_404(token)
    conference = registration.conference
    if registration.status in ENDED_STATUSES:
        flash(_("A cancelled or rejected registration cannot be changed."), "error")
        return redirect(url_for("registration.manage", token=token))
    questions = questions_of(conference)
    data = None
    if request.method == "GET":
        data = {
            "name": registration.name,
            "email": registration.email,
            "phone": registration.phone,
            "organization": registration.organization,
            "position": registration.position,
            **form_data_from_answers(registration.answers or {}, questions),
        }
    form = registration_form(conference, questions, {}, data=data, for_edit=True)
    status = 200
    if form.validate_on_submit():
        applicant = Applicant(
            category=registration.category.code,
            name=form.name.data or "",
            email=form.email.data or "",
            phone=form.phone.data or "",
            organization=form.organization.data or "",
            position=form.position.data or "",
            answers=answers_from_form(form, questions),
        )
        done = attempt(
            lambda: services.update_details(registration, applicant), form, rename=answer_field
        )
        if done:
            if done.value.status == Status.PENDING:
                flash(_("Saved. Your changed registration awaits approval again."), "info")
            else:
                flash(_("Saved."), "success")
            return redirect(url_for("registration.manage", token=token))
        status = done.status
    elif request.method == "POST":
        status = 422
    return render_template(
        "registration/edit.html",
        registration=registration,
        conference=conference,
        form=form,
        questions=questions,
    ), status


@bp.route("/r/<token>/cancel", methods=["GET", "POST"])
def cancel(token: str):
    """Cancelling one's own registration: a page that asks first (the attendee's page links
    here and carries no form of its own), then the cancellation."""
    registration = _registration_or_404(token)
    if registration.status in ENDED_STATUSES:
        flash(_("A cancelled or rejected registration cannot be changed."), "error")
        return redirect(url_for("registration.manage", token=token))
    form = CancelForm()
    if request.method == "GET":
        return render_template(
            "registration/cancel.html",
            registration=registration,
            conference=registration.conference,
            form=form,
        )
    if not form.validate_on_submit():
        abort(400)
    if attempt(lambda: services.cancel(registration, reason=SELF_CANCEL_REASON)):
        flash(_("Your registration has been cancelled."), "info")
    return redirect(url_for("registration.manage", token=token))


def dashboard_section(conference) -> str:
    """The overview's cards: registrations by status."""
    by_status: dict[str, int] = {}
    for (_category, status), number in services.counts(conference).items():
        by_status[status] = by_status.get(status, 0) + number
    return render_template(
        "registration/_dashboard.html", conference=conference, by_status=by_status
    )


def public_section(conference) -> str:
    """The public page's buttons to register, alone or as a group."""
    return render_template("registration/_public.html", conference=conference)
