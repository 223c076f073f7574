"""The JSON API under /api/v1: parse, check the token, call a service, answer."""

from __future__ import annotations

import json
from decimal import Decimal

from flask import Blueprint, current_app, g, jsonify, request
from sqlalchemy.orm import joinedload

from eventsys.agenda import services as agenda_services
from eventsys.agenda import sessions as agenda_sessions
from eventsys.auth.services import resolve_api_token, role_allows
from eventsys.checkin import offline as checkin_offline
from eventsys.checkin import scan_log
from eventsys.checkin import services as checkin_services
from eventsys.checkin.codes import checkin_code
from eventsys.conferences import extend
from eventsys.conferences.access import api_conference
from eventsys.conferences.jsonio import export_conference
from eventsys.conferences.models import Conference
from eventsys.errors import Forbidden, ValidationError
from eventsys.extensions import db, limiter
from eventsys.registration import limits
from eventsys.registration import services as registration_services
from eventsys.registration.applicants import Applicant
from eventsys.registration.models import STATUSES, Registration
from eventsys.registration.notifications import manage_url
from eventsys.registration.services import mask_phone
from eventsys.schedule import conflicts as schedule_conflicts_rules
from eventsys.schedule import releases as schedule_releases
from eventsys.signing import services as signing_services
from eventsys.web import page_number

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def conference_summary(conference: Conference) -> dict:
    return {
        "slug": conference.slug,
        "title": conference.title,
        "title_en": conference.title_en,
        "starts_on": conference.starts_on.isoformat(),
        "ends_on": conference.ends_on.isoformat(),
        "timezone": conference.timezone,
        "venue": conference.venue,
        "venue_en": conference.venue_en,
        "categories": [
            {
                "code": c.code,
                "name": c.name,
                "name_en": c.name_en,
                "capacity": c.capacity,
                "requires_approval": c.requires_approval,
                "invite_only": c.invite_only,
            }
            for c in conference.categories
        ],
        "forums": [
            {"code": f.code, "name": f.name, "name_en": f.name_en} for f in conference.forums
        ],
        "rooms": [
            {"code": r.code, "name": r.name, "name_en": r.name_en, "capacity": r.capacity}
            for r in conference.rooms
        ],
    }


@bp.get("/conferences/<slug>")
@api_conference(None)
def get_conference(conference: Conference):
    return jsonify(conference_summary(conference))


@bp.get("/conferences/<slug>/export")
@api_conference("organizer")
def export(conference: Conference):
    """The whole conference as the JSON that load-conference reads."""
    return jsonify(export_conference(conference))


# --- registrations --------------------------------------------------------------------------


