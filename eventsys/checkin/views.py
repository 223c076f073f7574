"""Where a scanned code lands (``/q/<code>``), and the attendee's QR code as a picture."""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, render_template
from flask_babel import gettext as _
from flask_login import current_user

from eventsys.auth.services import role_allows, role_for
from eventsys.checkin.codes import checkin_code, qr_png, qr_svg
from eventsys.checkin.services import registration_for_code
from eventsys.registration import services as registration_services
from eventsys.registration.models import Registration
from eventsys.registration.views import status_message

bp = Blueprint("checkin", __name__)

# A code admits its holder in these states (pending: once approved).
TICKET_STATUSES = ("confirmed", "pending")


def ticket_qr(registration: Registration) -> str | None:
    """The inline SVG of the registration's QR code, or None when it admits no one."""
    if registration.status not in TICKET_STATUSES:
        return None
    return qr_svg(checkin_code(registration.checkin_token))


@bp.route("/q/<code>")
def scanned(code: str):
    """Where any phone's scanner lands: staff see who it is, everyone else the ticket."""
    registration = registration_for_code(code)
    if registration is None:
        return render_template(
            "errors/error.html",
            status=404,
            message=_("This is not a valid ticket code of this system."),
        ), 404
    conference = registration.conference
    g.conference = conference
    is_staff = role_allows(role_for(current_user, conference), "checkin")
    return render_template(
        "checkin/scanned.html",
        registration=registration,
        conference=conference,
        is_staff=is_staff,
        status_message=status_message(registration.status),
        qr=None if is_staff else ticket_qr(registration),
    )


@bp.route("/r/<token>/qr.png")
def qr_image(token: str):
    """The attendee's QR code as a PNG to press and hold (chat apps block downloads)."""
    registration = registration_services.by_manage_token(token)
    if registration is None or registration.status not in TICKET_STATUSES:
        abort(404)
    png = qr_png(checkin_code(registration.checkin_token))
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=300"})
