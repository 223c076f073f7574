"""Staff pages for registrations: list, export, desk, approvals, invitations, questions."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from eventsys import jobs
from eventsys.conferences.access import conference_view
from eventsys.conferences.models import Conference
from eventsys.errors import DomainError
from eventsys.extensions import db
from eventsys.i18n import is_english, localized
from eventsys.registration import exports, history, import_views, services
from eventsys.registration.applicants import Applicant, find_category
from eventsys.registration.forms import (
    answer_field,
    answers_from_form,
    form_data_from_answers,
    registration_form,
)
from eventsys.registration.invitations import (
    create_invitations,
    email_invitations,
    invitation_state,
    invitation_table,
    list_invitations,
    register_link,
)
from eventsys.registration.invitations import state_labels as invitation_state_labels
from eventsys.registration.invitations import withdraw_invitation as withdraw_code
from eventsys.registration.models import Registration
from eventsys.registration.notifications import manage_url
from eventsys.registration.questions import (
    delete_question as remove_question,
)
from eventsys.registration.questions import (
    get_question,
    options_text,
    questions_of,
    save_question,
)
from eventsys.registration.settings import set_shared_phone_allowed, shared_phone_allowed
from eventsys.registration.staff_forms import (
    KIND_LABELS,
    BulkForm,
    ChangeCategoryForm,
    ConfirmForm,
    FilterForm,
    InvitationForm,
    InviteByMailForm,
    ListBulkForm,
    QuestionForm,
    ReasonForm,
    SharedPhoneForm,
    answer_field_name,
    walk_in_form,
)
from eventsys.registration.statuses import STATUSES, Status
from eventsys.urls import base_url, mail_base_url
from eventsys.web import attempt, show_errors

bp = Blueprint("registration_staff", __name__, url_prefix="/manage")

PER_PAGE = 50
QUEUE_LIMIT = 200


@bp.context_processor
def staff_page_helpers():
    return {
        "status_label": services.status_label,
        "mask_phone": services.mask_phone,
        "is_organizer": g.get("conference_role") == "organizer",
    }


def _is_organizer() -> bool:
    return g.get("conference_role") == "organizer"


def _names(registrations: list[Registration]) -> str:
    return "、".join(r.name for r in registrations)


def _moved_up(promoted: list[Registration]) -> str:
    """The part of a flash naming those the waitlist moved up, if any."""
    if not promoted:
        return ""
    return _gap() + _("%(names)s moved up from the waitlist.", names=_names(promoted))


def _gap() -> str:
    """Between two sentences: a space in English, none after a Chinese full stop."""
    return " " if is_english() else ""


# --- the list and its exports ----------------------------------------------------------------


def _filters(conference: Conference) -> tuple[FilterForm, dict[str, str]]:
    form = FilterForm(request.args)
    form.set_choices(conference)
    return form, form.values()


def _summary(conference: Conference) -> dict:
    """Counts per category and status (one query) with the categories' seats."""
    by_key = services.counts(conference)
    rows = []
    for category in conference.categories:
        cells = {status: by_key.get((category.id, status), 0) for status in STATUSES}
        rows.append({"category": category, "cells": cells, "total": sum(cells.values())})
    totals = {status: sum(row["cells"][status] for row in rows) for status in STATUSES}
    return {"rows": rows, "totals": totals, "total": sum(totals.values())}


@bp.route("/<slug>/registrations")
@conference_view("staff")
def registrations(conference: Conference):
    form, filters = _filters(conference)
    # Not a number ("abc") is the first page; any number is clamped to the pages there are.
    page = request.args.get("page", 1, type=int)
    sort = request.args.get("sort", "")
    if sort.removeprefix("-") not in services.SORT_COLUMNS:
        sort = ""
    found = services.registration_page(conference, page, PER_PAGE, sort=sort, **filters)
    args = {key: value for key, value in filters.items() if value}
    bulk_form = ListBulkForm()
    bulk_form.category.choices = [SelectChoice("", "—")] + [
        SelectChoice(c.code, localized(c, "name")) for c in conference.categories
    ]
    return render_template(
        "registration/staff/list.html",
        sort=sort,
        sort_args={**args, **({"sort": sort} if sort else {})},
        bulk_form=bulk_form,
        conference=conference,
        form=form,
        items=found.items,
        total=found.total,
        page=found.page,
        pages=max(found.pages, 1),
        # 1 … 4 5 [6] 7 8 … 20: the first, the last and two either side (None: a gap).
        page_numbers=list(
            found.iter_pages(left_edge=1, left_current=2, right_current=2, right_edge=1)
        ),
        args=args,
        filtered=bool(args),
        summary=_summary(conference),
    )


