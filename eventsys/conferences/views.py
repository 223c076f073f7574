"""Organizer pages to set up a conference, and the public conference home page."""

from __future__ import annotations

import json
from itertools import groupby

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from eventsys.auth import services as auth_services
from eventsys.auth.forms import MemberForm
from eventsys.auth.models import Membership
from eventsys.auth.permissions import conference_view, get_conference_or_404
from eventsys.conferences import services
from eventsys.conferences.forms import (
    CategoryForm,
    CheckinListForm,
    ConferenceForm,
    ForumForm,
    ImportConferenceForm,
    RoomForm,
)
from eventsys.conferences.jsonio import export_conference, load_conference
from eventsys.conferences.models import Conference
from eventsys.errors import DomainError
from eventsys.extensions import db
from eventsys.registration.services import counts as registration_counts
from eventsys.schedule.models import ScheduleSession
from eventsys.text import loads_json
from eventsys.web import show_errors

bp = Blueprint("conferences", __name__, url_prefix="/manage")
public_bp = Blueprint("public", __name__)

# What the generic pages need to know about each part of a conference.
PART_PAGES = {
    "categories": {
        "form": CategoryForm,
        "title": _l("Registration categories"),
        "one": _l("category"),
        "fields": ["code", "name", "name_en", "capacity", "requires_approval", "invite_only"],
    },
    "forums": {
        "form": ForumForm,
        "title": _l("Forums"),
        "one": _l("forum"),
        "fields": ["code", "name", "name_en"],
    },
    "rooms": {
        "form": RoomForm,
        "title": _l("Rooms"),
        "one": _l("room"),
        "fields": ["code", "name", "name_en", "capacity"],
    },
    "checkin_lists": {
        "form": CheckinListForm,
        "title": _l("Check-in lists"),
        "one": _l("check-in list"),
        "fields": ["code", "name", "name_en", "session"],
    },
}


