"""Organizer pages to set up a conference, and the public conference home page."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from eventsys.auth import services as auth_services
from eventsys.auth.forms import MemberForm, TokenForm
from eventsys.auth.models import Membership
from eventsys.conferences import extend, services
from eventsys.conferences.access import conference_view
from eventsys.conferences.forms import ConferenceForm, ImportConferenceForm
from eventsys.conferences.jsonio import export_conference, load_spec, parse_conference_json
from eventsys.conferences.models import Conference
from eventsys.errors import Forbidden, ValidationError
from eventsys.extensions import db
from eventsys.text import loads_json
from eventsys.web import attempt, reads_only

bp = Blueprint("conferences", __name__, url_prefix="/manage")
public_bp = Blueprint("public", __name__)


def nav_items() -> list[extend.NavItem]:
    """The conference navigation's links that the current user's role may see."""
    role = g.get("conference_role")
    return [
        item
        for item in extend.registry().nav
        if item.role is None or auth_services.role_allows(role, item.role)
    ]


def _part_page(kind: str) -> extend.PartKind:
    page = extend.part_kind(kind)
    if page is None:
        abort(404)
    return page


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
        description_en=(form.description_en.data or "").strip(),
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

    def create_as_organizer() -> Conference:
        conference = services.create_conference(_fields_from_form(form, form.timezone.data))
        if not current_user.is_admin:
            auth_services.set_membership(conference, current_user, "organizer")
        return conference

    if form.validate_on_submit() and (done := attempt(create_as_organizer, form)):
        flash(_("Conference created. Now add its registration categories."), "success")
        return redirect(url_for("conferences.parts", slug=done.value.slug, kind="categories"))
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
            done = attempt(
                lambda: _import_conference(data, form.replace.data),
                show=lambda error: form.file.errors.append(error.message),
            )
            if done:
                flash(_("Conference %(title)s loaded.", title=done.value.title), "success")
                return redirect(url_for("conferences.dashboard", slug=done.value.slug))
            return render_template("conferences/import.html", form=form), done.status
    return render_template("conferences/import.html", form=form), (422 if form.errors else 200)


def _import_conference(data, replace: bool) -> Conference:
    """Load a conference file as the signed-in user may: the permission is asked about the
    slug exactly as it will be used (normalised), never about the text as sent."""
    spec = parse_conference_json(data)
    existing = db.session.execute(
        select(Conference).where(Conference.slug == spec["slug"])
    ).scalar_one_or_none()
    if existing is not None and not auth_services.role_allows(
        auth_services.role_for(current_user, existing), "organizer"
    ):
        raise Forbidden(
            _(
                "A conference with slug %(slug)s exists and you are not its organizer.",
                slug=spec["slug"],
            ),
            {"slug": _("not yours")},
        )
    conference = load_spec(spec, replace=replace)
    if existing is None and not current_user.is_admin:
        auth_services.set_membership(conference, current_user, "organizer")
    return conference


@bp.route("/<slug>/")
@conference_view("checkin")
def dashboard(conference: Conference):
    """The overview: each domain's cards (registrations, timetable …), then the set-up."""
    sections = [Markup(render(conference)) for _order, render in extend.registry().dashboard]
    return render_template("conferences/dashboard.html", conference=conference, sections=sections)