def _bulk_summary(action: str, result: services.BulkResult, category_name: str = "") -> str:
    done = len(result.changed)
    if action == "approve":
        message = _("Approved: %(num)s.", num=done)
    elif action == "cancel":
        message = _("Cancelled: %(num)s.", num=done)
    elif action == "category":
        message = _("Moved to %(category)s: %(num)s.", category=category_name, num=done)
    else:
        message = _("Confirmation sent again: %(num)s.", num=done)
    if result.unchanged:
        message += _gap() + _(
            "Already so, left as they were: %(names)s.", names=_names(result.unchanged)
        )
    return message + _moved_up(result.promoted)


@bp.route("/<slug>/registrations/bulk", methods=["POST"])
@conference_view("staff")
def bulk_registrations(conference: Conference):
    """The ticked registrations of the list, in one transaction: all of them, or none."""
    form = ListBulkForm()
    form.category.choices = [SelectChoice("", "—")] + [
        SelectChoice(c.code, c.code) for c in conference.categories
    ]
    back = url_for(
        "registration_staff.registrations",
        slug=conference.slug,
        **{
            k: v
            for k, v in request.args.items()
            if k in ("q", "status", "category", "sort", "page")
        },
    )
    if _form_refused(form):
        return redirect(back)
    action = form.action.data
    category = find_category(conference, form.category.data) if form.category.data else None
    done = attempt(
        lambda: services.bulk_action(
            conference,
            action,
            form.ids.data or [],
            category=category,
            reason=(form.reason.data or "").strip(),
            override_capacity=bool(form.override_capacity.data) and _is_organizer(),
        )
    )
    if done:
        name = localized(category, "name") if category is not None else ""
        flash(_bulk_summary(action, done.value, name), "success")
    return redirect(back)


def _export_xlsx_inline(conference: Conference) -> Response:
    _form, filters = _filters(conference)
    questions = questions_of(conference)
    headers = exports.registration_headers(questions)
    rows = exports.registration_row_batches(conference, questions, filters)
    filename = exports.export_filename(conference, "xlsx")
    return exports.spreadsheet_response(headers, rows, "xlsx", filename)


@bp.route("/<slug>/registrations/export.csv")
@conference_view("staff")
def export_csv(conference: Conference):
    """Streamed as it is read, a thousand rows at a time: the download starts at once, the
    server's memory stays flat for any size of conference, and between two batches no
    transaction is open (on SQLite every transaction holds the write lock)."""
    _form, filters = _filters(conference)
    filename = exports.export_filename(conference, "csv")
    header = exports.csv_header(exports.registration_headers(questions_of(conference)))
    conference_id = conference.id
    db.session.rollback()  # the page's own reads are done: no transaction while streaming

    def pieces():
        yield header
        # The body is sent after the view's session was closed: read in a session of its own.
        conference = db.session.get(Conference, conference_id)
        questions = questions_of(conference)
        conference.categories  # noqa: B018 (loaded now, read by every batch)
        # Kept as loaded: the rollback after each batch must not expire them (a query each).
        db.session.expunge_all()
        for batch in services.matching_registration_batches(conference, **filters):
            rows = exports.iter_registration_rows(conference, batch, questions)
            piece = exports.csv_rows(rows)
            db.session.rollback()  # nothing written; ends the read before the client waits
            yield piece

    return Response(
        stream_with_context(pieces()),
        content_type="text/csv; charset=utf-8",  # (mimetype= would add a second charset)
        headers={
            "Content-Disposition": f"attachment; filename={filename}",
            "Cache-Control": "no-store",
        },
    )


