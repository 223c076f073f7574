"""The operator's choice of list and gate, and for staff the scan log: undo, export."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventsys.checkin import scan_log as scans
from eventsys.checkin.models import CHECKIN_STATUSES
from eventsys.checkin.views import gate_form, remember_gate
from eventsys.conferences.access import conference_view
from eventsys.conferences.models import Conference
from eventsys.i18n import local_datetime
from eventsys.registration import exports
from eventsys.web import attempt

bp = Blueprint("checkin_staff", __name__, url_prefix="/manage")

PER_PAGE = 100


def _safe_next(default: str) -> str:
    target = request.values.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


@bp.route("/<slug>/checkin/gate", methods=["GET", "POST"])
@conference_view("checkin")
def choose_gate(conference: Conference):
    """The operator's current check-in list and gate (this device's name), kept in the
    session for the /q/ screen."""
    form = gate_form(conference, request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        remember_gate(conference, form.list_code.data, form.gate.data.strip())
        flash(
            _(
                "Scans from this device now go to %(list)s at %(gate)s.",
                list=form.list_code.data,
                gate=form.gate.data.strip(),
            ),
            "success",
        )
        return redirect(_safe_next(url_for("checkin_staff.choose_gate", slug=conference.slug)))
    return render_template(
        "checkin/gate.html",
        conference=conference,
        gate_form=form,
        next_url=_safe_next(""),
    ), (422 if form.errors else 200)


@bp.route("/<slug>/checkin/scans")
@conference_view("staff")
def scan_log(conference: Conference):
    """Every scan, newest first, with undo for admissions and exports."""
    status = request.args.get("status", "")
    if status not in CHECKIN_STATUSES:
        status = ""
    q = request.args.get("q", "")[:100]
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    items, total = scans.scan_log(conference, page, PER_PAGE, status=status, q=q)
    pages = max(1, (total + PER_PAGE - 1) // PER_PAGE)
    for item in items:
        item["scanned_at_local"] = local_datetime(
            datetime.fromisoformat(item["scanned_at"]), conference.tz, "%m-%d %H:%M:%S"
        )
    return render_template(
        "checkin/scans.html",
        conference=conference,
        items=items,
        total=total,
        page=page,
        pages=pages,
        status=status,
        q=q,
        statuses=CHECKIN_STATUSES,
    )


@bp.route("/<slug>/checkin/scans/<int:checkin_id>/undo", methods=["POST"])
@conference_view("staff")
def undo(conference: Conference, checkin_id: int):
    done = attempt(lambda: scans.undo_checkin(conference, checkin_id, current_user))
    if done:
        flash(_("Check-in undone."), "success")
    return redirect(_safe_next(url_for("checkin_staff.scan_log", slug=conference.slug)))


def _export(conference: Conference, extension: str) -> Response:
    headers, rows = scans.scan_log_table(conference)
    filename = exports.export_filename(conference, extension, what="checkins")
    return exports.spreadsheet_response(headers, rows, extension, filename, title=_("Check-ins"))


@bp.route("/<slug>/checkin/scans.<any(csv, xlsx):extension>")
@conference_view("staff")
def export_scans(conference: Conference, extension: str):
    return _export(conference, extension)


def dashboard_section(conference: Conference) -> str:
    """The overview's check-in card: checked in, inside, per list."""
    stats = scans.checkin_stats(conference)
    return render_template("checkin/_dashboard.html", conference=conference, stats=stats)
