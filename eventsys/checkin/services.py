"""Check-in rules: the lists, looking up a scanned code, and deciding a scan.

A scan is decided in one transaction with the attendee's registration row locked
(``SELECT … FOR UPDATE``), so two gates scanning the same code at the same moment queue on
that row and only the first is admitted; the unique constraints on ``checkin_states``
(one per list and person) and ``checkins`` (one per nonce) back "only once" in the database.
Every scan is kept as a ``Checkin`` row with the answer it got; a repeated nonce returns that
answer and records nothing.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from eventsys.checkin.codes import parse_checkin_code
from eventsys.checkin.models import Checkin, CheckinList, CheckinState
from eventsys.conferences.models import Conference
from eventsys.db_types import utcnow
from eventsys.errors import Conflict, ValidationError
from eventsys.extensions import db
from eventsys.i18n import local_datetime, localized
from eventsys.registration.models import MANUAL_CODE_ALPHABET, MANUAL_CODE_LENGTH, Registration
from eventsys.schedule.models import ScheduleSession

SCAN_TYPES = ("entry", "exit")
MAX_CODE_LENGTH = 2000
MAX_GATE_LENGTH = 100
MAX_NONCE_LENGTH = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MANUAL_IGNORED = re.compile(r"[\s\-]+")
_MANUAL_RE = re.compile(f"[{MANUAL_CODE_ALPHABET}]{{{MANUAL_CODE_LENGTH}}}")


def find_session(conference: Conference, code: str | None) -> ScheduleSession | None:
    """The conference's session with this code; None for no code; refuses an unknown one."""
    if not code:
        return None
    session = db.session.execute(
        select(ScheduleSession).where(
            ScheduleSession.conference_id == conference.id, ScheduleSession.code == code
        )
    ).scalar_one_or_none()
    if session is None:
        raise ValidationError(
            _("session: no session with code %(session_code)s.", session_code=code),
            {"session": _("no such session")},
        )
    return session


def list_values(conference: Conference, values: dict) -> dict:
    """A check-in list's form values as columns: the session's code becomes its id."""
    values = dict(values)
    if "session" in values:
        session = find_session(conference, values.pop("session"))
        values["session_id"] = session.id if session else None
    return values


def registration_for_code(text: str) -> Registration | None:
    """The registration whose QR code (or its last part) this is; None for anything else,
    forged codes included (refused before any look-up)."""
    token = parse_checkin_code(text)
    if token is None:
        return None
    return db.session.execute(
        select(Registration).where(Registration.checkin_token == token)
    ).scalar_one_or_none()


def normalize_manual_code(text: str) -> str | None:
    """A typed manual code in its stored form (any case, spaces and dashes ignored), or None
    when the text cannot be one."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    code = _MANUAL_IGNORED.sub("", text).upper()
    return code if _MANUAL_RE.fullmatch(code) else None


def _registration_condition(conference: Conference, code) -> list | None:
    """The WHERE clause that finds the registration a scanned text names in this conference,
    or None when the text is no code at all (nothing to look up)."""
    if not isinstance(code, str) or not code or len(code) > MAX_CODE_LENGTH:
        return None
    token = parse_checkin_code(code)
    if token is not None:
        return [Registration.conference_id == conference.id, Registration.checkin_token == token]
    manual = normalize_manual_code(code)
    if manual is not None:
        return [Registration.conference_id == conference.id, Registration.manual_code == manual]
    return None


def find_list(conference: Conference, list_code) -> CheckinList:
    """The conference's check-in list with this code; a ValidationError naming ``list``."""
    if not isinstance(list_code, str) or not list_code.strip():
        raise ValidationError(_("Choose a check-in list."), {"list": _("required")}, code="invalid")
    found = db.session.execute(
        select(CheckinList).where(
            CheckinList.conference_id == conference.id, CheckinList.code == list_code.strip()
        )
    ).scalar_one_or_none()
    if found is None:
        raise ValidationError(
            _("list: no check-in list with code %(code)s.", code=list_code[:64]),
            {"list": _("no such check-in list")},
        )
    return found


def _device_text(value, field: str, max_len: int, errors: dict) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        errors[field] = _("required")
        return ""
    if not isinstance(value, str):
        errors[field] = _("must be text")
        return ""
    value = unicodedata.normalize("NFC", value).strip()
    if len(value) > max_len:
        errors[field] = _("at most %(n)s characters", n=max_len)
    elif _CONTROL.search(value):
        errors[field] = _("contains invisible control characters")
    return value


def _check_scan_fields(gate, nonce, type) -> tuple[str, str]:
    errors: dict[str, str] = {}
    gate = _device_text(gate, "gate", MAX_GATE_LENGTH, errors)
    nonce = _device_text(nonce, "nonce", MAX_NONCE_LENGTH, errors)
    if type not in SCAN_TYPES:
        errors["type"] = _("entry or exit")
    if errors:
        raise ValidationError(_("The scan is incomplete or malformed."), errors)
    return gate, nonce