@bp.route("/<slug>/registrations/export.xlsx")
@conference_view("staff")
def export_xlsx(conference: Conference):
    _form, filters = _filters(conference)
    _items, total = services.search_registrations(conference, page=1, per_page=1, **filters)
    if total <= current_app.config["EXPORT_INLINE_MAX"]:
        return _export_xlsx_inline(conference)
    # Too large to build within a request: the worker builds it, a page follows the job.
    params = {"filters": filters}
    running = jobs.unfinished_job(exports.XLSX_JOB, conference.id, current_user.id, params)
    if running is None:
        running = jobs.start_job(
            exports.XLSX_JOB,
            conference_id=conference.id,
            requested_by_id=current_user.id,
            params=params,
        )
        db.session.commit()
        jobs.submit(running)
    return redirect(url_for("conference_jobs.job", slug=conference.slug, job_id=running.id))


# --- one registration ------------------------------------------------------------------------


def _answers_shown(registration: Registration, questions) -> list[tuple[str, str]]:
    answers = registration.answers or {}
    return [
        (localized(q, "label"), services.answer_text(q, answers.get(q.code))) for q in questions
    ]


@bp.route("/<slug>/registrations/<int:registration_id>")
@conference_view("staff")
def registration(conference: Conference, registration_id: int):
    registration = services.get_registration(conference, registration_id)
    category_form = ChangeCategoryForm(category=registration.category.code)
    category_form.category.choices = [
        SelectChoice(c.code, localized(c, "name")) for c in conference.categories
    ]
    questions = questions_of(conference)
    return render_template(
        "registration/staff/detail.html",
        conference=conference,
        registration=registration,
        answers=_answers_shown(registration, questions),
        manage_link=manage_url(registration),
        category_form=category_form,
        reason_form=ReasonForm(),
        events=_history_shown(history.events_of(registration), questions),
    )


def _history_shown(events, questions) -> list[dict]:
    """The history as read: each change with the field's label and values as shown."""
    labels = _field_labels(questions)
    by_code = {q.code: q for q in questions}

    def shown(key: str, value) -> str:
        question = by_code.get(key.removeprefix("answers.")) if key.startswith("answers.") else None
        if question is not None:
            return services.answer_text(question, value)
        return "—" if value in (None, "") else str(value)

    return [
        {
            "event": event,
            "changes": [
                (labels.get(key, key), shown(key, old), shown(key, new))
                for key, (old, new) in (event.changes or {}).items()
            ],
        }
        for event in events
    ]


def _field_labels(questions) -> dict[str, str]:
    """The history's field names as the page's own labels."""
    return {
        "name": _("Full name"),
        "email": _("E-mail"),
        "phone": _("Mobile phone"),
        "organization": _("Organization"),
        "position": _("Position"),
        "category": _("Category"),
        **{f"answers.{q.code}": localized(q, "label") for q in questions},
    }


@bp.route("/<slug>/registrations/<int:registration_id>/edit", methods=["GET", "POST"])
@conference_view("staff")
def edit_registration(conference: Conference, registration_id: int):
    """Staff correct what a person gave: name, contact, organization, position, answers.
    The duplicate rules apply; the change goes into the history, old → new."""
    registration = services.get_registration(conference, registration_id)
    if registration.status in ("cancelled", "rejected"):
        flash(_("A cancelled or rejected registration cannot be changed."), "error")
        return _back(conference, registration_id)
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
    if not registration.email:
        form.email.render_kw = {**(form.email.render_kw or {}), "required": False}
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
            # A walk-in registered without an e-mail may stay without one.
            email_optional=not registration.email,
        )
        done = attempt(
            lambda: services.update_details(registration, applicant, by_staff=True),
            form,
            rename=answer_field,
        )
        if done:
            flash(_("Saved."), "success")
            return _back(conference, registration_id)
        status = done.status
    elif request.method == "POST":
        status = 422
    return render_template(
        "registration/staff/edit.html",
        conference=conference,
        registration=registration,
        form=form,
        questions=questions,
    ), status


