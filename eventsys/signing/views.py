"""The signed-project pages under /manage/<slug>/signings/ (staff and organizers) and the
public big-screen counter /c/<slug>/signings/screen/<token>."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from eventsys.auth.services import role_allows, role_for
from eventsys.conferences.access import conference_view
from eventsys.conferences.models import Conference
from eventsys.errors import DomainError, ValidationError
from eventsys.extensions import db
from eventsys.signing import exports, imports, services
from eventsys.signing.forms import (
    ConfirmImportForm,
    FilterForm,
    ProjectForm,
    ScreenForm,
    SettingsForm,
    UploadForm,
)
from eventsys.signing.models import SigningSettings
from eventsys.signing.money import display_amount, display_wan, from_yuan, plain_wan
from eventsys.signing.rules import KIND_LABELS, ON_SITE_LABELS, STATUS_LABELS
from eventsys.text import clean_text
from eventsys.web import attempt

bp = Blueprint("signing", __name__, url_prefix="/manage")
screen_bp = Blueprint("signing_screen", __name__, url_prefix="/c")

PER_PAGE = 50
UPLOAD_MAX_AGE = 3600


@bp.context_processor
def signing_helpers():
    return {
        "display_wan": display_wan,
        "display_amount": display_amount,
        "from_yuan": from_yuan,
        "plain_wan": plain_wan,
        "kind_label": lambda kind: KIND_LABELS.get(kind, kind),
        "status_label": lambda status: STATUS_LABELS.get(status, status),
        "on_site_label": lambda on_site: ON_SITE_LABELS[bool(on_site)],
        "group_label": services.label_of,
        "field_label": lambda name: str(FIELD_LABELS.get(name, name)),
        "audit_value": _audit_value,
        "is_organizer": g.get("conference_role") == "organizer",
    }


FIELD_LABELS = {
    "key": _l("Key"),
    "title": _l("Project title"),
    "party_a": _l("Party A (甲方)"),
    "party_b": _l("Party B (乙方)"),
    "other_parties": _l("Further parties"),
    "region": _l("Region"),
    "city": _l("City"),
    "sector": _l("Sector"),
    "kind": _l("Kind"),
    "amount_yuan": _l("Amount (万元)"),
    "signed_on": _l("Date signed"),
    "forum_id": _l("Forum"),
    "session_id": _l("Session"),
    "status": _l("Status"),
    "on_site": _l("Signed on site"),
    "notes": _l("Notes"),
}


def _audit_value(name: str, value) -> str:
    """A value as the change log shows it: amounts in 万元, kinds and statuses by name."""
    if value is None or value == "":
        return "—"
    if name == "amount_yuan":
        return plain_wan(from_yuan(int(value)))
    if name == "kind":
        return str(KIND_LABELS.get(value, value))
    if name == "status":
        return str(STATUS_LABELS.get(value, value))
    if name == "on_site":
        return str(ON_SITE_LABELS[bool(value)])
    if name == "key" and str(value).startswith("h:"):
        return "—"
    return str(value)


def _actor() -> services.Actor:
    return services.Actor(current_user.id, current_user.email)


# --- the list ---------------------------------------------------------------------------------


@bp.route("/<slug>/signings/")
@conference_view("staff")
def index(conference: Conference):
    form = FilterForm(request.args)
    form.set_choices(conference, services.filter_choices(conference))
    filters = form.values()
    page = request.args.get("page", 1, type=int)
    found, running = services.project_page(conference, filters, page, PER_PAGE)
    args = {key: value for key, value in filters.items() if value}
    return render_template(
        "signing/index.html",
        conference=conference,
        form=form,
        items=found.items,
        page=found.page,
        pages=max(found.pages, 1),
        args=args,
        filtered=bool(args),
        running=running,
        totals=services.totals(conference.id),
    )


def _project_form(conference: Conference, obj=None) -> ProjectForm:
    data = None
    if obj is not None and request.method == "GET":
        data = services.project_values(obj)
        from datetime import date

        data["signed_on"] = date.fromisoformat(data["signed_on"])
    form = ProjectForm(data=data) if data else ProjectForm()
    if obj is None and request.method == "GET":
        form.signed_on.data = conference.starts_on
    form.set_choices(
        conference,
        services.filter_choices(conference)["sectors"],
        services.session_choices(conference),
    )
    return form


@bp.route("/<slug>/signings/new", methods=["GET", "POST"])
@conference_view("staff")
def new(conference: Conference):
    form = _project_form(conference)
    if form.validate_on_submit():
        done = attempt(lambda: services.create_project(conference, form.raw(), _actor()), form)
        if done:
            flash(_("Project recorded: %(title)s.", title=done.value.title), "success")
            if request.form.get("another"):
                return redirect(url_for("signing.new", slug=conference.slug))
            return redirect(url_for("signing.index", slug=conference.slug))
    status = 422 if form.errors or request.method == "POST" else 200
    return render_template(
        "signing/edit.html", conference=conference, form=form, project=None
    ), status


@bp.route("/<slug>/signings/<int:project_id>/edit", methods=["GET", "POST"])
@conference_view("staff")
def edit(conference: Conference, project_id: int):
    try:
        project = services.get_project(conference, project_id)
    except DomainError:
        abort(404)
    form = _project_form(conference, project)
    if form.validate_on_submit():
        done = attempt(
            lambda: services.update_project(conference, project_id, form.raw(), _actor()), form
        )
        if done:
            flash(_("Saved."), "success")
            return redirect(url_for("signing.index", slug=conference.slug))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "signing/edit.html",
        conference=conference,
        form=form,
        project=project,
        history=services.history(conference, project_id, limit=50),
    ), status


@bp.route("/<slug>/signings/<int:project_id>/delete", methods=["POST"])
@conference_view("staff")
def delete(conference: Conference, project_id: int):
    form = ScreenForm()
    if not form.validate_on_submit():
        abort(400)
    done = attempt(lambda: services.delete_project(conference, project_id, _actor()))
    if done:
        flash(_("Project deleted."), "success")
    return redirect(url_for("signing.index", slug=conference.slug))


@bp.route("/<slug>/signings/history")
@conference_view("staff")
def audit(conference: Conference):
    return render_template(
        "signing/history.html", conference=conference, entries=services.history(conference)
    )


# --- tallies ----------------------------------------------------------------------------------


@bp.route("/<slug>/signings/tallies")
@conference_view("staff")
def tallies(conference: Conference):
    return render_template(
        "signing/tallies.html",
        conference=conference,
        summary=services.summary(conference),
        forums={f.code: f for f in conference.forums},
    )


# --- exports ----------------------------------------------------------------------------------


@bp.route("/<slug>/signings/export.<fmt>")
@conference_view("staff")
def export(conference: Conference, fmt: str):
    if fmt not in exports.FORMATS:
        abort(404)
    form = FilterForm(request.args)
    form.set_choices(conference, services.filter_choices(conference))
    body = exports.export_bytes(conference, fmt, form.values())
    mimetype = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": exports.XLSX_MIMETYPE,
        "pdf": "application/pdf",
    }[fmt]
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f"attachment; filename={exports.filename(conference, fmt)}",
            "Cache-Control": "no-store",
        },
    )


# --- import: upload, preview, confirm -----------------------------------------------------------


def _upload_folder() -> Path:
    folder = Path(current_app.instance_path) / "signing-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.iterdir():
        try:
            if now - old.stat().st_mtime > UPLOAD_MAX_AGE:
                old.unlink()
        except OSError:
            pass
    return folder


def _upload_path(conference: Conference, token: str) -> Path | None:
    """The uploaded file a confirmation names: only this conference's, only our own names."""
    name, _sep, suffix = (token or "").partition(".")
    if suffix not in ("csv", "xlsx") or not name.replace("-", "").replace("_", "").isalnum():
        return None
    path = _upload_folder() / f"{conference.id}-{name}.{suffix}"
    return path if path.is_file() else None


