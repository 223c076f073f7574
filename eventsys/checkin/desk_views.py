"""The check-in desk: the scanner page (camera, USB scanner, manual code, search, offline
queue), its JSON endpoints, the live dashboard and the big-screen check-in wall.

The pages sit under ``/manage/<slug>/checkin/`` and use the session; the JSON endpoints
answer JSON even when refused (401, 403, 422), since the page's script reads them. They call
the check-in services; the decisions are all there.
"""

from __future__ import annotations

import gzip
import json
from functools import wraps
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from eventsys.auth.services import role_allows
from eventsys.checkin import dashboard, services
from eventsys.checkin import offline as checkin_offline
from eventsys.checkin.views import current_gate
from eventsys.conferences.access import conference_view
from eventsys.conferences.models import Conference
from eventsys.errors import DomainError, ValidationError
from eventsys.extensions import db
from eventsys.i18n import is_english, localized

bp = Blueprint("checkin_desk", __name__, url_prefix="/manage/<slug>/checkin")

# The scanner page alone may compile WebAssembly (the QR reader where the browser has no
# native BarcodeDetector); every other page keeps the site-wide policy.
SCANNER_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "style-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def desk_json(role: str):
    """Like ``conference_view(role)``, for the page's JSON endpoints: refusals and domain
    errors come back as JSON (``{"error", "message", "errors"}``), never as a page or a
    redirect to the sign-in form."""

    def decorator(view):
        guarded = conference_view(role)(view)

        @wraps(view)
        def wrapper(slug: str, **kwargs):
            if not current_user.is_authenticated:
                body = {"error": "unauthorized", "message": _("Sign in again.")}
                return jsonify(body), 401
            try:
                return guarded(slug, **kwargs)
            except DomainError as error:
                db.session.rollback()
                return jsonify(error.to_dict()), error.status
            except HTTPException as error:
                db.session.rollback()
                status = error.code or 500
                message = error.description if status == 403 else error.name
                return jsonify({"error": "refused", "message": message}), status

        return wrapper

    return decorator


def _json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError(_("Send a JSON object."))
    return data


def _is_staff() -> bool:
    return role_allows(g.get("conference_role"), "staff")


def status_labels() -> dict:
    """The scan answers in a word each, for the latest scans."""
    return {
        "ok": _("Admitted"),
        "already_checked_in": _("Already checked in"),
        "invalid": _("Invalid code"),
        "not_confirmed": _("Not confirmed"),
        "cancelled": _("Cancelled"),
        "not_allowed": _("Not allowed here"),
        "exit": _("Exit"),
        "reversal": _("Undone"),
        "offline": _("decided offline"),
    }


def _scanner_strings() -> dict:
    """What the page's script says, in the reader's language."""
    return {
        "online": _("Online"),
        "offline": _(
            "Offline: scans are decided on this device and kept until the network returns"
        ),
        "waiting": _("Scans waiting to upload: %(count)s", count="{count}"),
        "list_age": _(
            "Offline list: %(count)s people, downloaded %(time)s", count="{count}", time="{time}"
        ),
        "no_list": _("No offline list yet: scans cannot be decided without the network."),
        "choose_list": _("Choose a check-in list first."),
        "name_gate": _("Name this device (the gate)."),
        "camera_missing": _(
            "This browser does not let the page use the camera (it happens inside chat apps "
            "and on pages without https). Scan with the phone's own scanner instead (for "
            "example WeChat's Scan): it opens the attendee's check-in screen."
        ),
        "camera_refused": _(
            "The camera was refused. Allow it in the browser's settings, or scan with the "
            "phone's own scanner: it opens the attendee's check-in screen."
        ),
        "camera_start": _("Start the camera"),
        "camera_stop": _("Stop the camera"),
        "checkin": _("Check in"),
        "no_results": _("No one found."),
        "error": _("The server refused the scan."),
        "signed_out": _("You were signed out. Sign in again in this browser."),
        "conflicts": _("Conflicts reported by the server"),
        "offline_ok": _("Admitted (decided offline)."),
        "offline_duplicate": _("Already admitted on this device at %(time)s.", time="{time}"),
        "offline_invalid": _("Not a valid code for this list."),
        "offline_not_confirmed": _("Not confirmed: do not admit."),
        "offline_cancelled": _("Cancelled: do not admit."),
        "offline_not_allowed": _("This list does not admit this person."),
        "first_at": _("First checked in at %(time)s, %(gate)s", time="{time}", gate="{gate}"),
        "offline_tag": _("decided offline"),
        "conflict_line": _("%(name)s: admitted at %(gates)s", name="{name}", gates="{gates}"),
    }