@bp.route("/<slug>/registrations/<int:registration_id>/resend", methods=["POST"])
@conference_view("staff")
def resend_confirmation(conference: Conference, registration_id: int):
    registration = services.get_registration(conference, registration_id)
    if not _form_refused(ConfirmForm()) and attempt(
        lambda: services.resend_confirmation(registration)
    ):
        flash(
            _("The confirmation is on its way to %(email)s.", email=registration.email),
            "success",
        )
    return _back(conference, registration_id)


def _back(conference: Conference, registration_id: int):
    return redirect(
        url_for(
            "registration_staff.registration",
            slug=conference.slug,
            registration_id=registration_id,
        )
    )


def _form_refused(form) -> bool:
    """A posted action form that does not validate: say why, change nothing."""
    if form.validate_on_submit():
        return False
    for errors in form.errors.values():
        for message in errors:
            flash(message, "error")
    return True


@bp.route("/<slug>/registrations/<int:registration_id>/approve", methods=["POST"])
@conference_view("staff")
def approve(conference: Conference, registration_id: int):
    registration = services.get_registration(conference, registration_id)
    if _form_refused(ConfirmForm()):
        return _back(conference, registration_id)
    if attempt(lambda: services.approve(registration)):
        flash(_("Approved: %(name)s is confirmed.", name=registration.name), "success")
    return _back(conference, registration_id)


def _free_a_seat(conference: Conference, registration_id: int, action, done: str, moved_up):
    """Reject or cancel from the detail page, telling who moved up from the waitlist."""
    registration = services.get_registration(conference, registration_id)
    form = ReasonForm()
    if _form_refused(form):
        return _back(conference, registration_id)
    freed = attempt(lambda: action(registration, (form.reason.data or "").strip()))
    if freed:
        flash(moved_up(_names(freed.value)) if freed.value else done, "success")
    return _back(conference, registration_id)


@bp.route("/<slug>/registrations/<int:registration_id>/reject", methods=["POST"])
@conference_view("staff")
def reject(conference: Conference, registration_id: int):
    return _free_a_seat(
        conference,
        registration_id,
        services.reject,
        _("Rejected."),
        lambda names: _("Rejected; %(names)s moved up from the waitlist.", names=names),
    )


@bp.route("/<slug>/registrations/<int:registration_id>/cancel", methods=["POST"])
@conference_view("staff")
def cancel(conference: Conference, registration_id: int):
    return _free_a_seat(
        conference,
        registration_id,
        services.cancel,
        _("Cancelled."),
        lambda names: _("Cancelled; %(names)s moved up from the waitlist.", names=names),
    )


@bp.route("/<slug>/registrations/<int:registration_id>/category", methods=["POST"])
@conference_view("staff")
def change_category(conference: Conference, registration_id: int):
    registration = services.get_registration(conference, registration_id)
    form = ChangeCategoryForm()
    form.category.choices = [SelectChoice(c.code, c.name) for c in conference.categories]
    if _form_refused(form):
        return _back(conference, registration_id)
    category = find_category(conference, form.category.data)
    moved = attempt(
        lambda: services.change_category(
            registration,
            category,
            override_capacity=bool(form.override_capacity.data) and _is_organizer(),
        )
    )
    if moved:
        message = _("Moved to %(category)s.", category=localized(category, "name"))
        flash(message + _moved_up(moved.value), "success")
    return _back(conference, registration_id)


# --- the desk: walk-ins ----------------------------------------------------------------------


