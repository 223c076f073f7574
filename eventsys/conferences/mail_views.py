"""Staff page for a conference's e-mail: what is still queued, what finally failed and why,
and sending failed mail again."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from eventsys.conferences.access import conference_view
from eventsys.conferences.models import Conference
from eventsys.mail import mail_counts, resend_failed_mail, undelivered_mail
from eventsys.web import attempt

bp = Blueprint("conference_mail", __name__, url_prefix="/manage")


@bp.route("/<slug>/mail")
@conference_view("staff")
def mail(conference: Conference):
    return render_template(
        "conferences/mail.html",
        conference=conference,
        mails=undelivered_mail(conference.id),
        counts=mail_counts(conference.id),
    )


@bp.route("/<slug>/mail/<int:mail_id>/resend", methods=["POST"])
@conference_view("staff")
def resend(conference: Conference, mail_id: int):
    if attempt(lambda: resend_failed_mail(conference.id, mail_id)):
        flash(_("The e-mail is queued to be sent again."), "success")
    return redirect(url_for(".mail", slug=conference.slug))


@bp.route("/<slug>/mail/resend-failed", methods=["POST"])
@conference_view("staff")
def resend_all(conference: Conference):
    done = attempt(lambda: resend_failed_mail(conference.id))
    if done:
        flash(_("E-mails queued to be sent again: %(num)s.", num=done.value), "success")
    return redirect(url_for(".mail", slug=conference.slug))