@bp.route("/<slug>/signings/import", methods=["GET", "POST"])
@conference_view("staff")
def upload(conference: Conference):
    form = UploadForm()
    preview = error = None
    confirm = ConfirmImportForm()
    if form.validate_on_submit():
        uploaded = form.file.data
        original = Path(uploaded.filename or "").name or "upload"
        suffix = Path(original).suffix.lower()
        token = secrets.token_urlsafe(18) + suffix
        try:
            if suffix not in (".csv", ".xlsx"):
                raise ValidationError(
                    _("%(name)s: import a .csv or .xlsx file.", name=original),
                    {"file": _("unsupported format")},
                )
            path = _upload_folder() / f"{conference.id}-{token}"
            limit = imports.LIMITS.file_bytes
            data = uploaded.stream.read(limit + 1)
            if len(data) > limit:
                raise ValidationError(
                    _(
                        "%(name)s is too large to import (%(what)s); split it into smaller files.",
                        name=original,
                        what=_("more than %(n)s MB", n=limit // 2**20),
                    ),
                    {"file": _("too large")},
                )
            path.write_bytes(data)
            preview = imports.read_preview(conference, path, original)
            db.session.rollback()
            if not preview.rows:
                path.unlink(missing_ok=True)
            confirm.upload.data = token
        except DomainError as refused:
            db.session.rollback()
            error = refused
            Path(_upload_folder() / f"{conference.id}-{token}").unlink(missing_ok=True)
    status = 422 if error is not None else 200
    return render_template(
        "signing/import.html",
        conference=conference,
        form=form,
        confirm=confirm,
        preview=preview,
        error=error,
        columns=imports.COLUMNS,
    ), status


@bp.route("/<slug>/signings/import/confirm", methods=["POST"])
@conference_view("staff")
def confirm_import(conference: Conference):
    confirm = ConfirmImportForm()
    if not confirm.validate_on_submit():
        abort(400)
    path = _upload_path(conference, confirm.upload.data)
    if path is None:
        flash(_("The uploaded file is gone (it is kept for an hour). Upload it again."), "error")
        return redirect(url_for("signing.upload", slug=conference.slug))
    source = clean_text(request.form.get("source", ""), 200, "source", {})[:200] or path.name
    done = attempt(lambda: imports.import_file(conference, path, _actor(), source))
    if done:
        path.unlink(missing_ok=True)
        preview = done.value
        flash(
            _(
                "Imported %(n)s project(s), %(total)s; %(skipped)s row(s) already recorded "
                "were skipped.",
                n=len(preview.rows),
                total=display_wan(preview.total_wan) or "0",
                skipped=len(preview.skipped),
            ),
            "success",
        )
        return redirect(url_for("signing.index", slug=conference.slug))
    return redirect(url_for("signing.upload", slug=conference.slug))


# --- settings and the screen link ---------------------------------------------------------------


@bp.route("/<slug>/signings/settings", methods=["GET", "POST"])
@conference_view("organizer")
def settings(conference: Conference):
    current = services.settings_of(conference, create=False)
    form = SettingsForm()
    if request.method == "GET":
        form.sectors.data = "\n".join(current.sectors or []) if current else ""
        last = current.last_edition if current and current.last_edition_id else None
        form.last_edition.data = last.slug if last else ""
    if form.validate_on_submit():
        slug = (form.last_edition.data or "").strip()
        other = None
        if slug:
            other = db.session.execute(
                select(Conference).where(Conference.slug == slug)
            ).scalar_one_or_none()
            if other is None or not (
                current_user.is_admin or role_allows(role_for(current_user, other), "staff")
            ):
                form.last_edition.errors.append(
                    _("No conference with this short name that you are on the team of.")
                )
        if not form.last_edition.errors:

            def save():
                services.set_sectors(conference, (form.sectors.data or "").splitlines())
                services.set_last_edition(conference, other)

            if attempt(save, form):
                flash(_("Saved."), "success")
                return redirect(url_for("signing.settings", slug=conference.slug))
    return render_template("signing/settings.html", conference=conference, form=form), (
        422 if form.errors else 200
    )


@bp.route("/<slug>/signings/screen", methods=["GET", "POST"])
@conference_view("staff")
def screen_settings(conference: Conference):
    form = ScreenForm()
    if form.validate_on_submit():
        action = form.action.data
        if action in ("on", "off", "new"):
            current = services.settings_of(conference, create=False)
            enabled = action == "on" or (
                action == "new" and bool(current and current.screen_enabled)
            )
            attempt(lambda: services.set_screen(conference, enabled, new_link=action == "new"))
            forget_screens()
            flash(
                _("The big-screen link is on.") if enabled else _("The big-screen link is off."),
                "success",
            )
        return redirect(url_for("signing.screen_settings", slug=conference.slug))
    current = services.settings_of(conference, create=False)
    link = None
    if current is not None and current.screen_token:
        link = url_for(
            "signing_screen.screen",
            slug=conference.slug,
            token=current.screen_token,
            _external=True,
        )
    return render_template(
        "signing/screen_settings.html",
        conference=conference,
        form=form,
        settings=current,
        link=link,
    )


# --- the big screen ---------------------------------------------------------------------------


def _cache() -> dict:
    return current_app.extensions.setdefault("signing_screens", {})


def forget_screens() -> None:
    """This worker's cached screen answers go (a link switched off counts at once here;
    other workers within SCREEN_CACHE_SECONDS)."""
    _cache().clear()


def _screen_conference(slug: str, token: str):
    row = db.session.execute(
        select(Conference, SigningSettings)
        .join(SigningSettings, SigningSettings.conference_id == Conference.id)
        .where(Conference.slug == slug)
    ).first()
    if row is None:
        return None
    conference, settings = row
    if not (
        settings.screen_enabled
        and settings.screen_token
        and hmac.compare_digest(settings.screen_token.encode(), token.encode())
    ):
        return None
    return conference


def screen_payload(conference: Conference) -> dict:
    totals = services.totals(conference.id)
    yi = totals["total_wan"] / 10_000
    return {
        "count": totals["count"],
        "total_wan": format(totals["total_wan"], "f"),
        "total_display": totals["total_display"] or "0.00万元",
        "total_yi": f"{yi:,.2f}",
        "latest": services.latest(conference.id, 20),
    }


def _screen_answer(slug: str, token: str):
    """(status, body bytes, etag), cached in this worker for SCREEN_CACHE_SECONDS: 200 open
    screens polling every second cost about one query set per second per worker."""
    key = (slug, token[:100])
    cache = _cache()
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1:]
    conference = _screen_conference(slug, token)
    if conference is None:
        answer = (404, b'{"error": "not_found"}', "")
    else:
        body = json.dumps(screen_payload(conference), ensure_ascii=False).encode()
        answer = (200, body, '"' + hashlib.sha1(body).hexdigest()[:20] + '"')  # noqa: S324
    db.session.rollback()
    if len(cache) > 1000:
        cache.clear()
    cache[key] = (now + current_app.config.get("SCREEN_CACHE_SECONDS", 1.0), *answer)
    return answer


@screen_bp.route("/<slug>/signings/screen/<token>")
def screen(slug: str, token: str):
    conference = _screen_conference(slug, token)
    if conference is None:
        abort(404)
    response = Response(
        render_template(
            "signing/screen.html",
            conference=conference,
            data=screen_payload(conference),
            data_url=url_for("signing_screen.screen_data", slug=slug, token=token),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@screen_bp.route("/<slug>/signings/screen/<token>.json")
def screen_data(slug: str, token: str):
    status, body, etag = _screen_answer(slug, token)
    if status != 200:
        return Response(body, status=status, mimetype="application/json")
    if etag and etag in request.headers.get("If-None-Match", ""):
        response = Response(status=304)
    else:
        response = Response(body, mimetype="application/json")
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-cache"
    return response


def dashboard_section(conference: Conference) -> str:
    totals = services.totals(conference.id)
    return render_template("signing/_dashboard.html", conference=conference, totals=totals)
