"""The organizer's timetable editor: a day × room grid (drag to move on a wide screen, forms
on a phone), a session's page (times, room, people, warnings), the people, publishing and the
releases. Every change is a draft until it is published."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventsys.conferences.access import conference_view
from eventsys.conferences.jsonio import parse_local
from eventsys.conferences.models import Conference
from eventsys.errors import ValidationError
from eventsys.extensions import db
from eventsys.schedule import conflicts as conflict_rules
from eventsys.schedule import releases, services
from eventsys.schedule.forms import AssignForm, PersonForm, PublishForm, SessionForm
from eventsys.schedule.models import Person, ScheduleRelease, SessionSpeaker
from eventsys.web import attempt

bp = Blueprint("schedule_editor", __name__, url_prefix="/manage/<slug>/schedule")

SLOT_MINUTES = 5  # the grid's row height in minutes (times snap to it when dragged)


def _days(conference: Conference) -> list[date]:
    count = (conference.ends_on - conference.starts_on).days + 1
    return [conference.starts_on + timedelta(days=i) for i in range(max(count, 1))]


def _chosen_day(conference: Conference, sessions) -> date:
    days = _days(conference)
    wanted = request.args.get("day", "")
    for day in days:
        if day.isoformat() == wanted:
            return day
    return days[0]


def _grid(conference: Conference, sessions: list, day: date):
    """The day's sessions placed on the grid: column (a room, or the last column for no room)
    and rows in SLOT_MINUTES from the first hour shown."""
    tz = conference.tz
    todays = [s for s in sessions if s.starts_at.astimezone(tz).date() == day]
    first_hour, last_hour = 8, 18
    for s in todays:
        start = s.starts_at.astimezone(tz)
        end = s.ends_at.astimezone(tz)
        first_hour = min(first_hour, start.hour)
        end_hour = 24 if end.date() > day else end.hour + (1 if end.minute else 0)
        last_hour = max(last_hour, end_hour)
    origin = datetime.combine(day, datetime.min.time(), tz) + timedelta(hours=first_hour)
    columns = {room.id: i for i, room in enumerate(conference.rooms, start=2)}
    no_room = len(columns) + 2
    slots_total = (last_hour - first_hour) * 60 // SLOT_MINUTES
    placed = []
    for s in todays:
        row = int((s.starts_at - origin).total_seconds() // 60 // SLOT_MINUTES) + 2
        span = max(1, int((s.ends_at - s.starts_at).total_seconds() // 60 // SLOT_MINUTES))
        span = min(span, slots_total - row + 2)
        placed.append((s, columns.get(s.room_id, no_room), row, span))
    hours = [(h, (h - first_hour) * 60 // SLOT_MINUTES + 2) for h in range(first_hour, last_hour)]
    return {
        "sessions": placed,
        "hours": hours,
        "origin": origin,
        "first_hour": first_hour,
        "rows": slots_total,
        "no_room_column": no_room,
        "has_no_room": any(s.room_id is None for s in todays),
    }


@bp.get("/")
@conference_view("organizer")
def grid(conference: Conference):
    sessions = releases.draft_sessions(conference)
    active = [s for s in sessions if not s.cancelled]
    warnings = conflict_rules.find_conflicts(conference, active)
    latest = releases.latest_release_row(conference)
    changes, other = releases.unpublished_changes(conference, sessions, latest)
    day = _chosen_day(conference, sessions)
    return render_template(
        "schedule/editor.html",
        conference=conference,
        days=_days(conference),
        day=day,
        grid=_grid(conference, sessions, day),
        sessions=sessions,
        warnings=warnings,
        warnings_by_session=conflict_rules.by_session(warnings),
        changes=changes,
        other_changes=other,
        latest=latest,
        slot_minutes=SLOT_MINUTES,
    )


@bp.post("/move")
@conference_view("organizer")
def move(conference: Conference):
    """The grid's drag and drop: ``{session, starts_at: "YYYY-MM-DDTHH:MM" (local), room: id
    or null (no change) or 0 (no room)}`` → ``{ok, warnings}`` or a JSON error."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError(_("Send the move as a JSON object."))
    session = services.get_session(conference, data.get("session"))
    raw_start = data.get("starts_at")
    starts_at = parse_local(raw_start, conference.tz) if isinstance(raw_start, str) else None
    if starts_at is None:
        raise ValidationError(
            _("Please correct the marked fields."), {"starts_at": _("a time as HH:MM")}
        )
    room = data.get("room")
    if room is not None and (isinstance(room, bool) or not isinstance(room, int)):
        raise ValidationError(
            _("Please correct the marked fields."), {"room": _("No such room in this conference.")}
        )
    room_id = None if room is None else room
    if room_id == 0:
        session.room = None
        room_id = None
    services.move_session(conference, session, starts_at, room_id)
    db.session.commit()
    warnings = conflict_rules.find_conflicts(conference)
    mine = [w for w in warnings if session.id in w["session_ids"]]
    return jsonify({"ok": True, "warnings": [w["detail"] for w in mine]})