def setup_cards(conference: Conference) -> str:
    """The organizer's cards: how many of each part the conference has."""
    if g.get("conference_role") != "organizer":
        return ""
    kinds = extend.registry().part_kinds
    counts = {}
    for kind, page in kinds.items():
        counts[kind] = db.session.execute(
            select(func.count())
            .select_from(page.model)
            .where(page.model.conference_id == conference.id)
        ).scalar_one()
    return render_template(
        "conferences/_setup_cards.html", conference=conference, parts=kinds, counts=counts
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
    if form.validate_on_submit() and attempt(
        lambda: services.update_conference(conference, _fields_from_form(form, form.timezone.data)),
        form,
    ):
        flash(_("Saved."), "success")
        return redirect(url_for("conferences.dashboard", slug=conference.slug))
    return render_template("conferences/edit.html", form=form, conference=conference), (
        422 if form.errors else 200
    )


def _part_form(conference: Conference, kind: str, part=None):
    page = _part_page(kind)
    form = page.form(obj=part)
    if page.prepare_form is not None:
        page.prepare_form(conference, form, part)
    return form


def _save_part_from_form(conference: Conference, kind: str, form, part=None):
    values = {name: getattr(form, name).data for name in _part_page(kind).fields}
    for key in ("name", "name_en", "code"):
        values[key] = (values.get(key) or "").strip()
    return services.save_part(conference, kind, values, part)


@bp.route("/<slug>/<kind>/", methods=["GET", "POST"])
@conference_view("organizer")
def parts(conference: Conference, kind: str):
    form = _part_form(conference, kind)
    if form.validate_on_submit() and (
        done := attempt(lambda: _save_part_from_form(conference, kind, form), form)
    ):
        flash(_("%(name)s added.", name=done.value.name), "success")
        return redirect(url_for("conferences.parts", slug=conference.slug, kind=kind))
    return render_template(
        "conferences/parts.html",
        conference=conference,
        kind=kind,
        page=_part_page(kind),
        items=services.parts_in_order(conference, _part_page(kind).model),
        form=form,
    ), (422 if form.errors else 200)


@bp.route("/<slug>/<kind>/<int:part_id>/edit", methods=["GET", "POST"])
@conference_view("organizer")
def edit_part(conference: Conference, kind: str, part_id: int):
    _part_page(kind)
    part = services.get_part(conference, kind, part_id)
    form = _part_form(conference, kind, part)
    if form.validate_on_submit() and attempt(
        lambda: _save_part_from_form(conference, kind, form, part), form
    ):
        flash(_("Saved."), "success")
        return redirect(url_for("conferences.parts", slug=conference.slug, kind=kind))
    return render_template(
        "conferences/part_edit.html",
        conference=conference,
        kind=kind,
        page=_part_page(kind),
        part=part,
        form=form,
    ), (422 if form.errors else 200)


@bp.route("/<slug>/<kind>/<int:part_id>/delete", methods=["POST"])
@conference_view("organizer")
def delete_part(conference: Conference, kind: str, part_id: int):
    _part_page(kind)
    if attempt(lambda: services.delete_part(conference, kind, part_id)):
        flash(_("Deleted."), "success")
    return redirect(url_for("conferences.parts", slug=conference.slug, kind=kind))


@bp.route("/<slug>/members", methods=["GET", "POST"])
@conference_view("organizer")
def members(conference: Conference):
    form = MemberForm()

    def add_member():
        user = auth_services.find_user(form.email.data)
        if user is None:
            if not form.password.data:
                raise ValidationError(
                    _("No account has this e-mail yet; give an initial password."),
                    {"password": _("No account has this e-mail yet; give an initial password.")},
                )
            user = auth_services.create_user(
                form.email.data, form.password.data, form.name.data or ""
            )
        auth_services.set_membership(conference, user, form.role.data)
        return user

    if form.validate_on_submit() and (done := attempt(add_member, form)):
        flash(_("%(email)s is now a member.", email=done.value.email), "success")
        return redirect(url_for("conferences.members", slug=conference.slug))
    return _team_page(conference, form=form)


def _team_page(conference: Conference, form=None, token_form=None, new_token=None):
    memberships = auth_services.list_memberships(conference)
    if token_form is None:
        token_form = TokenForm(prefix="token", formdata=None)
        token_form.user_id.data = current_user.id
    token_form.user_id.choices = [
        (m.user_id, f"{m.user.name or m.user.email} · {m.user.email}") for m in memberships
    ]
    failed = bool((form and form.errors) or token_form.errors)
    return render_template(
        "conferences/members.html",
        conference=conference,
        form=form or MemberForm(formdata=None),
        token_form=token_form,
        new_token=new_token,
        memberships=memberships,
        tokens=auth_services.list_api_tokens(conference),
        token_role=auth_services.token_role,
    ), (422 if failed else 200)


@bp.route("/<slug>/tokens", methods=["POST"])
@conference_view("organizer")
def create_token(conference: Conference):
    """A new token, shown once on the answer to this request (never stored, never put in the
    session cookie or a redirect)."""
    token_form = TokenForm(prefix="token")
    token_form.user_id.choices = []
    new_token = None
    if token_form.validate_on_submit():
        done = attempt(
            lambda: auth_services.create_member_token(
                conference,
                token_form.user_id.data,
                token_form.role.data,
                token_form.label.data or "",
            ),
            token_form,
        )
        if done:
            row, new_token = done.value
            new_token = {"token": new_token, "row": row}
    return _team_page(conference, token_form=token_form, new_token=new_token)


@bp.route("/<slug>/members/<int:membership_id>/delete", methods=["POST"])
@conference_view("organizer")
def remove_member(conference: Conference, membership_id: int):
    if attempt(lambda: auth_services.remove_membership(conference, membership_id)):
        flash(_("Removed."), "success")
    return redirect(url_for("conferences.members", slug=conference.slug))


@bp.route("/<slug>/tokens/<int:token_id>/revoke", methods=["POST"])
@conference_view("organizer")
def revoke_token(conference: Conference, token_id: int):
    if attempt(lambda: auth_services.revoke_api_token(conference, token_id)):
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
@reads_only
def conference_home(slug: str):
    """The conference's public page: its own details, then each domain's section
    (registration buttons, the programme …)."""
    # The categories (the registration buttons), forums and the domains' facts (the latest
    # release …) read with the conference in one query; the sections ask little more.
    conference = extend.execute_with_preloads(_public_conference, slug=slug)
    if conference is None:
        abort(404)
    g.conference = conference
    sections = [Markup(render(conference)) for _order, render in extend.registry().public]
    return render_template("conferences/public.html", conference=conference, sections=sections)


def _public_conference():
    query = (
        select(Conference)
        .options(joinedload(Conference.categories), joinedload(Conference.forums))
        .where(Conference.slug == bindparam("slug"))
    )
    return query, Conference.id, None


def forums_section(conference: Conference) -> str:
    """The public page's list of forums."""
    return render_template("conferences/_forums.html", conference=conference)
