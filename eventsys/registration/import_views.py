"""The web upload of ``import-registrations``: upload a .csv or .xlsx, see a preview (or every
problem, by row and column), confirm. The same service and the same rule as the command: all
rows or none."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventsys.conferences.models import Conference
from eventsys.errors import DomainError
from eventsys.extensions import db
from eventsys.registration import columns as vocabulary
from eventsys.registration import exports
from eventsys.registration.imports import import_rows, read_rows
from eventsys.registration.questions import questions_of
from eventsys.registration.staff_forms import ConfirmImportForm, UploadForm
from eventsys.registration.uploads import delete_upload, find_upload, save_upload
from eventsys.web import attempt

PURPOSE = "registrations"
PREVIEW_ROWS = 20


def _read(upload):
    """The file's header and rows; its own name in messages, not the kept file's."""
    try:
        return read_rows(upload.path)
    except DomainError as error:
        error.message = error.message.replace(upload.path.name, upload.name)
        raise


def _check(conference: Conference, upload) -> dict:
    """Run the import and roll it back: every check of the real one, nothing kept."""
    headers, rows = _read(upload)
    try:
        result = import_rows(conference, headers, rows, source_name=upload.name)
    finally:
        db.session.rollback()
    by_code = {c.code: c for c in conference.categories}
    return {
        "imported": result.imported,
        "by_category": [(by_code[code], n) for code, n in result.by_category.items()],
        "headers": headers,
        "rows": rows[:PREVIEW_ROWS],
        "more": max(len(rows) - PREVIEW_ROWS, 0),
    }


def upload_page(conference: Conference):
    form = UploadForm()
    confirm = ConfirmImportForm()
    preview = problems = None
    upload = None
    status = 200
    if form.validate_on_submit():
        try:
            upload = save_upload(form.file.data, current_user.id, conference.id, PURPOSE)
            preview = _check(conference, upload)
            confirm.upload.data = upload.id
        except DomainError as error:
            db.session.rollback()
            if upload is not None:
                delete_upload(upload)  # nothing to confirm: not kept
            problems = error
            status = error.status
    elif request.method == "POST":
        status = 422
    return render_template(
        "registration/staff/import.html",
        conference=conference,
        form=form,
        confirm=confirm,
        upload=upload,
        preview=preview,
        problems=problems,
        columns=vocabulary.both_spellings(),
    ), status


def confirm_import(conference: Conference):
    form = ConfirmImportForm()
    back = redirect(url_for("registration_staff.import_registrations", slug=conference.slug))
    if not form.validate_on_submit():
        flash(_("The form expired; upload the file again."), "error")
        return back
    try:
        upload = find_upload(form.upload.data or "", current_user.id, conference.id, PURPOSE)
    except DomainError as error:
        flash(error.message, "error")
        return back
    if request.form.get("abandon"):
        delete_upload(upload)
        flash(_("Nothing was imported; the uploaded file is deleted."), "info")
        return back

    def run():
        headers, rows = _read(upload)
        return import_rows(
            conference,
            headers,
            rows,
            send_mail=bool(form.notify.data),
            source_name=upload.name,
        )

    done = attempt(run)
    if not done:
        # Refused now (someone registered meanwhile, seats gone): the file stays for a retry.
        return back
    delete_upload(upload)
    flash(
        _(
            "Imported %(num)s registrations from %(name)s.",
            num=done.value.imported,
            name=upload.name,
        ),
        "success",
    )
    return redirect(
        url_for("registration_staff.registrations", slug=conference.slug, sort="-created")
    )


def template_download(conference: Conference):
    """An empty workbook with the columns the import reads, one per question too."""
    headers = [chinese for _english, chinese in vocabulary.FIELDS.values()]
    headers += [q.label for q in questions_of(conference)]
    example = [
        conference.categories[0].name if conference.categories else "",
        "张三",
        "zhangsan@example.com",
        "13800138000",
        "四川大学",
        "教授",
    ]
    filename = f"{conference.slug}-registrations-template.xlsx"
    return exports.spreadsheet_response(headers, [example], "xlsx", filename)