def _json_body() -> dict:
    """The request's JSON object (its strings were checked before the view: web.py)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError(
            "Send a JSON object with Content-Type: application/json.", {"body": "not JSON"}
        )
    return body


# The registration body's fields and the JSON types each may have (None: may be null).
_TEXT_FIELDS = ("category", "name", "email", "phone", "organization", "position", "invite_code")


def _registration_fields(body: dict) -> dict:
    """The fields of a registration body, each of the right JSON type, or one 422 naming
    every field of the wrong type (``"category": ["open"]`` is not a category)."""
    errors: dict[str, str] = {}
    values: dict = {}
    for key in _TEXT_FIELDS:
        value = body.get(key)
        if value is None:
            values[key] = ""
        elif isinstance(value, str):
            values[key] = value
        else:
            errors[key] = "must be a string"
    answers = body.get("answers")
    if answers is not None and not isinstance(answers, dict):
        errors["answers"] = "must be an object of answers by question code"
    elif isinstance(answers, dict):
        for code, answer in answers.items():
            if answer is not None and not isinstance(answer, str | bool | int | float | list):
                errors[f"answers.{code}"] = "must be a string, number, boolean or list"
            elif isinstance(answer, list) and not all(isinstance(a, str) for a in answer):
                errors[f"answers.{code}"] = "must be a list of strings"
    values["answers"] = answers or {}
    override = body.get("override_capacity", False)
    if override is not None and not isinstance(override, bool):
        errors["override_capacity"] = "must be true or false"
    values["override_capacity"] = bool(override)
    locale = body.get("locale")
    if locale is not None and not isinstance(locale, str):
        errors["locale"] = "must be a string"
    values["locale"] = locale if locale in ("zh_CN", "en") else "zh_CN"
    if errors:
        raise ValidationError("Please correct the marked fields.", errors)
    return values


def registration_item(registration: Registration) -> dict:
    """A list row; the phone masked, since a list does not need it in full."""
    return {
        "id": registration.id,
        "name": registration.name,
        "email": registration.email,
        "phone": mask_phone(registration.phone),
        "organization": registration.organization,
        "position": registration.position,
        "category": registration.category.code,
        "status": registration.status,
        "checkin_code": checkin_code(registration.checkin_token),
        "created_at": registration.created_at.isoformat(),
    }


def _has_staff_token() -> bool:
    """A staff (or organizer) token of the conference in the URL: not held to the public
    rate limits (api_conference still checks the token for the request itself)."""
    scheme, _sep, text = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not text.strip():
        return False
    # Both limits ask; the token is looked up once per request.
    if "has_staff_token" not in g:
        token = resolve_api_token(text.strip())
        slug = (request.view_args or {}).get("slug")
        g.has_staff_token = (
            token is not None and token.conference.slug == slug and role_allows(token.role, "staff")
        )
    return g.has_staff_token


@bp.post("/conferences/<slug>/registrations")
@limits.per_address(exempt_when=_has_staff_token)
@limits.per_conference(exempt_when=_has_staff_token)
@api_conference("staff", optional=True, load=(joinedload(Conference.categories),), preload=True)
def create_registration(conference: Conference):
    body = _json_body()
    fields = _registration_fields(body)
    by_staff = g.api_role is not None
    override = fields["override_capacity"]
    if override and g.api_role != "organizer":
        raise Forbidden("Only an organizer token may override capacity.")
    applicant = Applicant(
        category=fields["category"],
        name=fields["name"],
        email=fields["email"],
        phone=fields["phone"],
        organization=fields["organization"],
        position=fields["position"],
        answers=fields["answers"],
        invite_code=fields["invite_code"],
        locale=fields["locale"],
    )
    registration = registration_services.register(
        conference,
        applicant,
        source="api",
        by_staff=by_staff,
        override_capacity=override,
    )
    # The other domains' keys of the body (``forums`` …), in the same transaction.
    extend.accept_registration_sections(registration, body.get, by_staff=by_staff)
    # Read before the commit: afterwards the row is expired and reading it is a query.
    answer = {
        "id": registration.id,
        "status": registration.status,
        "manage_url": manage_url(registration),
    }
    db.session.commit()
    return jsonify(answer), 201


@bp.get("/conferences/<slug>/registrations")
@api_conference("staff")
def list_registrations(conference: Conference):
    args = request.args
    errors = {}
    status = args.get("status", "")
    if status and status not in STATUSES:
        errors["status"] = f"one of {', '.join(STATUSES)}"
    page = page_number(args.get("page", "1"), "page", errors)
    per_page = page_number(args.get("per_page", "50"), "per_page", errors, largest=500)
    if errors:
        raise ValidationError("Invalid query parameters.", errors)
    items, total = registration_services.search_registrations(
        conference,
        q=args.get("q", ""),
        status=status,
        category=args.get("category", ""),
        page=page,
        per_page=per_page,
    )
    return jsonify(
        {
            "items": [registration_item(r) for r in items],
            "total": total,
            "page": page,
            "per_page": per_page,
        }
    )


@bp.post("/conferences/<slug>/registrations/<int:registration_id>/approve")
@api_conference("staff")
def approve_registration(conference: Conference, registration_id: int):
    registration = registration_services.get_registration(conference, registration_id)
    registration = registration_services.approve(registration)
    db.session.commit()
    return jsonify({"id": registration.id, "status": registration.status})


def _free_a_seat(conference: Conference, registration_id: int, action, status: str):
    """Reject or cancel; the answer names the first person promoted from the waitlist."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):  # no body, or not an object: no reason
        body = {}
    reason = body.get("reason") or ""
    if not isinstance(reason, str):
        raise ValidationError("Please correct the marked fields.", {"reason": "must be a string"})
    registration = registration_services.get_registration(conference, registration_id)
    promoted = action(registration, reason)
    db.session.commit()
    return jsonify(
        {"id": registration_id, "status": status, "promoted": promoted[0].id if promoted else None}
    )


@bp.post("/conferences/<slug>/registrations/<int:registration_id>/reject")
@api_conference("staff")
def reject_registration(conference: Conference, registration_id: int):
    return _free_a_seat(conference, registration_id, registration_services.reject, "rejected")


@bp.post("/conferences/<slug>/registrations/<int:registration_id>/cancel")
@api_conference("staff")
def cancel_registration(conference: Conference, registration_id: int):
    return _free_a_seat(conference, registration_id, registration_services.cancel, "cancelled")