def registration_answer(registration: Registration | None) -> dict | None:
    if registration is None:
        return None
    return {
        "id": registration.id,
        "name": registration.name,
        "organization": registration.organization,
        "category": registration.category.code,
        "category_name": localized(registration.category, "name"),
        "status": registration.status,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _by_nonce(conference: Conference, nonce: str) -> Checkin | None:
    return db.session.execute(
        select(Checkin).where(Checkin.conference_id == conference.id, Checkin.nonce == nonce)
    ).scalar_one_or_none()


def _decide(
    conference: Conference,
    checkin_list: CheckinList,
    registration: Registration | None,
    state: CheckinState | None,
    type: str,
    when: datetime,
) -> tuple[str, str]:
    """(status, message) for a scan: the rules, in the order a desk would apply them."""
    tz = conference.tz
    if registration is None:
        return "invalid", _("Not a valid code for this conference: do not admit.")
    if registration.status in ("cancelled", "rejected"):
        if registration.status == "cancelled":
            return "cancelled", _("Registration cancelled: do not admit.")
        return "cancelled", _("Registration rejected: do not admit.")
    if registration.status == "pending":
        return "not_confirmed", _("Pending approval: do not admit.")
    if registration.status == "waitlisted":
        return "not_confirmed", _("On the waitlist: do not admit.")
    if type == "exit":
        if state is None:
            return "not_allowed", _("Not checked in on this list: no exit to record.")
        return "ok", _("Exit recorded.")
    allowed = checkin_list.categories
    if allowed and registration.category_id not in {c.id for c in allowed}:
        return "not_allowed", _(
            "%(category)s may not enter here: do not admit.",
            category=localized(registration.category, "name"),
        )
    if checkin_list.opens_at is not None and when < checkin_list.opens_at:
        return "not_allowed", _(
            "This list opens at %(time)s: do not admit yet.",
            time=local_datetime(checkin_list.opens_at, tz),
        )
    if checkin_list.closes_at is not None and when > checkin_list.closes_at:
        return "not_allowed", _(
            "This list closed at %(time)s: do not admit.",
            time=local_datetime(checkin_list.closes_at, tz),
        )
    if state is None:
        return "ok", _("Admit.")
    if not state.inside and checkin_list.allow_reentry:
        return "ok", _("Admit: re-entry.")
    return "already_checked_in", _(
        "Already checked in at %(time)s at %(gate)s: do not admit again.",
        time=local_datetime(state.first_checked_in_at, tz, "%H:%M"),
        gate=state.first_gate,
    )


def record_checkin(
    conference: Conference,
    *,
    code: str,
    list_code: str,
    gate: str,
    nonce: str,
    type: str = "entry",
    operator=None,
    token=None,
    offline: bool = False,
    scanned_at: datetime | None = None,
) -> dict:
    """Decide one scan and record it; the contract's answer.

    ``code``: the scanned text (the whole URL, its last part, or a typed manual code).
    A repeated ``nonce`` returns the first answer and records nothing. Refuses (ValidationError)
    an unknown list, a missing gate or nonce and an unknown type; every other input, however
    malformed, is a scan answered ``invalid``.
    """
    gate, nonce = _check_scan_fields(gate, nonce, type)
    checkin_list = find_list(conference, list_code)
    earlier = _by_nonce(conference, nonce)
    if earlier is not None:
        return earlier.answer
    now = utcnow()
    when = scanned_at if scanned_at is not None else now
    registration = None
    condition = _registration_condition(conference, code)
    if condition is not None:
        # The row lock: concurrent scans of this person wait here for each other.
        registration = db.session.execute(
            select(Registration).where(*condition).with_for_update()
        ).scalar_one_or_none()
    state = None
    if registration is not None:
        state = db.session.execute(
            select(CheckinState).where(
                CheckinState.list_id == checkin_list.id,
                CheckinState.registration_id == registration.id,
            )
        ).scalar_one_or_none()
    status, message = _decide(conference, checkin_list, registration, state, type, when)
    new_state = None
    if status == "ok":
        if state is None:
            state = new_state = CheckinState(
                conference_id=conference.id,
                list_id=checkin_list.id,
                registration_id=registration.id,
                first_checked_in_at=when,
                first_gate=gate,
                inside=True,
                last_scan_at=when,
            )
        else:
            state.inside = type == "entry"
            state.last_scan_at = when
    answer = {
        "status": status,
        "registration": registration_answer(registration),
        "first_checked_in_at": _iso(state.first_checked_in_at) if state else None,
        "first_gate": state.first_gate if state else None,
        "message": message,
        "list": checkin_list.code,
        "type": type,
    }
    row = Checkin(
        conference_id=conference.id,
        registration_id=registration.id if registration else None,
        list_id=checkin_list.id,
        gate=gate,
        type=type,
        status=status,
        nonce=nonce,
        offline=offline,
        scanned_at=when,
        recorded_at=now,
        operator_user_id=operator.id if operator is not None else None,
        api_token_id=token.id if token is not None else None,
        answer=answer,
    )
    try:
        with db.session.begin_nested():
            if new_state is not None:
                db.session.add(new_state)
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        # The same nonce, sent twice at once: the other request recorded it first.
        earlier = _by_nonce(conference, nonce)
        if earlier is None:
            raise Conflict(_("The scan collided with another one; scan again.")) from None
        return earlier.answer
    return answer