def may_create_conferences(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    return (
        db.session.execute(
            select(Membership.id).where(
                Membership.user_id == user.id, Membership.role == "organizer"
            )
        ).first()
        is not None
    )


def _fields_from_form(form: ConferenceForm, timezone: str) -> services.ConferenceFields:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(timezone)

    def aware(value):
        return value.replace(tzinfo=tz) if value else None

    return services.ConferenceFields(
        slug=form.slug.data or "",
        title=form.title.data.strip(),
        title_en=(form.title_en.data or "").strip(),
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        timezone=form.timezone.data,
        venue=(form.venue.data or "").strip(),
        venue_en=(form.venue_en.data or "").strip(),
        description=(form.description.data or "").strip(),
        capacity=form.capacity.data,
        registration_opens_at=aware(form.registration_opens_at.data),
        registration_closes_at=aware(form.registration_closes_at.data),
        edits_require_approval=bool(form.edits_require_approval.data),
    )


@bp.route("/")
@login_required
def index():
    if current_user.is_admin:
        conferences = services.list_conferences()
        roles = {c.id: "organizer" for c in conferences}
    else:
        rows = db.session.execute(
            select(Conference, Membership.role)
            .join(Membership, Membership.conference_id == Conference.id)
            .where(Membership.user_id == current_user.id)
            .order_by(Conference.starts_on.desc())
        ).all()
        conferences = [row[0] for row in rows]
        roles = {row[0].id: row[1] for row in rows}
    return render_template(
        "conferences/index.html",
        conferences=conferences,
        roles=roles,
        may_create=may_create_conferences(current_user),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    if not may_create_conferences(current_user):
        abort(403, description=_("Only organizers and site administrators create conferences."))
    form = ConferenceForm()
    if form.validate_on_submit():
        try:
            conference = services.create_conference(_fields_from_form(form, form.timezone.data))
            if not current_user.is_admin:
                auth_services.set_membership(conference, current_user, "organizer")
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            flash(_("Conference created. Now add its registration categories."), "success")
            return redirect(url_for("conferences.parts", slug=conference.slug, kind="categories"))
    return render_template("conferences/edit.html", form=form, conference=None), (
        422 if form.errors else 200
    )


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_json():
    if not may_create_conferences(current_user):
        abort(403, description=_("Only organizers and site administrators create conferences."))
    form = ImportConferenceForm()
    if form.validate_on_submit():
        try:
            data = loads_json(form.file.data.read().decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            form.file.errors.append(_("Not a JSON file: %(error)s", error=exc))
        else:
            slug = data.get("slug") if isinstance(data, dict) else None
            existing = (
                db.session.execute(
                    select(Conference).where(Conference.slug == slug)
                ).scalar_one_or_none()
                if isinstance(slug, str)
                else None
            )
            if existing is not None and not auth_services.role_allows(
                auth_services.role_for(current_user, existing), "organizer"
            ):
                abort(403)
            try:
                conference = load_conference(data, replace=form.replace.data)
                if existing is None and not current_user.is_admin:
                    auth_services.set_membership(conference, current_user, "organizer")
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                form.file.errors.append(error.message)
            else:
                flash(_("Conference %(title)s loaded.", title=conference.title), "success")
                return redirect(url_for("conferences.dashboard", slug=conference.slug))
    return render_template("conferences/import.html", form=form), (422 if form.errors else 200)


@bp.route("/<slug>/")
@conference_view("checkin")
def dashboard(conference: Conference):
    counts = {kind: len(getattr(conference, kind)) for kind in PART_PAGES}
    counts["sessions"] = len(
        db.session.execute(
            select(ScheduleSession.id).where(ScheduleSession.conference_id == conference.id)
        ).all()
    )
    by_status: dict[str, int] = {}
    for (_category, status), number in registration_counts(conference).items():
        by_status[status] = by_status.get(status, 0) + number
    return render_template(
        "conferences/dashboard.html",
        conference=conference,
        counts=counts,
        parts=PART_PAGES,
        by_status=by_status,
    )


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@conference_view("organizer")
def edit(conference: Conference):
    form = ConferenceForm(obj=conference)
    if request.method == "GET":
        tz = conference.tz
        for name in ("registration_opens_at", "registration_closes_at"):
            value = getattr(conference, name)
            getattr(form, name).data = value.astimezone(tz).replace(tzinfo=None) if value else None
    form.slug.data = conference.slug
    if form.validate_on_submit():
        try:
            services.update_conference(conference, _fields_from_form(form, form.timezone.data))
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("conferences.dashboard", slug=conference.slug))
    return render_template("conferences/edit.html", form=form, conference=conference), (
        422 if form.errors else 200
    )


def _part_form(conference: Conference, kind: str, part=None):
    page = PART_PAGES[kind]
    form = page["form"](obj=part)
    if kind == "checkin_lists":
        sessions = db.session.execute(
            select(ScheduleSession.code, ScheduleSession.title)
            .where(ScheduleSession.conference_id == conference.id)
            .order_by(ScheduleSession.starts_at)
        ).all()
        form.session.choices = [SelectChoice("", _("Whole conference"))] + [
            SelectChoice(code, f"{code} · {title}") for code, title in sessions
        ]
        if request.method == "GET":
            form.session.data = part.session.code if part and part.session else ""
    return form


def _save_part_from_form(conference: Conference, kind: str, form, part=None):
    values = {name: getattr(form, name).data for name in PART_PAGES[kind]["fields"]}
    for key in ("name", "name_en", "code"):
        values[key] = (values.get(key) or "").strip()
    return services.save_part(conference, kind, values, part)


@bp.route("/<slug>/<any(categories,forums,rooms,checkin_lists):kind>/", methods=["GET", "POST"])
@conference_view("organizer")
def parts(conference: Conference, kind: str):
    form = _part_form(conference, kind)
    if form.validate_on_submit():
        try:
            part = _save_part_from_form(conference, kind, form)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            flash(_("%(name)s added.", name=part.name), "success")
            return redirect(url_for("conferences.parts", slug=conference.slug, kind=kind))
    return render_template(
        "conferences/parts.html",
        conference=conference,
        kind=kind,
        page=PART_PAGES[kind],
        items=getattr(conference, kind),
        form=form,
    ), (422 if form.errors else 200)


@bp.route(
    "/<slug>/<any(categories,forums,rooms,checkin_lists):kind>/<int:part_id>/edit",
    methods=["GET", "POST"],
)
@conference_view("organizer")
def edit_part(conference: Conference, kind: str, part_id: int):
    part = services.get_part(conference, kind, part_id)
    form = _part_form(conference, kind, part)
    if form.validate_on_submit():
        try:
            _save_part_from_form(conference, kind, form, part)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("conferences.parts", slug=conference.slug, kind=kind))
    return render_template(
        "conferences/part_edit.html",
        conference=conference,
        kind=kind,
        page=PART_PAGES[kind],
        part=part,
        form=form,
    ), (422 if form.errors else 200)


@bp.route(
    "/<slug>/<any(categories,forums,rooms,checkin_lists):kind>/<int:part_id>/delete",
    methods=["POST"],
)
@conference_view("organizer")
def delete_part(conference: Conference, kind: str, part_id: int):
    try:
        services.delete_part(conference, kind, part_id)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(_("Deleted."), "success")
    return redirect(url_for("conferences.parts", slug=conference.slug, kind=kind))


@bp.route("/<slug>/members", methods=["GET", "POST"])
@conference_view("organizer")
def members(conference: Conference):
    form = MemberForm()
    if form.validate_on_submit():
        try:
            user = auth_services.find_user(form.email.data)
            if user is None:
                if not form.password.data:
                    form.password.errors.append(
                        _("No account has this e-mail yet; give an initial password.")
                    )
                    raise DomainError("")
                user = auth_services.create_user(
                    form.email.data, form.password.data, form.name.data or ""
                )
            auth_services.set_membership(conference, user, form.role.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            if error.message:
                show_errors(form, error)
        else:
            flash(_("%(email)s is now a member.", email=user.email), "success")
            return redirect(url_for("conferences.members", slug=conference.slug))
    return render_template(
        "conferences/members.html",
        conference=conference,
        form=form,
        memberships=auth_services.list_memberships(conference),
        tokens=auth_services.list_api_tokens(conference),
    ), (422 if form.errors else 200)


@bp.route("/<slug>/members/<int:membership_id>/delete", methods=["POST"])
@conference_view("organizer")
def remove_member(conference: Conference, membership_id: int):
    auth_services.remove_membership(conference, membership_id)
    db.session.commit()
    flash(_("Removed."), "success")
    return redirect(url_for("conferences.members", slug=conference.slug))


@bp.route("/<slug>/tokens/<int:token_id>/revoke", methods=["POST"])
@conference_view("organizer")
def revoke_token(conference: Conference, token_id: int):
    auth_services.revoke_api_token(conference, token_id)
    db.session.commit()
    flash(_("Token revoked."), "success")
    return redirect(url_for("conferences.members", slug=conference.slug))


@bp.route("/<slug>/export.json")
@conference_view("organizer")
def export_json(conference: Conference):
    body = json.dumps(export_conference(conference), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f"attachment; filename={conference.slug}.json"},
    )


@public_bp.route("/")
def home():
    conferences = services.list_conferences()
    return render_template("conferences/home.html", conferences=conferences)


@public_bp.route("/c/<slug>/")
def conference_home(slug: str):
    from flask import g

    conference = get_conference_or_404(slug)
    g.conference = conference
    sessions = db.session.execute(
        select(ScheduleSession)
        .options(
            selectinload(ScheduleSession.speakers),
            joinedload(ScheduleSession.room),
            joinedload(ScheduleSession.forum),
        )
        .where(ScheduleSession.conference_id == conference.id)
        .order_by(ScheduleSession.starts_at, ScheduleSession.position)
    ).scalars()
    tz = conference.tz
    days = [
        (day, list(items))
        for day, items in groupby(sessions, key=lambda s: s.starts_at.astimezone(tz).date())
    ]
    return render_template("conferences/public.html", conference=conference, days=days)