@bp.route("/<slug>/registrations/new", methods=["GET", "POST"])
@conference_view("staff")
def walk_in(conference: Conference):
    questions = questions_of(conference)
    form = walk_in_form(conference, questions, may_override=_is_organizer())
    if form.validate_on_submit():
        applicant = Applicant(
            category=form.category.data or "",
            name=form.name.data or "",
            email=form.email.data or "",
            phone=form.phone.data or "",
            organization=form.organization.data or "",
            position=form.position.data or "",
            answers=answers_from_form(form, questions, answer_field_name),
            email_optional=True,  # many walk-ins give none
        )
        override = _is_organizer() and bool(form.override_capacity.data)
        names = {f"answers.{q.code}": answer_field_name(q) for q in questions}
        done = attempt(
            lambda: services.register(
                conference, applicant, source="desk", by_staff=True, override_capacity=override
            ),
            show=lambda error: _show_on_form(form, error, lambda key: names.get(key, key)),
        )
        if done:
            registration = done.value
            _flash_registered(registration)
            # Their QR code and manual code on screen at once, to scan or photograph.
            return redirect(
                url_for(
                    "registration_staff.registration",
                    slug=conference.slug,
                    registration_id=registration.id,
                    _anchor="ticket",
                )
            )
        summary = done.error.message
    else:
        summary = None
    return render_template(
        "registration/staff/new.html",
        conference=conference,
        form=form,
        questions=questions,
        summary=summary,
    ), (422 if form.errors else 200)


def _show_on_form(form, error: DomainError, rename) -> None:
    """Each reason beside its field; the message heads the page's error summary (no flash
    besides). A refusal that names no field is flashed."""
    placed = False
    for key, reason in error.errors.items():
        name = rename(key)
        if name in form:
            form[name].errors = [*form[name].errors, reason]
            placed = True
    if not placed:
        flash(error.message, "error")


def _flash_registered(registration: Registration) -> None:
    category = localized(registration.category, "name")
    if registration.status == Status.WAITLISTED:
        flash(
            _(
                "%(category)s is full: %(name)s is on the WAITLIST, not confirmed. They move up "
                "automatically when a seat becomes free.",
                category=category,
                name=registration.name,
            ),
            "warning",
        )
    elif registration.status == Status.PENDING:
        flash(_("%(name)s is registered and awaits approval.", name=registration.name), "info")
    else:
        flash(
            _(
                "%(name)s is registered as %(category)s: confirmed.",
                name=registration.name,
                category=category,
            ),
            "success",
        )


# --- the approval queue ----------------------------------------------------------------------


@bp.route("/<slug>/approvals", methods=["GET", "POST"])
@conference_view("staff")
def approvals(conference: Conference):
    form = BulkForm()
    if request.method == "POST":
        if _form_refused(form):
            return redirect(url_for("registration_staff.approvals", slug=conference.slug))
        action = request.form.get("action")
        ids = list(dict.fromkeys(form.ids.data or []))
        if action not in ("approve", "reject"):
            flash(_("Choose approve or reject."), "error")
        elif not ids:
            flash(_("Tick at least one registration first."), "warning")
        else:
            _bulk(conference, action, ids, form.reason.data or "")
        return redirect(url_for("registration_staff.approvals", slug=conference.slug))
    items, total = services.pending_registrations(conference, limit=QUEUE_LIMIT)
    return render_template(
        "registration/staff/approvals.html",
        conference=conference,
        form=form,
        items=items,
        total=total,
    )


def _bulk(conference: Conference, action: str, ids: list[int], reason: str) -> None:
    """All the ticked registrations in one transaction: all of them, or none."""
    promoted: list[Registration] = []
    done = 0

    def all_or_none() -> None:
        nonlocal done
        try:
            for registration_id in ids:
                registration = services.get_registration(conference, registration_id)
                was_pending = registration.status == Status.PENDING
                try:
                    if action == "approve":
                        services.approve(registration)
                    else:
                        promoted.extend(services.reject(registration, reason))
                except DomainError as error:
                    raise DomainError(
                        _("%(name)s: %(message)s", name=registration.name, message=error.message)
                    ) from error
                done += was_pending
        except DomainError as error:
            raise DomainError(
                _("Nothing was changed. %(message)s", message=error.message)
            ) from error

    if not attempt(all_or_none):
        return
    if action == "approve":
        message = _("Approved: %(num)s.", num=done)
    else:
        message = _("Rejected: %(num)s.", num=done)
    flash(message + _moved_up(promoted), "success")