# --- check-in ---------------------------------------------------------------------------------


def _operator():
    return g.api_token.user if g.api_token is not None else None


@bp.post("/conferences/<slug>/checkins")
@api_conference("checkin", cached=True)
def record_checkin(conference: Conference):
    """One scan: ``{code, list, gate, nonce, type}`` → the contract's answer (200 for every
    decided scan, whatever its status; 422 for an unknown list or a missing gate or nonce)."""
    body = _json_body()
    missing = {
        key: "required" for key in ("code", "list", "gate", "nonce") if body.get(key) in (None, "")
    }
    if "code" in missing:
        raise ValidationError("code, list, gate and nonce are required.", missing)
    # PostgreSQL: one round trip, committed, the answer as the database wrote it.
    text = checkin_services.record_checkin_now(
        conference,
        code=body.get("code"),
        list_code=body.get("list"),
        gate=body.get("gate"),
        nonce=body.get("nonce"),
        type=body.get("type") or "entry",
        operator=_operator(),
        token=g.api_token,
    )
    if text is not None:
        return current_app.response_class(text, mimetype="application/json")
    answer = checkin_services.record_checkin(
        conference,
        code=body.get("code"),
        list_code=body.get("list"),
        gate=body.get("gate"),
        nonce=body.get("nonce"),
        type=body.get("type") or "entry",
        operator=_operator(),
        token=g.api_token,
    )
    db.session.commit()
    return jsonify(answer)


# The scan endpoint has no rate limit: a token's gates send hundreds of scans a second on the
# opening morning, each authenticated. Finding that out cost Flask-Limiter about a seventh
# of a scan's Python (profiled, docs/PERFORMANCE.md), so it is told to skip the endpoint. A
# limit added to it later must remove this filter (tests/checkin/test_pg_scan.py checks).
SCAN_ENDPOINT = "api.record_checkin"


@limiter.request_filter
def _scans_skip_the_limiter() -> bool:
    return request.endpoint == SCAN_ENDPOINT


@bp.get("/conferences/<slug>/checkins/stats")
@api_conference("checkin")
def checkin_stats(conference: Conference):
    return jsonify(scan_log.checkin_stats(conference))


@bp.get("/conferences/<slug>/checkins/search")
@api_conference("checkin")
def search_attendees(conference: Conference):
    """``?q=`` a name, e-mail, phone tail (>= 4 digits) or manual code; phones masked."""
    return jsonify(
        {"items": checkin_services.search_attendees(conference, request.args.get("q", ""))}
    )


@bp.get("/conferences/<slug>/checkins/offline")
@api_conference("checkin")
def offline_list(conference: Conference):
    """``?list=main&list=hall`` (none: every list): what a gate needs to decide offline."""
    lists = [code for code in request.args.getlist("list") if code]
    return jsonify(checkin_offline.offline_list(conference, lists))


@bp.post("/conferences/<slug>/checkins/offline")
@api_conference("checkin")
def upload_offline_scans(conference: Conference):
    """``{scans: [{code, list, gate, nonce, type, scanned_at, local_status}]}`` →
    ``{recorded, results, conflicts}``."""
    body = _json_body()
    result = checkin_offline.record_offline_batch(
        conference, body.get("scans"), operator=_operator(), token=g.api_token
    )
    db.session.commit()
    return jsonify(result)


@bp.get("/conferences/<slug>/checkins/recent")
@api_conference("checkin")
def recent_scans(conference: Conference):
    errors: dict = {}
    limit = page_number(request.args.get("limit", "20"), "limit", errors, largest=500)
    if errors:
        raise ValidationError("Invalid query parameters.", errors)
    return jsonify({"items": scan_log.recent_scans(conference, limit)})


@bp.post("/conferences/<slug>/checkins/<int:checkin_id>/undo")
@api_conference("staff")
def undo_checkin(conference: Conference, checkin_id: int):
    reversal = scan_log.undo_checkin(conference, checkin_id, _operator(), role=g.api_role)
    db.session.commit()
    return jsonify(reversal)


# --- signed projects ------------------------------------------------------------------------

_SIGNING_FIELDS = (
    "title",
    "party_a",
    "party_b",
    "other_parties",
    "region",
    "city",
    "sector",
    "kind",
    "amount_wan",
    "forum",
    "session",
    "signed_on",
    "status",
    "on_site",
    "notes",
    "key",
)


