"""Where a scanned code lands (``/q/<code>``), and the attendee's QR code as a picture.

A signed-in operator of the code's conference (check-in role or higher) gets the check-in
screen for that attendee: admit or deny in large type and a button that checks them in at the
operator's current list and gate. Anyone else gets the attendee's ticket page.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, Response, abort, g, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventsys.auth.services import role_allows, role_for
from eventsys.checkin import services as checkin_services
from eventsys.checkin.codes import checkin_code, qr_png, qr_svg
from eventsys.checkin.forms import GateForm, ScanForm
from eventsys.checkin.services import registration_for_code
from eventsys.conferences.models import Conference
from eventsys.errors import DomainError
from eventsys.extensions import db
from eventsys.registration import services as registration_services
from eventsys.registration.models import Registration
from eventsys.registration.views import status_message

bp = Blueprint("checkin", __name__)

# A code admits its holder in these states (pending: once approved).
TICKET_STATUSES = ("confirmed", "pending")
GATE_SESSION_KEY = "checkin_gate"


def ticket_qr(registration: Registration) -> str | None:
    """The inline SVG of the registration's QR code, or None when it admits no one."""
    if registration.status not in TICKET_STATUSES:
        return None
    return qr_svg(checkin_code(registration.checkin_token))


def current_gate(conference: Conference) -> tuple[str, str] | None:
    """The operator's current (list code, gate name) in this conference, if chosen and the
    list still exists."""
    chosen = (session.get(GATE_SESSION_KEY) or {}).get(conference.slug)
    if not chosen:
        return None
    codes = {cl.code for cl in checkin_services.conference_lists(conference)}
    if chosen.get("list") not in codes or not chosen.get("gate"):
        return None
    return chosen["list"], chosen["gate"]


def remember_gate(conference: Conference, list_code: str, gate: str) -> None:
    chosen = dict(session.get(GATE_SESSION_KEY) or {})
    chosen[conference.slug] = {"list": list_code, "gate": gate}
    session[GATE_SESSION_KEY] = chosen


def gate_form(conference: Conference, formdata=None) -> GateForm:
    form = GateForm(formdata=formdata)
    form.list_code.choices = [
        (cl.code, f"{cl.code} · {cl.name}") for cl in checkin_services.conference_lists(conference)
    ]
    if formdata is None:
        chosen = current_gate(conference)
        if chosen:
            form.list_code.data, form.gate.data = chosen
    return form


@bp.route("/q/<code>", methods=["GET", "POST"])
def scanned(code: str):
    """Where any phone's scanner lands: operators get the check-in screen, everyone else the
    ticket."""
    registration = registration_for_code(code)
    if registration is None:
        return render_template(
            "errors/error.html",
            status=404,
            message=_("This is not a valid ticket code of this system."),
        ), 404
    conference = registration.conference
    g.conference = conference
    role = role_for(current_user, conference)
    if not role_allows(role, "checkin"):
        if request.method == "POST":
            abort(403)
        return render_template(
            "checkin/scanned.html",
            registration=registration,
            conference=conference,
            status_message=status_message(registration.status),
        )
    g.conference_role = role
    return _operator_screen(conference, registration, code, role)


def _operator_screen(conference: Conference, registration: Registration, code: str, role: str):
    chosen = current_gate(conference)
    form = ScanForm()
    answer = None
    status = 200
    if request.method == "POST":
        if chosen is None:
            abort(409, description=_("Choose your check-in list and gate first."))
        if form.validate_on_submit():
            try:
                answer = checkin_services.record_checkin(
                    conference,
                    code=code,
                    list_code=chosen[0],
                    gate=chosen[1],
                    nonce=form.nonce.data,
                    type=form.type.data,
                    operator=current_user,
                )
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                answer = {"status": "invalid", "message": error.message}
                status = error.status
            answer["colour"] = checkin_services.answer_colour(answer["status"])
        else:
            status = 400
    preview = checkin_services.preview_checkin(
        conference, registration, chosen[0] if chosen else None
    )
    # A fresh nonce for the next press; the one just used makes a double tap harmless.
    form.nonce.data = secrets.token_urlsafe(12)
    form.type.data = "entry"
    return render_template(
        "checkin/operator.html",
        conference=conference,
        registration=registration,
        code=code,
        chosen=chosen,
        answer=answer,
        preview=preview,
        form=form,
        gate_form=gate_form(conference),
        can_see_registration=role_allows(role, "staff"),
        next_url=url_for("checkin.scanned", code=code),
    ), status


@bp.route("/r/<token>/qr.png")
def qr_image(token: str):
    """The attendee's QR code as a PNG to press and hold (chat apps block downloads)."""
    registration = registration_services.by_manage_token(token)
    if registration is None or registration.status not in TICKET_STATUSES:
        abort(404)
    png = qr_png(checkin_code(registration.checkin_token))
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=300"})
