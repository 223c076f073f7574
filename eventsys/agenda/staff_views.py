"""Staff pages: headcounts per session and forum, who is enrolled (with a CSV), and the
organizer's forum-choice rules."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from eventsys.agenda import services
from eventsys.agenda.forms import ActionForm, ForumSettingsForm, limit_field_name
from eventsys.agenda.sessions import is_cancelled, is_published, sessions_to_enroll
from eventsys.conferences.access import conference_view
from eventsys.conferences.models import Conference, Forum
from eventsys.errors import ValidationError
from eventsys.i18n import localized
from eventsys.registration.exports import export_filename, spreadsheet_response
from eventsys.registration.services import mask_phone, status_label
from eventsys.web import attempt, show_errors

bp = Blueprint("agenda_staff", __name__, url_prefix="/manage")


@bp.route("/<slug>/enrollment")
@conference_view("staff")
def headcounts(conference: Conference):
    sessions = sessions_to_enroll(conference)
    return render_template(
        "agenda/staff/headcounts.html",
        conference=conference,
        sessions=sessions,
        published=is_published(conference),
        counts=services.session_headcounts(conference),
        places=services.forum_places(conference),
        settings=services.forum_settings(conference),
        is_cancelled=is_cancelled,
        is_organizer=g.get("conference_role") == "organizer",
    )


def _people_rows(pairs) -> list[list]:
    return [
        [
            registration.name,
            registration.organization,
            mask_phone(registration.phone),
            registration.email,
            registration.category.code if registration.category else "",
            status_label(registration.status),
            row.created_at,
        ]
        for row, registration in pairs
    ]


def _headers() -> list[str]:
    return [
        _("Full name"),
        _("Organization"),
        _("Mobile phone"),
        _("E-mail"),
        _("Category"),
        _("Status"),
        _("Since"),
    ]


@bp.route("/<slug>/enrollment/sessions/<code>")
@conference_view("staff")
def session_people(conference: Conference, code: str):
    session = services.find_session(conference, code)
    pairs = services.enrolled_in(session)
    return render_template(
        "agenda/staff/people.html",
        conference=conference,
        heading=localized(session, "title"),
        session=session,
        forum=None,
        capacity=session.capacity,
        pairs=pairs,
        mask_phone=mask_phone,
        csv_url=url_for("agenda_staff.session_people_csv", slug=conference.slug, code=code),
    )


@bp.post("/<slug>/enrollment/sessions/<code>/<int:registration_id>/remove")
@conference_view("staff")
def remove_from_session(conference: Conference, code: str, registration_id: int):
    """Staff give an attendee's seat back (they asked at the desk, or will not come)."""
    if not ActionForm().validate_on_submit():
        abort(400)

    def remove():
        session = services.find_session(conference, code)
        registration = services.get_registration(conference, registration_id)
        return registration, services.withdraw(registration, session)

    done = attempt(remove)
    if done and done.value[1]:
        flash(
            _("%(name)s no longer holds a seat in this session.", name=done.value[0].name), "info"
        )
    return redirect(url_for("agenda_staff.session_people", slug=conference.slug, code=code))


@bp.route("/<slug>/enrollment/sessions/<code>.csv")
@conference_view("staff")
def session_people_csv(conference: Conference, code: str):
    session = services.find_session(conference, code)
    rows = _people_rows(services.enrolled_in(session))
    name = export_filename(conference, "csv", what=f"session-{session.code}")
    return spreadsheet_response(_headers(), rows, "csv", name)


def _forum_or_404(conference: Conference, code: str) -> Forum:
    forum = next((f for f in conference.forums if f.code == code), None)
    if forum is None:
        abort(404)
    return forum


@bp.route("/<slug>/enrollment/forums/<code>")
@conference_view("staff")
def forum_people(conference: Conference, code: str):
    forum = _forum_or_404(conference, code)
    return render_template(
        "agenda/staff/people.html",
        conference=conference,
        heading=localized(forum, "name"),
        session=None,
        forum=forum,
        capacity=services.forum_limits(conference).get(forum.id),
        pairs=services.chose_forum(forum),
        mask_phone=mask_phone,
        csv_url=url_for("agenda_staff.forum_people_csv", slug=conference.slug, code=code),
    )


@bp.route("/<slug>/enrollment/forums/<code>.csv")
@conference_view("staff")
def forum_people_csv(conference: Conference, code: str):
    forum = _forum_or_404(conference, code)
    rows = _people_rows(services.chose_forum(forum))
    name = export_filename(conference, "csv", what=f"forum-{forum.code}")
    return spreadsheet_response(_headers(), rows, "csv", name)


@bp.route("/<slug>/forum-choice", methods=["GET", "POST"])
@conference_view("organizer")
def forum_settings(conference: Conference):
    settings = services.forum_settings(conference)
    limits = services.forum_limits(conference)
    form = ForumSettingsForm(obj=settings if request.method == "GET" else None)
    limit_values = {f.id: limits.get(f.id) for f in conference.forums}
    limit_errors: dict[int, str] = {}
    status = 200
    if request.method == "POST":
        raw = {
            f.id: (request.form.get(limit_field_name(f.id)) or "").strip()
            for f in conference.forums
        }
        limit_values = dict(raw)
        parsed: dict[int, int | None] = {}
        for forum_id, text in raw.items():
            if not text:
                parsed[forum_id] = None
            elif text.isdigit() and len(text) <= 7:
                parsed[forum_id] = int(text)
            else:
                limit_errors[forum_id] = _("a whole number of at least 0, or empty")
        if form.validate_on_submit() and not limit_errors:

            def save():
                return services.save_forum_settings(
                    conference,
                    form.mode.data or "off",
                    form.max_choices.data,
                    bool(form.changes_open.data),
                    parsed,
                )

            def show(error):
                for key, reason in error.errors.items():
                    if key.startswith("limit_"):
                        limit_errors[int(key.removeprefix("limit_"))] = reason
                show_errors(
                    form,
                    ValidationError(
                        error.message,
                        {k: v for k, v in error.errors.items() if not k.startswith("limit_")},
                    ),
                )

            if attempt(save, show=show):
                flash(_("Saved."), "success")
                return redirect(url_for("agenda_staff.forum_settings", slug=conference.slug))
        elif limit_errors:
            flash(_("Please correct the marked fields."), "error")
        status = 422
    return render_template(
        "agenda/staff/forum_settings.html",
        conference=conference,
        form=form,
        limit_values=limit_values,
        limit_errors=limit_errors,
        counts=services.forum_headcounts(conference),
        limit_field_name=limit_field_name,
    ), status