def _session_fields(form: SessionForm) -> services.SessionFields:
    return services.SessionFields(
        code=form.code.data or "",
        title=form.title.data or "",
        title_en=form.title_en.data or "",
        kind=form.kind.data or "talk",
        room=form.room.data or None,
        forum=form.forum.data or None,
        day=form.day.data,
        start=form.start.data,
        end=form.end.data,
        capacity=form.capacity.data,
        description=form.description.data or "",
        description_en=form.description_en.data or "",
    )


def _people(conference: Conference) -> list[Person]:
    return list(
        db.session.execute(
            select(Person)
            .where(Person.conference_id == conference.id)
            .order_by(Person.name_key, Person.id)
        ).scalars()
    )


@bp.route("/new", methods=["GET", "POST"])
@conference_view("organizer")
def new_session(conference: Conference):
    form = SessionForm()
    form.set_choices(conference)
    if request.method == "GET":
        form.day.data = request.args.get("day") or conference.starts_on.isoformat()
        form.start.data = request.args.get("start") or "09:00"
        form.end.data = request.args.get("end") or "10:00"
        form.room.data = request.args.get("room") or ""
        form.kind.data = "talk"
    status = 200
    if form.validate_on_submit():
        done = attempt(lambda: services.save_session(conference, _session_fields(form)), form)
        if done:
            flash(_("Session added to the draft."), "success")
            return redirect(
                url_for(
                    "schedule_editor.edit_session", slug=conference.slug, session_id=done.value.id
                )
            )
        status = done.status
    return render_template(
        "schedule/session_edit.html", conference=conference, form=form, session=None
    ), status


@bp.route("/<int:session_id>", methods=["GET", "POST"])
@conference_view("organizer")
def edit_session(conference: Conference, session_id: int):
    session = services.get_session(conference, session_id)
    form = SessionForm(obj=None)
    form.set_choices(conference)
    tz = conference.tz
    if request.method == "GET":
        form.code.data = session.code
        form.title.data = session.title
        form.title_en.data = session.title_en
        form.kind.data = session.kind
        form.day.data = session.starts_at.astimezone(tz).date().isoformat()
        form.start.data = session.starts_at.astimezone(tz).strftime("%H:%M")
        form.end.data = session.ends_at.astimezone(tz).strftime("%H:%M")
        form.room.data = str(session.room_id or "")
        form.forum.data = str(session.forum_id or "")
        form.capacity.data = "" if session.capacity is None else str(session.capacity)
        form.description.data = session.description
        form.description_en.data = session.description_en
    status = 200
    if form.validate_on_submit():
        done = attempt(
            lambda: services.save_session(conference, _session_fields(form), session), form
        )
        if done:
            flash(_("Saved in the draft."), "success")
            return redirect(
                url_for("schedule_editor.edit_session", slug=conference.slug, session_id=session.id)
            )
        status = done.status
        session = services.get_session(conference, session_id)
    assign = AssignForm(prefix="assign")
    assign.set_choices(_people(conference))
    return _session_page(conference, session, form, assign), status


def _session_page(conference, session, form, assign):
    warnings = [
        w for w in conflict_rules.find_conflicts(conference) if session.id in w["session_ids"]
    ]
    return render_template(
        "schedule/session_edit.html",
        conference=conference,
        form=form,
        session=session,
        assign=assign,
        warnings=warnings,
    )


@bp.post("/<int:session_id>/people")
@conference_view("organizer")
def assign_person(conference: Conference, session_id: int):
    session = services.get_session(conference, session_id)
    assign = AssignForm(prefix="assign")
    assign.set_choices(_people(conference))
    if assign.validate_on_submit():
        new = services.PersonFields(
            name=assign.name.data or "", organization=assign.organization.data or ""
        )
        done = attempt(
            lambda: services.assign_person(
                conference, session, assign.role.data, assign.person.data or None, new
            ),
            assign,
        )
        if done:
            flash(_("Added to the session."), "success")
            return redirect(
                url_for("schedule_editor.edit_session", slug=conference.slug, session_id=session_id)
            )
        session = services.get_session(conference, session_id)
    form = _filled_form(conference, session)
    return _session_page(conference, session, form, assign), 422


def _filled_form(conference, session) -> SessionForm:
    form = SessionForm(formdata=None)
    form.set_choices(conference)
    tz = conference.tz
    form.process(
        data={
            "code": session.code,
            "title": session.title,
            "title_en": session.title_en,
            "kind": session.kind,
            "day": session.starts_at.astimezone(tz).date().isoformat(),
            "start": session.starts_at.astimezone(tz).strftime("%H:%M"),
            "end": session.ends_at.astimezone(tz).strftime("%H:%M"),
            "room": str(session.room_id or ""),
            "forum": str(session.forum_id or ""),
            "capacity": "" if session.capacity is None else str(session.capacity),
            "description": session.description,
            "description_en": session.description_en,
        }
    )
    return form


