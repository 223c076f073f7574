"""Staff pages for notices: write one, preview it as the attendees will get it with how many
it reaches, send it through the job queue and follow its progress."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from eventsys import jobs
from eventsys.conferences.access import conference_view
from eventsys.conferences.models import Conference
from eventsys.extensions import db
from eventsys.registration import notices
from eventsys.registration.notice_forms import NoticeForm
from eventsys.registration.statuses import status_label
from eventsys.web import attempt

bp = Blueprint("registration_notices", __name__, url_prefix="/manage")


def _form(conference: Conference, notice: notices.Notice | None = None) -> NoticeForm:
    from eventsys.i18n import localized

    form = NoticeForm(obj=notice if request.method == "GET" else None)
    form.statuses.choices = [(s.value, status_label(s)) for s in notices.NOTICE_STATUSES]
    form.category_ids.choices = [(c.id, localized(c, "name")) for c in conference.categories]
    if request.method == "GET" and notice is None:
        form.statuses.data = ["confirmed"]
    return form


def _save(conference: Conference, form: NoticeForm, notice: notices.Notice | None):
    done = attempt(
        lambda: notices.save_draft(
            conference,
            subject=form.subject.data,
            body=form.body.data,
            statuses=form.statuses.data or [],
            category_ids=form.category_ids.data or [],
            notice=notice,
            created_by_id=current_user.id,
        ),
        form,
    )
    if done:
        return redirect(url_for(".notice", slug=conference.slug, notice_id=done.value.id))
    return None


@bp.route("/<slug>/notices")
@conference_view("staff")
def notice_list(conference: Conference):
    return render_template(
        "registration/notices/list.html",
        conference=conference,
        notices=notices.conference_notices(conference),
    )


@bp.route("/<slug>/notices/new", methods=["GET", "POST"])
@conference_view("staff")
def new(conference: Conference):
    form = _form(conference)
    if form.validate_on_submit():
        saved = _save(conference, form, None)
        if saved:
            return saved
    return render_template(
        "registration/notices/edit.html", conference=conference, form=form, notice=None
    )


@bp.route("/<slug>/notices/<int:notice_id>/edit", methods=["GET", "POST"])
@conference_view("staff")
def edit(conference: Conference, notice_id: int):
    notice = notices.get_notice(conference, notice_id)
    if notice.state != "draft":
        flash(_("This notice has been sent; it can no longer be changed."), "warning")
        return redirect(url_for(".notice", slug=conference.slug, notice_id=notice.id))
    form = _form(conference, notice)
    if form.validate_on_submit():
        saved = _save(conference, form, notice)
        if saved:
            return saved
    return render_template(
        "registration/notices/edit.html", conference=conference, form=form, notice=notice
    )


@bp.route("/<slug>/notices/<int:notice_id>")
@conference_view("staff")
def notice(conference: Conference, notice_id: int):
    found = notices.get_notice(conference, notice_id)
    if found.state == "draft":  # the count as it is now, not when the draft was saved
        found.recipients = notices.count_recipients(found)
        db.session.commit()
    run = db.session.get(jobs.Job, found.job_id) if found.job_id else None
    return render_template(
        "registration/notices/notice.html",
        conference=conference,
        notice=found,
        run=run,
        audience=notices.audience(found, list(conference.categories)),
        without_address=notices.count_without_address(found) if found.state == "draft" else 0,
    )


@bp.route("/<slug>/notices/<int:notice_id>/preview")
@conference_view("staff")
def preview(conference: Conference, notice_id: int):
    """The mail's HTML alone, for the preview frame: its inline styles are allowed, nothing
    else (no script, no outside images), and only our own pages may frame it."""
    found = notices.get_notice(conference, notice_id)
    mail = notices.preview_mail(found, conference, str(get_locale() or "zh_CN"))
    response = Response(mail.html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox allow-popups"
    )
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.route("/<slug>/notices/<int:notice_id>/send", methods=["POST"])
@conference_view("staff")
def send(conference: Conference, notice_id: int):
    found = notices.get_notice(conference, notice_id)
    started = attempt(lambda: notices.start_sending(found, current_user.id))
    if started:
        jobs.submit(started.value)
        flash(_("Sending the notice to %(num)s people.", num=found.recipients), "success")
    return redirect(url_for(".notice", slug=conference.slug, notice_id=found.id))


@bp.route("/<slug>/notices/<int:notice_id>/delete", methods=["POST"])
@conference_view("staff")
def delete(conference: Conference, notice_id: int):
    found = notices.get_notice(conference, notice_id)
    if attempt(lambda: notices.delete_draft(found)):
        flash(_("The draft has been deleted."), "success")
        return redirect(url_for(".notice_list", slug=conference.slug))
    return redirect(url_for(".notice", slug=conference.slug, notice_id=found.id))
