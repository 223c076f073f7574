"""The attendee's side: forums and sessions on their own page, the personal agenda and feed."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from eventsys.agenda import ical, services
from eventsys.agenda.forms import ActionForm
from eventsys.agenda.sessions import is_cancelled, is_published, sessions_to_enroll
from eventsys.conferences.models import Conference
from eventsys.i18n import is_english, localized
from eventsys.registration import services as registration_services
from eventsys.registration.models import Registration
from eventsys.registration.statuses import ACTIVE_STATUSES, Status
from eventsys.web import attempt

bp = Blueprint("agenda", __name__)


def _registration_or_404(token: str) -> Registration:
    registration = registration_services.by_manage_token(token)
    if registration is None:
        abort(404)
    g.conference = registration.conference
    return registration


def _back(token: str, anchor: str):
    return redirect(url_for("registration.manage", token=token) + anchor)


# --- the section on the attendee's own page -------------------------------------------------


def attendee_section(registration: Registration) -> str:
    """Forums to choose and sessions to enroll in, on /r/<token> (a handful of queries,
    whatever the number of sessions). The sessions are those of the latest release; before
    the first one, a note says that enrollment opens with the published programme."""
    conference = registration.conference
    settings = services.forum_settings(conference)
    sessions = sessions_to_enroll(conference)
    unpublished = not sessions and not is_published(conference)
    if unpublished:
        unpublished = services.programme_in_preparation(conference)
    if settings.mode == "off" and not sessions and not unpublished:
        return ""
    counts = services.session_headcounts(conference) if sessions else {}
    mine = services.enrolled_session_ids(registration)
    chosen = services.chosen_forum_ids(registration)
    places = services.forum_places(conference) if settings.mode != "off" else []
    return Markup(
        render_template(
            "agenda/_attendee.html",
            registration=registration,
            conference=conference,
            settings=settings,
            places=places,
            chosen=chosen,
            sessions=sessions,
            unpublished=unpublished,
            counts=counts,
            mine=mine,
            is_cancelled=is_cancelled,
            active=registration.status in ACTIVE_STATUSES,
            confirmed=registration.status == Status.CONFIRMED,
            form=ActionForm(),
        )
    )


def registration_form_section(conference: Conference, values: list[str]) -> str:
    """The forums on the public registration form, when the organizer asks for them."""
    settings = services.forum_settings(conference)
    if settings.mode == "off" or not conference.forums:
        return ""
    return Markup(
        render_template(
            "agenda/_register_forums.html",
            settings=settings,
            places=services.forum_places(conference),
            values=set(values),
        )
    )


# --- enrolling ------------------------------------------------------------------------------


def _check_form() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


@bp.post("/r/<token>/sessions/<code>/enroll")
def enroll(token: str, code: str):
    registration = _registration_or_404(token)
    _check_form()

    def enroll_():
        session = services.find_session(registration.conference, code)
        return session, services.enroll(registration, session)

    done = attempt(enroll_)
    if done:
        session, enrolled = done.value
        title = localized(session, "title")
        if enrolled.created:
            flash(_("You are enrolled in %(session)s.", session=title), "success")
        else:
            flash(_("You were already enrolled in %(session)s.", session=title), "info")
        if enrolled.clashes:
            flash(
                _(
                    "Note: it is at the same time as %(others)s, which you are also enrolled in.",
                    others=(", " if is_english() else "、").join(
                        localized(s, "title") for s in enrolled.clashes
                    ),
                ),
                "warning",
            )
    return _back(token, "#sessions")


@bp.post("/r/<token>/sessions/<code>/withdraw")
def withdraw(token: str, code: str):
    registration = _registration_or_404(token)
    _check_form()

    def withdraw_():
        session = services.find_session(registration.conference, code)
        return session, services.withdraw(registration, session)

    done = attempt(withdraw_)
    if done:
        session, was = done.value
        title = localized(session, "title")
        if was:
            flash(_("You have given up your seat in %(session)s.", session=title), "info")
        else:
            flash(_("You were not enrolled in %(session)s.", session=title), "info")
    return _back(token, "#sessions")


@bp.post("/r/<token>/forums")
def choose_forums(token: str):
    registration = _registration_or_404(token)
    _check_form()
    codes = request.form.getlist("forums")
    if attempt(lambda: services.choose_forums(registration, codes)):
        flash(_("Your choice of forums has been saved."), "success")
    return _back(token, "#forums")


# --- the personal agenda --------------------------------------------------------------------


@bp.get("/r/<token>/agenda")
def agenda(token: str):
    registration = _registration_or_404(token)
    conference = registration.conference
    items = services.agenda_of(registration)
    tz = conference.tz
    days = [
        (day, list(group))
        for day, group in groupby(items, key=lambda i: i.session.starts_at.astimezone(tz).date())
    ]
    return render_template(
        "agenda/agenda.html",
        registration=registration,
        conference=conference,
        days=days,
        published=is_published(conference),
        ended=registration.status not in ACTIVE_STATUSES,
    )


@bp.get("/r/<token>/agenda.ics")
def agenda_ics(token: str):
    registration = _registration_or_404(token)
    body = ical.agenda_calendar(registration, services.agenda_of(registration))
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f"inline; filename={registration.conference.slug}-agenda.ics",
        },
    )