# --- invitation codes (organizers) -----------------------------------------------------------


@bp.route("/<slug>/invitations", methods=["GET", "POST"])
@conference_view("organizer")
def invitations(conference: Conference):
    form = InvitationForm()
    form.category.choices = [
        SelectChoice(c.code, localized(c, "name")) for c in conference.categories
    ]
    if form.validate_on_submit():
        expires_at = form.expires_at.data
        if expires_at is not None:
            expires_at = expires_at.replace(tzinfo=conference.tz).astimezone(UTC)
        category = find_category(conference, form.category.data)

        def show(error: DomainError) -> None:
            if error.errors:
                show_errors(form, error)
            else:
                form.code.errors = [*form.code.errors, error.message]

        done = attempt(
            lambda: create_invitations(
                conference,
                category,
                count=form.count.data or 1,
                max_uses=form.max_uses.data,
                expires_at=expires_at,
                code=(form.code.data or "").strip() or None,
                note=(form.note.data or "").strip(),
            ),
            show=show,
        )
        if done:
            made = done.value
            flash(
                _(
                    "Invitation codes created (%(num)s): %(codes)s",
                    num=len(made),
                    codes=", ".join(i.code for i in made[:20]) + ("…" if len(made) > 20 else ""),
                ),
                "success",
            )
            return redirect(url_for("registration_staff.invitations", slug=conference.slug))
    return render_template(
        "registration/staff/invitations.html",
        conference=conference,
        form=form,
        codes=list_invitations(conference),
        categories={c.id: c for c in conference.categories},
        now=datetime.now(UTC),
        state_of=invitation_state,
        state_labels=invitation_state_labels(),
    ), (422 if form.errors else 200)


@bp.route("/<slug>/invitations/<int:invitation_id>/withdraw", methods=["POST"])
@conference_view("organizer")
def withdraw_invitation(conference: Conference, invitation_id: int):
    if not _form_refused(ConfirmForm()):
        done = attempt(lambda: withdraw_code(conference, invitation_id))
        if done:
            flash(
                _("The code %(code)s is withdrawn: it no longer works.", code=done.value.code),
                "success",
            )
    return redirect(url_for("registration_staff.invitations", slug=conference.slug))


def _invitation_codes(conference: Conference):
    """The list, or only the codes of one category or state (``?category=&state=``)."""
    codes = list_invitations(conference)
    category = request.args.get("category", "")
    state = request.args.get("state", "")
    if category:
        codes = [c for c in codes if c.category.code == category]
    if state in invitation_state_labels():
        codes = [c for c in codes if invitation_state(c) == state]
    return codes


@bp.route("/<slug>/invitations/export.<any(csv, xlsx):extension>")
@conference_view("organizer")
def export_invitations(conference: Conference, extension: str):
    headers, rows = invitation_table(conference, base_url(), _invitation_codes(conference))
    filename = exports.export_filename(conference, extension, "invitation-codes")
    return exports.spreadsheet_response(headers, rows, extension, filename)


@bp.route("/<slug>/invitations/print")
@conference_view("organizer")
def print_invitations(conference: Conference):
    """The codes as cards to print and cut (by default only those that still work)."""
    codes = _invitation_codes(conference)
    if not request.args.get("state"):
        codes = [c for c in codes if invitation_state(c) == "active"]
    base = base_url()
    return render_template(
        "registration/staff/invitations_print.html",
        conference=conference,
        cards=[(c, register_link(conference, c, base)) for c in codes],
    )