def _signing_body() -> dict:
    """The JSON object with numbers read as exact decimals (``amount_wan: 1234.5`` is never a
    float), each field of a usable JSON type."""
    try:
        body = json.loads(request.get_data(as_text=True) or "null", parse_float=Decimal)
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise ValidationError(
            "Send a JSON object with Content-Type: application/json.", {"body": "not JSON"}
        )
    errors = {}
    raw = {}
    for key in _SIGNING_FIELDS:
        value = body.get(key)
        if key == "on_site":
            if value is not None and not isinstance(value, bool):
                errors[key] = "must be true or false"
        elif key == "amount_wan":
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, str | int | Decimal)
            ):
                errors[key] = "must be a decimal string or number"
        elif value is not None and not isinstance(value, str):
            errors[key] = "must be a string"
        raw[key] = value
    if errors:
        raise ValidationError("Please correct the marked fields.", errors)
    return raw


def _signing_actor():
    token = g.api_token
    return signing_services.Actor(token.user.id if token is not None else None, "API token")


@bp.post("/conferences/<slug>/signings")
@api_conference("staff")
def create_signing(conference: Conference):
    project = signing_services.create_project(conference, _signing_body(), _signing_actor())
    db.session.commit()
    return jsonify({"id": project.id}), 201


def _signing_item(project) -> dict:
    values = signing_services.project_values(project)
    values["key"] = project.key
    return {"id": project.id, **values}


@bp.get("/conferences/<slug>/signings")
@api_conference("staff")
def list_signings(conference: Conference):
    errors = {}
    page = page_number(request.args.get("page", "1"), "page", errors)
    per_page = page_number(request.args.get("per_page", "50"), "per_page", errors, largest=500)
    if errors:
        raise ValidationError("Please correct the marked fields.", errors)
    filters = {key: request.args.get(key, "") for key in signing_services.FILTERS}
    found, running = signing_services.project_page(conference, filters, page, per_page)
    return jsonify(
        {
            "items": [_signing_item(p) for p in found.items],
            "total": running["count"],
            "total_wan": format(running["total_wan"], "f"),
            "page": found.page,
            "per_page": per_page,
        }
    )


# --- the timetable -------------------------------------------------------------------------


@bp.get("/conferences/<slug>/schedule/conflicts")
@api_conference("staff")
def schedule_conflicts(conference: Conference):
    """The draft timetable's warnings: ``{conflicts: [{type, sessions: [codes], detail}]}``
    (types room_overlap, speaker_double_booked, capacity_exceeds_room, outside_conference,
    crosses_midnight)."""
    found = schedule_conflicts_rules.find_conflicts(conference)
    return jsonify(
        {
            "conflicts": [
                {"type": c["type"], "sessions": c["sessions"], "detail": c["detail"]} for c in found
            ]
        }
    )


@bp.route("/conferences/<slug>/signings/<int:project_id>", methods=["PUT", "PATCH"])
@api_conference("staff")
def update_signing(conference: Conference, project_id: int):
    body = _signing_body()
    if request.method == "PATCH":
        current = signing_services.project_values(
            signing_services.get_project(conference, project_id)
        )
        body = {**current, **{k: v for k, v in body.items() if v is not None}}
    project = signing_services.update_project(conference, project_id, body, _signing_actor())
    db.session.commit()
    return jsonify(_signing_item(project))


@bp.delete("/conferences/<slug>/signings/<int:project_id>")
@api_conference("staff")
def delete_signing(conference: Conference, project_id: int):
    signing_services.delete_project(conference, project_id, _signing_actor())
    db.session.commit()
    return "", 204


@bp.get("/conferences/<slug>/signings/tally")
@api_conference("staff")
def signing_tally(conference: Conference):
    by = request.args.get("by", "region")
    status = request.args.get("status", "signed")
    if status not in ("signed", "intent", "all"):
        raise ValidationError(
            "Please correct the marked fields.", {"status": "signed, intent or all"}
        )
    result = signing_services.tally(conference, by, None if status == "all" else status)
    result.pop("by", None)
    return jsonify(result)