@bp.post("/<int:session_id>/people/<int:link_id>/remove")
@conference_view("organizer")
def remove_person(conference: Conference, session_id: int, link_id: int):
    session = services.get_session(conference, session_id)
    if attempt(lambda: services.unassign(conference, session, link_id)):
        flash(_("Taken out of the session."), "success")
    return redirect(
        url_for("schedule_editor.edit_session", slug=conference.slug, session_id=session_id)
    )


@bp.post("/<int:session_id>/copy")
@conference_view("organizer")
def copy_session(conference: Conference, session_id: int):
    session = services.get_session(conference, session_id)
    done = attempt(lambda: services.copy_session(conference, session))
    if done:
        flash(_("Copied; change the copy's time, room or title."), "success")
        return redirect(
            url_for("schedule_editor.edit_session", slug=conference.slug, session_id=done.value.id)
        )
    return redirect(url_for("schedule_editor.grid", slug=conference.slug))


@bp.post("/<int:session_id>/delete")
@conference_view("organizer")
def delete_session(conference: Conference, session_id: int):
    session = services.get_session(conference, session_id)
    day = session.starts_at.astimezone(conference.tz).date().isoformat()
    done = attempt(lambda: services.remove_session(conference, session))
    if done and done.value == "deleted":
        flash(_("Session deleted."), "success")
    elif done:
        flash(
            _(
                "The session was published, so it is kept as cancelled; the next release "
                "tells the public."
            ),
            "success",
        )
    return redirect(url_for("schedule_editor.grid", slug=conference.slug, day=day))


@bp.post("/<int:session_id>/restore")
@conference_view("organizer")
def restore_session(conference: Conference, session_id: int):
    session = services.get_session(conference, session_id)
    if attempt(lambda: services.restore_session(conference, session)):
        flash(_("The session is back in the draft."), "success")
    return redirect(
        url_for("schedule_editor.edit_session", slug=conference.slug, session_id=session_id)
    )


# --- people --------------------------------------------------------------------------------


@bp.get("/people")
@conference_view("organizer")
def people(conference: Conference):
    rows = list(
        db.session.execute(
            select(Person)
            .options(selectinload(Person.links).joinedload(SessionSpeaker.session))
            .where(Person.conference_id == conference.id)
            .order_by(Person.name_key, Person.id)
        ).scalars()
    )
    return render_template("schedule/people.html", conference=conference, people=rows)


def _person_fields(form: PersonForm) -> services.PersonFields:
    return services.PersonFields(
        **{
            name: getattr(form, name).data or ""
            for name in ("name", "name_en", "organization", "title", "bio", "bio_en", "contact")
        }
    )


@bp.route("/people/new", methods=["GET", "POST"])
@bp.route("/people/<int:person_id>", methods=["GET", "POST"])
@conference_view("organizer")
def edit_person(conference: Conference, person_id: int | None = None):
    person = services.get_person(conference, person_id) if person_id else None
    form = PersonForm(obj=person)
    status = 200
    if form.validate_on_submit():
        done = attempt(lambda: services.save_person(conference, _person_fields(form), person), form)
        if done:
            flash(_("Saved in the draft."), "success")
            return redirect(url_for("schedule_editor.people", slug=conference.slug))
        status = done.status
    return render_template(
        "schedule/person_edit.html", conference=conference, form=form, person=person
    ), status


@bp.post("/people/<int:person_id>/delete")
@conference_view("organizer")
def delete_person(conference: Conference, person_id: int):
    person = services.get_person(conference, person_id)
    if attempt(lambda: services.delete_person(conference, person)):
        flash(_("Deleted."), "success")
    return redirect(url_for("schedule_editor.people", slug=conference.slug))


# --- publishing ----------------------------------------------------------------------------


@bp.route("/publish", methods=["GET", "POST"])
@conference_view("organizer")
def publish(conference: Conference):
    form = PublishForm()
    status = 200
    if form.validate_on_submit():
        done = attempt(
            lambda: releases.publish(
                conference, form.version.data, user=current_user, comment=form.comment.data
            ),
            form,
        )
        if done:
            flash(_("Version %(version)s is published.", version=done.value.version), "success")
            return redirect(url_for("schedule_editor.release_list", slug=conference.slug))
        status = done.status
    latest = releases.latest_release_row(conference)
    changes, other = releases.unpublished_changes(conference, latest=latest)
    return render_template(
        "schedule/publish.html",
        conference=conference,
        form=form,
        changes=changes,
        other_changes=other,
        latest=latest,
    ), status


@bp.get("/releases")
@conference_view("staff")
def release_list(conference: Conference):
    rows = db.session.execute(
        select(
            ScheduleRelease.number,
            ScheduleRelease.version,
            ScheduleRelease.published_at,
            ScheduleRelease.comment,
            ScheduleRelease.changes,
        )
        .where(ScheduleRelease.conference_id == conference.id)
        .order_by(ScheduleRelease.number.desc())
    ).all()
    return render_template("schedule/releases.html", conference=conference, releases=rows)


EDITOR_ENDPOINTS = tuple(
    f"schedule_editor.{name}"
    for name in (
        "new_session",
        "edit_session",
        "people",
        "edit_person",
        "publish",
        "release_list",
    )
)