@bp.route("/<slug>/invitations/mail", methods=["GET", "POST"])
@conference_view("organizer")
def mail_invitations(conference: Conference):
    form = InviteByMailForm()
    form.category.choices = [
        SelectChoice(c.code, localized(c, "name")) for c in conference.categories
    ]
    if form.validate_on_submit():
        base = mail_base_url()
        if base is None:
            flash(
                _(
                    "No e-mail can carry a link until the site's public address is set "
                    "(EVENTSYS_BASE_URL)."
                ),
                "error",
            )
        else:
            expires_at = form.expires_at.data
            if expires_at is not None:
                expires_at = expires_at.replace(tzinfo=conference.tz).astimezone(UTC)
            category = find_category(conference, form.category.data)
            done = attempt(
                lambda: email_invitations(
                    conference,
                    category,
                    form.addresses.data or "",
                    form.message.data or "",
                    base,
                    expires_at=expires_at,
                ),
                form,
            )
            if done:
                flash(
                    _(
                        "%(num)s invitations are on their way, each with its own code.",
                        num=len(done.value),
                    ),
                    "success",
                )
                return redirect(url_for("registration_staff.invitations", slug=conference.slug))
    return render_template(
        "registration/staff/invitations_mail.html", conference=conference, form=form
    ), (422 if form.errors else 200)


# --- the organizers' own questions -----------------------------------------------------------


def _question_values(form: QuestionForm) -> dict:
    return {
        "code": form.code.data,
        "label": form.label.data,
        "label_en": form.label_en.data,
        "kind": form.kind.data,
        "required": form.required.data,
        "options": form.options.data or "",
    }


@bp.route("/<slug>/questions", methods=["GET", "POST"])
@conference_view("organizer")
def questions(conference: Conference):
    form = QuestionForm()
    if form.validate_on_submit():
        done = attempt(lambda: save_question(conference, _question_values(form)), form)
        if done:
            flash(_("Question %(code)s added.", code=done.value.code), "success")
            return redirect(url_for("registration_staff.questions", slug=conference.slug))
    return render_template(
        "registration/staff/questions.html",
        conference=conference,
        form=form,
        questions=questions_of(conference),
        kinds=KIND_LABELS,
    ), (422 if form.errors else 200)


@bp.route("/<slug>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@conference_view("organizer")
def edit_question(conference: Conference, question_id: int):
    question = get_question(conference, question_id)
    form = QuestionForm(obj=question)
    if request.method == "GET":
        form.options.data = options_text(question.options)
    if form.validate_on_submit():
        if attempt(lambda: save_question(conference, _question_values(form), question), form):
            flash(_("Saved."), "success")
            return redirect(url_for("registration_staff.questions", slug=conference.slug))
    return render_template(
        "registration/staff/question_edit.html",
        conference=conference,
        form=form,
        question=question,
    ), (422 if form.errors else 200)


@bp.route("/<slug>/questions/<int:question_id>/delete", methods=["POST"])
@conference_view("organizer")
def delete_question(conference: Conference, question_id: int):
    if not _form_refused(ConfirmForm()):
        removed = attempt(lambda: remove_question(conference, question_id))
        if removed:
            flash(_("Question %(code)s deleted.", code=removed.value.code), "success")
    return redirect(url_for("registration_staff.questions", slug=conference.slug))


# --- importing a spreadsheet through the web -------------------------------------------------


@bp.route("/<slug>/registrations/import", methods=["GET", "POST"])
@conference_view("staff")
def import_registrations(conference: Conference):
    return import_views.upload_page(conference)


@bp.route("/<slug>/registrations/import/confirm", methods=["POST"])
@conference_view("staff")
def confirm_import(conference: Conference):
    return import_views.confirm_import(conference)


@bp.route("/<slug>/registrations/import/template.xlsx")
@conference_view("staff")
def import_template(conference: Conference):
    return import_views.template_download(conference)


# --- registration settings (organizers) ------------------------------------------------------


@bp.route("/<slug>/registration-settings", methods=["GET", "POST"])
@conference_view("organizer")
def registration_settings(conference: Conference):
    form = SharedPhoneForm()
    if request.method == "GET":
        form.shared_phone_allowed.data = shared_phone_allowed(conference.id)
    if form.validate_on_submit():
        allowed = bool(form.shared_phone_allowed.data)
        if attempt(lambda: set_shared_phone_allowed(conference.id, allowed)):
            flash(_("Saved."), "success")
            return redirect(
                url_for("registration_staff.registration_settings", slug=conference.slug)
            )
    return render_template("registration/staff/settings.html", conference=conference, form=form)
