"""Check-in rules: the lists, looking up a scanned code, and deciding a scan (offline gates
are in ``offline.py``, what was scanned in ``scan_log.py``).

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
from datetime import UTC, datetime
from types import SimpleNamespace

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, exists, func, insert, literal, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from eventsys.checkin import pg_scan
from eventsys.checkin.codes import parse_checkin_code
from eventsys.checkin.models import Checkin, CheckinList, CheckinState, checkin_list_categories
from eventsys.checkin.pg_scan import SCAN_MESSAGE_KEYS
from eventsys.conferences.models import Category, Conference
from eventsys.conferences.services import parts_in_order
from eventsys.db_types import utcnow
from eventsys.errors import Conflict, ValidationError
from eventsys.extensions import db
from eventsys.i18n import is_english, local_datetime, localized
from eventsys.registration.applicants import phone_key
from eventsys.registration.models import MANUAL_CODE_ALPHABET, MANUAL_CODE_LENGTH, Registration
from eventsys.registration.services import mask_phone
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
    """A check-in list's form values as columns: the session's code becomes its id, category
    codes the categories, local times (naive, in the conference's zone) aware UTC times."""
    values = dict(values)
    if "session" in values:
        session = find_session(conference, values.pop("session"))
        values["session_id"] = session.id if session else None
    if "categories" in values:
        by_code = {c.code: c for c in conference.categories}
        codes = values.pop("categories") or []
        unknown = [code for code in codes if code not in by_code]
        if unknown:
            raise ValidationError(
                _("categories: no category with code %(code)s.", code=unknown[0]),
                {"categories": _("no such category")},
            )
        values["categories"] = [by_code[code] for code in dict.fromkeys(codes)]
    tz = conference.tz
    for name in ("opens_at", "closes_at"):
        value = values.get(name)
        if isinstance(value, datetime) and value.tzinfo is None:
            values[name] = value.replace(tzinfo=tz).astimezone(UTC)
    opens, closes = values.get("opens_at"), values.get("closes_at")
    if opens is not None and closes is not None and closes <= opens:
        raise ValidationError(
            _("The list must close after it opens."),
            {"closes_at": _("must be after the opening time")},
        )
    if "allow_reentry" in values:
        values["allow_reentry"] = bool(values["allow_reentry"])
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


def find_list(conference: Conference, list_code) -> CheckinList:
    """The conference's check-in list with this code; a ValidationError naming ``list``."""
    if not isinstance(list_code, str) or not list_code.strip():
        raise ValidationError(_("Choose a check-in list."), {"list": _("required")}, code="invalid")
    found = (
        db.session.execute(
            select(CheckinList)
            .options(joinedload(CheckinList.categories))
            .where(
                CheckinList.conference_id == conference.id, CheckinList.code == list_code.strip()
            )
        )
        .unique()
        .scalar_one_or_none()
    )
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


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _message_templates() -> dict[str, str]:
    """The scan answers' messages in the request's language, ``%(name)s`` placeholders left
    in (keys: ``pg_scan.SCAN_MESSAGE_KEYS``). The one list of them: the Python rules below
    and PostgreSQL's function (which gets them as a parameter) both use it."""
    return {
        "invalid": _("Not a valid code for this conference: do not admit."),
        "cancelled": _("Registration cancelled: do not admit."),
        "rejected": _("Registration rejected: do not admit."),
        "pending": _("Pending approval: do not admit."),
        "waitlisted": _("On the waitlist: do not admit."),
        "exit_not_in": _("Not checked in on this list: no exit to record."),
        "exit": _("Exit recorded."),
        "category": _("%(category)s may not enter here: do not admit."),
        "opens": _("This list opens at %(time)s: do not admit yet."),
        "closes": _("This list closed at %(time)s: do not admit."),
        "admit": _("Admit."),
        "reentry": _("Admit: re-entry."),
        "already": _("Already checked in at %(time)s at %(gate)s: do not admit again."),
    }


# Per language: the templates, and the same as the text[] PostgreSQL's function takes.
_TEMPLATES: dict[str, tuple[dict[str, str], str]] = {}


def _templates() -> tuple[dict[str, str], str]:
    language = str(get_locale())
    found = _TEMPLATES.get(language)
    if found is None:
        messages = _message_templates()
        array = pg_scan.text_array([messages[k] for k in SCAN_MESSAGE_KEYS])
        found = _TEMPLATES[language] = (messages, array)
    return found


def _decide(
    conference: Conference,
    checkin_list: CheckinList,
    registration: Registration | None,
    state: CheckinState | None,
    type: str,
    when: datetime,
    category_allowed: bool | None = None,
) -> tuple[str, str]:
    """(status, message) for a scan: the rules, in the order a desk would apply them.
    ``category_allowed``: whether the list admits the person's category, when the caller's
    query has already said so (else read from ``checkin_list.categories``).
    PostgreSQL's ``eventsys_checkin`` (pg_scan.py) applies the same rules in the same order."""
    tz = conference.tz
    messages = _templates()[0]
    if registration is None:
        return "invalid", messages["invalid"]
    if registration.status in ("cancelled", "rejected"):
        if registration.status == "cancelled":
            return "cancelled", messages["cancelled"]
        return "cancelled", messages["rejected"]
    if registration.status == "pending":
        return "not_confirmed", messages["pending"]
    if registration.status == "waitlisted":
        return "not_confirmed", messages["waitlisted"]
    if type == "exit":
        if state is None:
            return "not_allowed", messages["exit_not_in"]
        return "ok", messages["exit"]
    if category_allowed is None:
        allowed = checkin_list.categories
        category_allowed = not allowed or registration.category_id in {c.id for c in allowed}
    if not category_allowed:
        return "not_allowed", messages["category"] % {
            "category": localized(registration.category, "name")
        }
    if checkin_list.opens_at is not None and when < checkin_list.opens_at:
        return "not_allowed", messages["opens"] % {
            "time": local_datetime(checkin_list.opens_at, tz)
        }
    if checkin_list.closes_at is not None and when > checkin_list.closes_at:
        return "not_allowed", messages["closes"] % {
            "time": local_datetime(checkin_list.closes_at, tz)
        }
    if state is None:
        return "ok", messages["admit"]
    if not state.inside and checkin_list.allow_reentry:
        return "ok", messages["reentry"]
    return "already_checked_in", messages["already"] % {
        "time": local_datetime(state.first_checked_in_at, tz, "%H:%M"),
        "gate": state.first_gate,
    }


# The Python path's statements (SQLite; PostgreSQL runs pg_scan's function instead), built
# once (SQLAlchemy caches their compiled form), run as Core statements on the session's
# connection: no ORM objects on the hot path (docs/PERFORMANCE.md).
_LIST = select(
    CheckinList.id,
    CheckinList.code,
    CheckinList.opens_at,
    CheckinList.closes_at,
    CheckinList.allow_reentry,
).where(
    CheckinList.conference_id == bindparam("conference_id"),
    CheckinList.code == bindparam("list_code"),
)
_LIST_CATEGORY = checkin_list_categories.c
_REGISTRATION_COLUMNS = (
    Registration.id,
    Registration.name,
    Registration.organization,
    Registration.status,
    Registration.category_id,
    Category.code.label("category_code"),
    Category.name.label("category_name"),
    Category.name_en.label("category_name_en"),
    CheckinList.id.label("list_id"),
    CheckinList.code.label("list_code"),
    CheckinList.opens_at,
    CheckinList.closes_at,
    CheckinList.allow_reentry,
    # Whether the list admits this category (a list with none admits every category).
    or_(
        ~exists().where(_LIST_CATEGORY.list_id == CheckinList.id),
        exists().where(
            _LIST_CATEGORY.list_id == CheckinList.id,
            _LIST_CATEGORY.category_id == Registration.category_id,
        ),
    ).label("category_allowed"),
)
_EARLIER = (
    select(Checkin.answer)
    .where(Checkin.conference_id == bindparam("conference_id"), Checkin.nonce == bindparam("nonce"))
    .scalar_subquery()
)
_STATE = (
    select(
        CheckinState.id,
        CheckinState.first_checked_in_at,
        CheckinState.first_gate,
        CheckinState.inside,
    )
    .where(
        CheckinState.list_id == bindparam("list_id"),
        CheckinState.registration_id == bindparam("registration_id"),
    )
    .subquery()
)
# The person's state on the list and a first answer to this nonce, in one statement.
_STATE_AND_EARLIER = select(
    _EARLIER.label("earlier"),
    _STATE.c.id,
    _STATE.c.first_checked_in_at,
    _STATE.c.first_gate,
    _STATE.c.inside,
).select_from(select(literal(1).label("one")).subquery().outerjoin(_STATE, true()))
_SCAN_ROW = insert(Checkin)
_NEW_STATE = insert(CheckinState)


def _lock_query(column):
    return (
        select(*_REGISTRATION_COLUMNS)
        .select_from(Registration)
        .join(Category, Category.id == Registration.category_id)
        .join(
            CheckinList,
            (CheckinList.conference_id == Registration.conference_id)
            & (CheckinList.code == bindparam("list_code")),
        )
        .where(Registration.conference_id == bindparam("conference_id"))
        .where(column == bindparam("value"))
        .with_for_update(of=Registration)
    )


# The registration a code names, locked, with its category and the list (no row when either
# is unknown): by QR token and by manual code.
_LOCK_BY_TOKEN = _lock_query(Registration.checkin_token)
_LOCK_BY_MANUAL = _lock_query(Registration.manual_code)


def _person(row) -> SimpleNamespace:
    """A locked registration row in the shape ``_decide`` and ``registration_answer`` read."""
    return SimpleNamespace(
        id=row.id,
        name=row.name,
        organization=row.organization,
        status=row.status,
        category_id=row.category_id,
        category=SimpleNamespace(
            code=row.category_code, name=row.category_name, name_en=row.category_name_en
        ),
    )


def _scan_parameters(
    conference,
    *,
    code,
    list_code,
    gate,
    nonce,
    type,
    operator,
    token,
    offline: bool,
    scanned_at: datetime | None,
) -> tuple:
    """The checked fields of a scan as ``pg_scan.CALL``'s parameters (ValidationError for a
    missing list, gate or nonce or an unknown type)."""
    gate, nonce = _check_scan_fields(gate, nonce, type)
    if not isinstance(list_code, str) or not list_code.strip():
        raise ValidationError(_("Choose a check-in list."), {"list": _("required")}, code="invalid")
    now = utcnow()
    when = scanned_at if scanned_at is not None else now
    lookup, value = _lookup(code)
    return (
        conference.id,
        lookup,
        value,
        list_code.strip(),
        gate,
        nonce,
        type,
        offline,
        when.astimezone(UTC).replace(tzinfo=None),
        now.astimezone(UTC).replace(tzinfo=None),
        iso(when),
        operator.id if operator is not None else None,
        token.id if token is not None else None,
        is_english(),
        conference.timezone,
        _templates()[1],
    )


def _lookup(code) -> tuple[str | None, str | None]:
    """("token", the check-in token) or ("manual", the manual code) for a scanned text, or
    (None, None) when it is no code at all (nothing to look up)."""
    if not isinstance(code, str) or not code or len(code) > MAX_CODE_LENGTH:
        return None, None
    token = parse_checkin_code(code)
    if token is not None:
        return "token", token
    manual = normalize_manual_code(code)
    if manual is not None:
        return "manual", manual
    return None, None


def _unknown_list(parameters: tuple) -> ValidationError:
    return ValidationError(
        _("list: no check-in list with code %(code)s.", code=parameters[3][:64]),
        {"list": _("no such check-in list")},
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
    """Decide one scan and record it, in the caller's transaction; the contract's answer.

    ``code``: the scanned text (the whole URL, its last part, or a typed manual code).
    A repeated ``nonce`` returns the first answer and records nothing. Refuses (ValidationError)
    an unknown list, a missing gate or nonce and an unknown type; every other input, however
    malformed, is a scan answered ``invalid``.

    On PostgreSQL one statement, the ``eventsys_checkin`` function (pg_scan.py); elsewhere
    the same rules in Python (``_record_checkin_python``).
    """
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return _record_checkin_python(
            conference,
            code=code,
            list_code=list_code,
            gate=gate,
            nonce=nonce,
            type=type,
            operator=operator,
            token=token,
            offline=offline,
            scanned_at=scanned_at,
        )
    parameters = _scan_parameters(
        conference,
        code=code,
        list_code=list_code,
        gate=gate,
        nonce=nonce,
        type=type,
        operator=operator,
        token=token,
        offline=offline,
        scanned_at=scanned_at,
    )
    answer = connection.exec_driver_sql(pg_scan.CALL, parameters).scalar()
    if answer is None:
        raise _unknown_list(parameters)
    return answer


def record_checkin_now(
    conference,
    *,
    code: str,
    list_code: str,
    gate: str,
    nonce: str,
    type: str = "entry",
    operator=None,
    token=None,
) -> str | None:
    """The scan endpoint's path on PostgreSQL: the scan decided, recorded and committed in
    one round trip, on a connection of its own in autocommit mode (``pg_scan.scan_engine``);
    the answer as JSON text. None on other databases (use ``record_checkin``).

    This service commits, unlike the others: the function is the whole transaction, so
    nothing can fail after it. The database restarting is survived: a connection found dead
    invalidates the pool and the scan is sent once more (safe: its nonce makes it
    idempotent)."""
    engine = pg_scan.scan_engine()
    if engine is None:
        return None
    parameters = _scan_parameters(
        conference,
        code=code,
        list_code=list_code,
        gate=gate,
        nonce=nonce,
        type=type,
        operator=operator,
        token=token,
        offline=False,
        scanned_at=None,
    )
    answer = pg_scan.call(engine, parameters)
    if answer is None:
        raise _unknown_list(parameters)
    return answer


def _record_checkin_python(
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
    """``record_checkin`` in Python (SQLite; on PostgreSQL only to compare with the function).

    Round trips: the registration locked ``FOR UPDATE`` with its category, the list and
    whether the list admits the category (the list alone when that finds nothing); then the
    person's state on the list with any first answer to the nonce; then the scan row and the
    state.
    """
    gate, nonce = _check_scan_fields(gate, nonce, type)
    if not isinstance(list_code, str) or not list_code.strip():
        raise ValidationError(_("Choose a check-in list."), {"list": _("required")}, code="invalid")
    list_code = list_code.strip()
    connection = db.session.connection()
    now = utcnow()
    when = scanned_at if scanned_at is not None else now
    scan = {
        "gate": gate,
        "type": type,
        "nonce": nonce,
        "offline": offline,
        "when": when,
        "now": now,
        "operator": operator,
        "token": token,
    }
    checkin_list = registration = state = category_allowed = None
    earlier = _NO_ANSWER
    lookup, value = _lookup(code)
    if lookup is not None:
        # The row lock: concurrent scans of this person wait here for each other.
        statement = _LOCK_BY_TOKEN if lookup == "token" else _LOCK_BY_MANUAL
        parameters = {"conference_id": conference.id, "value": value, "list_code": list_code}
        found = connection.execute(statement, parameters).one_or_none()
        if found is not None:
            checkin_list = SimpleNamespace(
                id=found.list_id,
                code=found.list_code,
                opens_at=found.opens_at,
                closes_at=found.closes_at,
                allow_reentry=found.allow_reentry,
            )
            registration = _person(found)
            category_allowed = found.category_allowed
            # Read after the lock, in its own statement: a row joined to the locked one
            # would come from the snapshot taken before the wait (PostgreSQL re-reads only
            # the locked row), and miss the state the scan we waited for has just written.
            # A repeated nonce is asked in the same statement, after the lock too, so that a
            # retry sent while the first attempt was still deciding sees it.
            keys = {
                "conference_id": conference.id,
                "nonce": nonce,
                "list_id": checkin_list.id,
                "registration_id": registration.id,
            }
            both = connection.execute(_STATE_AND_EARLIER, keys).one()
            earlier = both.earlier
            state = both if both.id is not None else None
    if checkin_list is None:
        checkin_list = connection.execute(
            _LIST, {"conference_id": conference.id, "list_code": list_code}
        ).one_or_none()
        if checkin_list is None:
            raise ValidationError(
                _("list: no check-in list with code %(code)s.", code=list_code[:64]),
                {"list": _("no such check-in list")},
            )
    if earlier is _NO_ANSWER:
        # A code that is no code locks nothing: the unique constraint decides for those.
        earlier = _answer_by_nonce(conference, nonce)
    if earlier is not None:
        return earlier
    status, message = _decide(
        conference, checkin_list, registration, state, type, when, category_allowed
    )
    if state is not None:
        answer = _answer(
            registration,
            checkin_list,
            status,
            message,
            type,
            state.first_checked_in_at,
            state.first_gate,
        )
    elif status == "ok":
        answer = _answer(registration, checkin_list, status, message, type, when, gate)
    else:
        answer = _answer(registration, checkin_list, status, message, type, None, None)
    row = _scan_row(conference, registration, checkin_list, answer, scan)
    if registration is None:
        try:
            with db.session.begin_nested():
                db.session.connection().execute(_SCAN_ROW, row)
        except IntegrityError:
            # The same nonce, sent twice at once: the other request recorded it first.
            earlier = _answer_by_nonce(conference, nonce)
            if earlier is None:
                raise Conflict(_("The scan collided with another one; scan again.")) from None
            return earlier
        return answer
    if status == "ok" and state is None:
        new_state = {
            "conference_id": conference.id,
            "list_id": checkin_list.id,
            "registration_id": registration.id,
            "first_checked_in_at": when,
            "first_gate": gate,
            "inside": True,
            "last_scan_at": when,
        }
        connection.execute(_SCAN_ROW, row)
        connection.execute(_NEW_STATE, new_state)
        return answer
    connection.execute(_SCAN_ROW, row)
    if status == "ok":
        connection.execute(
            update(CheckinState)
            .where(CheckinState.id == state.id)
            .values(inside=type == "entry", last_scan_at=when)
        )
    return answer


_NO_ANSWER = object()


def _answer(registration, checkin_list, status, message, type, first_at, first_gate) -> dict:
    return {
        "status": status,
        "registration": registration_answer(registration),
        "first_checked_in_at": iso(first_at),
        "first_gate": first_gate,
        "message": message,
        "list": checkin_list.code,
        "type": type,
    }


def _scan_row(conference, registration, checkin_list, answer: dict, scan: dict) -> dict:
    """The ``checkins`` row of a scan; ``scan``: its gate, type, nonce, offline, when (the
    scan's time), now, operator and token."""
    operator, token = scan["operator"], scan["token"]
    return {
        "conference_id": conference.id,
        "registration_id": registration.id if registration else None,
        "list_id": checkin_list.id,
        "gate": scan["gate"],
        "type": scan["type"],
        "status": answer["status"],
        "nonce": scan["nonce"],
        "offline": scan["offline"],
        "scanned_at": scan["when"],
        "recorded_at": scan["now"],
        "operator_user_id": operator.id if operator is not None else None,
        "api_token_id": token.id if token is not None else None,
        "answer": answer,
    }


_ANSWER_BY_NONCE = select(Checkin.answer).where(
    Checkin.conference_id == bindparam("conference_id"), Checkin.nonce == bindparam("nonce")
)


def _answer_by_nonce(conference: Conference, nonce: str) -> dict | None:
    parameters = {"conference_id": conference.id, "nonce": nonce}
    return db.session.connection().execute(_ANSWER_BY_NONCE, parameters).scalar()


# --- looking people up at the desk ---------------------------------------------------------


def search_attendees(conference: Conference, q: str, limit: int = 20) -> list[dict]:
    """People for a desk to check in without their code: by name, e-mail, the last digits of
    their phone (at least 4) or their manual code. Phones masked."""
    q = unicodedata.normalize("NFC", q if isinstance(q, str) else "").strip()[:100]
    if not q:
        return []
    limit = max(1, min(int(limit), 100))
    like = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    searches = [
        func.lower(Registration.name).like(like, escape="\\"),
        Registration.email_key.like(like, escape="\\"),
    ]
    digits = phone_key(q)
    if re.fullmatch(r"\d{4,15}", digits):
        searches.append(Registration.phone_key.like(f"%{digits}"))
    manual = normalize_manual_code(q)
    if manual is not None:
        searches.append(Registration.manual_code == manual)
    people = list(
        db.session.execute(
            select(Registration)
            .options(joinedload(Registration.category))
            .where(Registration.conference_id == conference.id, or_(*searches))
            .order_by(Registration.name, Registration.id)
            .limit(limit)
        ).scalars()
    )
    checked: dict[int, list[str]] = {}
    if people:
        for registration_id, list_code in db.session.execute(
            select(CheckinState.registration_id, CheckinList.code)
            .join(CheckinList, CheckinList.id == CheckinState.list_id)
            .where(CheckinState.registration_id.in_([p.id for p in people]))
        ):
            checked.setdefault(registration_id, []).append(list_code)
    return [
        {
            **registration_answer(person),
            "email": person.email,
            "phone": mask_phone(person.phone),
            "manual_code": person.manual_code,
            "checked_in_lists": sorted(checked.get(person.id, [])),
        }
        for person in people
    ]


# --- the operator's screen ------------------------------------------------------------------

# How an answer looks: green admits, amber is a repeat, red turns away.
COLOURS = {
    "ok": "green",
    "already_checked_in": "amber",
    "not_confirmed": "red",
    "cancelled": "red",
    "not_allowed": "red",
    "invalid": "red",
}


def answer_colour(status: str) -> str:
    return COLOURS.get(status, "red")


def conference_lists(conference: Conference) -> list[CheckinList]:
    return parts_in_order(conference, CheckinList)


def preview_checkin(
    conference: Conference, registration: Registration, list_code: str | None
) -> dict:
    """What an entry scan of this registration would answer on the list now, without
    recording anything: for the operator's screen before they press the button."""
    checkin_list = None
    if list_code:
        checkin_list = db.session.execute(
            select(CheckinList).where(
                CheckinList.conference_id == conference.id, CheckinList.code == list_code
            )
        ).scalar_one_or_none()
    state = None
    if checkin_list is not None:
        state = db.session.execute(
            select(CheckinState).where(
                CheckinState.list_id == checkin_list.id,
                CheckinState.registration_id == registration.id,
            )
        ).scalar_one_or_none()
        status, message = _decide(conference, checkin_list, registration, state, "entry", utcnow())
    else:
        # No list chosen yet: what the registration itself allows.
        status, message = _decide(conference, CheckinList(), registration, None, "entry", utcnow())
    return {
        "status": status,
        "message": message,
        "colour": answer_colour(status),
        "registration": registration_answer(registration),
        "first_checked_in_at": iso(state.first_checked_in_at) if state else None,
        "first_gate": state.first_gate if state else None,
        "list": checkin_list.code if checkin_list else None,
    }


# --- what check-in objects to ----------------------------------------------------------------


def list_in_use(sender, conference: Conference, part: CheckinList, **_kwargs) -> str | None:
    """A check-in list with scans cannot be deleted: the scan log keeps every scan."""
    count = db.session.execute(
        select(func.count()).select_from(Checkin).where(Checkin.list_id == part.id)
    ).scalar_one()
    if count:
        return _(
            "%(name)s has %(count)s scan(s) in the scan log; it cannot be deleted.",
            name=part.name,
            count=count,
        )
    return None


def category_on_a_list(sender, conference: Conference, part, **_kwargs) -> str | None:
    """A category a check-in list admits cannot go: the list would then admit everyone."""
    names = (
        db.session.execute(
            select(CheckinList.name)
            .join(checkin_list_categories, checkin_list_categories.c.list_id == CheckinList.id)
            .where(checkin_list_categories.c.category_id == part.id)
        )
        .scalars()
        .all()
    )
    if names:
        return _(
            "The check-in list %(lists)s admits %(name)s; change the list first.",
            lists="、".join(names),
            name=part.name,
        )
    return None