@bp.route("/")
@conference_view("checkin")
def scanner(conference: Conference):
    """The operator's page: camera, USB scanner, manual code, search, offline queue."""
    lists = services.conference_lists(conference)
    chosen = current_gate(conference)
    config = {
        "conference": conference.slug,
        # the list and gate the /q/ screen uses (kept in the session), the page's defaults
        "chosen": {"list": chosen[0], "gate": chosen[1]} if chosen else None,
        "lists": [{"code": cl.code, "name": localized(cl, "name")} for cl in lists],
        "urls": {
            "scan": url_for(".scan", slug=conference.slug),
            "search": url_for(".search", slug=conference.slug),
            "offline": url_for(".offline_codes", slug=conference.slug),
            "upload": url_for(".upload", slug=conference.slug),
            "wasm": url_for("static", filename="vendor/barcode-detector/zxing_reader.wasm"),
            "reader": url_for("static", filename="vendor/barcode-detector/ponyfill.js"),
            "worker": url_for(".service_worker", slug=conference.slug),
            "gate": url_for("checkin_staff.choose_gate", slug=conference.slug),
        },
        "strings": _scanner_strings(),
        "locale": "en" if is_english() else "zh-CN",
    }
    response = current_app.make_response(
        render_template(
            "checkin/scanner.html",
            conference=conference,
            lists=lists,
            config=config,
            is_staff=_is_staff(),
        )
    )
    response.headers["Content-Security-Policy"] = SCANNER_CSP
    return response


@bp.route("/sw.js")
@conference_view("checkin")
def service_worker(conference: Conference):
    """The scanner page's service worker, served under the page's own path so that its scope
    covers the page: it keeps the page and its scripts for a reload without the network."""
    body = (Path(current_app.static_folder) / "js" / "checkin" / "service-worker.js").read_bytes()
    return Response(
        body,
        mimetype="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": request.path[:-5]},
    )


@bp.route("/scan", methods=["POST"])
@desk_json("checkin")
def scan(conference: Conference):
    """One scan from the page: ``{code, list, gate, nonce, type}`` → the check-in answer."""
    data = _json_body()
    scan = {
        "code": str(data.get("code") or "")[:500],
        "list_code": str(data.get("list") or ""),
        "gate": str(data.get("gate") or ""),
        "nonce": str(data.get("nonce") or ""),
        "type": str(data.get("type") or "entry"),
        "operator": current_user,
    }
    # PostgreSQL: one round trip, committed (as the API's scan endpoint).
    text = services.record_checkin_now(conference, **scan)
    if text is not None:
        return current_app.response_class(text, mimetype="application/json")
    answer = services.record_checkin(conference, **scan)
    db.session.commit()
    return jsonify(answer)


@bp.route("/search")
@desk_json("checkin")
def search(conference: Conference):
    """People by name, phone tail, e-mail or manual code, for a lost code."""
    q = (request.args.get("q") or "").strip()[:100]
    items = services.search_attendees(conference, q) if q else []
    return jsonify({"items": items})


@bp.route("/offline.json")
@desk_json("checkin")
def offline_codes(conference: Conference):
    """What a gate keeps to decide without the network (hashed codes, names, the rules),
    gzip-compressed when the browser accepts it."""
    codes = [c for c in (request.args.get("lists") or "").split(",") if c.strip()]
    body = json.dumps(
        checkin_offline.offline_list(conference, codes), ensure_ascii=False, separators=(",", ":")
    ).encode()
    headers = {"Cache-Control": "private, no-store", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        body = gzip.compress(body, compresslevel=6)
        headers["Content-Encoding"] = "gzip"
    return Response(body, mimetype="application/json", headers=headers)


@bp.route("/upload", methods=["POST"])
@desk_json("checkin")
def upload(conference: Conference):
    """The scans a gate decided while offline: recorded with their nonces (a repeated upload
    records nothing twice); the answer has each scan's result and the conflicts."""
    result = checkin_offline.record_offline_batch(
        conference, _json_body().get("scans"), current_user
    )
    db.session.commit()
    return jsonify(result)


@bp.route("/dashboard")
@conference_view("checkin")
def live(conference: Conference):
    """Checked in and inside per list and gate, arrivals, latest scans, no-shows."""
    return render_template(
        "checkin/dashboard.html",
        conference=conference,
        data=dashboard.dashboard_data(conference),
        status_labels=status_labels(),
    )


@bp.route("/dashboard.json")
@desk_json("checkin")
def live_data(conference: Conference):
    return jsonify(dashboard.dashboard_data(conference))


@bp.route("/wall")
@conference_view("checkin")
def wall(conference: Conference):
    """The hall's big screen (签到墙): the count and the latest arrivals."""
    return render_template(
        "checkin/wall.html", conference=conference, data=dashboard.wall_data(conference)
    )


@bp.route("/wall.json")
@desk_json("checkin")
def wall_data(conference: Conference):
    return jsonify(dashboard.wall_data(conference))