@bp.post("/conferences/<slug>/schedule/releases")
@api_conference("organizer")
def publish_schedule(conference: Conference):
    """Publish the draft: ``{version?, comment?}`` → 201 ``{version, number, changes}``;
    409 ``nothing_to_publish`` when nothing changed."""
    data = request.get_json(silent=True)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationError("Send a JSON object.")
    version, comment = data.get("version"), data.get("comment", "")
    errors = {
        key: "must be a string"
        for key, value in (("version", version), ("comment", comment))
        if value is not None and not isinstance(value, str)
    }
    if errors:
        raise ValidationError("Please correct the marked fields.", errors)
    release = schedule_releases.publish(conference, version, comment=comment or "")
    db.session.commit()
    return jsonify(
        {
            "version": release.version,
            "number": release.number,
            "changes": [
                {"code": c["code"], "change": c["change"], "title": c["title"]}
                for c in release.changes
            ],
        }
    ), 201


# --- sessions: enrollment, forums: choices (agenda) -------------------------------------------


def _session_summary(session, enrolled: int) -> dict:
    return {
        "code": session.code,
        "title": session.title,
        "title_en": session.title_en,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "capacity": session.capacity,
        "enrolled": enrolled,
        "left": None if session.capacity is None else max(session.capacity - enrolled, 0),
        "cancelled": agenda_sessions.is_cancelled(session),
    }


@bp.get("/conferences/<slug>/enrollments")
@api_conference("staff")
def enrollment_headcounts(conference: Conference):
    """Headcounts: every session that needs enrollment, every forum with its choices."""
    counts = agenda_services.session_headcounts(conference)
    sessions = [
        _session_summary(s, counts.get(s.id, 0))
        for s in agenda_sessions.sessions_to_enroll(conference)
    ]
    settings = agenda_services.forum_settings(conference)
    forums = [
        {
            "code": p.forum.code,
            "name": p.forum.name,
            "name_en": p.forum.name_en,
            "limit": p.capacity,
            "chosen": p.chosen,
            "left": p.left,
        }
        for p in agenda_services.forum_places(conference)
    ]
    return jsonify(
        {
            "sessions": sessions,
            "forum_choice": {"mode": settings.mode, "max_choices": settings.max_choices},
            "forums": forums,
        }
    )


@bp.get("/conferences/<slug>/sessions/<code>/enrollments")
@api_conference("staff")
def session_enrollments(conference: Conference, code: str):
    session = agenda_services.find_session(conference, code)
    pairs = agenda_services.enrolled_in(session)
    return jsonify(
        {
            "session": _session_summary(session, len(pairs)),
            "items": [
                {
                    "registration_id": r.id,
                    "name": r.name,
                    "organization": r.organization,
                    "phone": mask_phone(r.phone),
                    "status": r.status,
                    "enrolled_at": e.created_at.isoformat(),
                }
                for e, r in pairs
            ],
            "total": len(pairs),
        }
    )


@bp.post("/conferences/<slug>/sessions/<code>/enrollments")
@api_conference("staff")
def enroll_in_session(conference: Conference, code: str):
    """Enroll an attendee (``{"registration": id}``): 201, or 200 when already enrolled."""
    body = _json_body()
    registration_id = body.get("registration")
    if not isinstance(registration_id, int) or isinstance(registration_id, bool):
        raise ValidationError(
            "Please correct the marked fields.", {"registration": "a registration id (number)"}
        )
    session = agenda_services.find_session(conference, code)
    registration = agenda_services.get_registration(conference, registration_id)
    enrolled = agenda_services.enroll(registration, session)
    db.session.commit()
    count = agenda_services.session_headcounts(conference).get(session.id, 0)
    return jsonify(
        {
            "registration_id": registration.id,
            "session": _session_summary(session, count),
            "created": enrolled.created,
            "clashes": [s.code for s in enrolled.clashes],
        }
    ), (201 if enrolled.created else 200)


@bp.delete("/conferences/<slug>/sessions/<code>/enrollments/<int:registration_id>")
@api_conference("staff")
def withdraw_from_session(conference: Conference, code: str, registration_id: int):
    session = agenda_services.find_session(conference, code)
    registration = agenda_services.get_registration(conference, registration_id)
    withdrawn = agenda_services.withdraw(registration, session)
    db.session.commit()
    return jsonify({"registration_id": registration_id, "withdrawn": withdrawn})


@bp.put("/conferences/<slug>/registrations/<int:registration_id>/forums")
@api_conference("staff")
def set_forums(conference: Conference, registration_id: int):
    """Set the forums a registration chose (``{"forums": [codes]}``), within the limits."""
    body = _json_body()
    codes = agenda_services.forum_codes(body.get("forums"))
    registration = agenda_services.get_registration(conference, registration_id)
    forums = agenda_services.choose_forums(registration, codes, by_staff=True)
    db.session.commit()
    return jsonify({"registration_id": registration_id, "forums": [f.code for f in forums]})
