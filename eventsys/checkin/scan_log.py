"""What was scanned: the stats of the contract and the dashboard (checked in and inside per
list and gate, arrivals over time), the scan log and its export, and a supervisor's undo (a
reversal row; nothing is erased)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from eventsys.auth.services import role_allows, role_for
from eventsys.checkin.models import Checkin, CheckinList, CheckinState
from eventsys.checkin.services import SCAN_TYPES, answer_colour, iso
from eventsys.conferences.models import Conference
from eventsys.db_types import utcnow
from eventsys.errors import Conflict, Forbidden, NotFound
from eventsys.extensions import db
from eventsys.i18n import local_datetime, localized
from eventsys.registration.models import Registration

# --- the dashboard ---------------------------------------------------------------------------


def checkin_stats(conference: Conference) -> dict:
    """The contract's stats (confirmed, checked in, per list and per gate), plus per category
    and the arrivals per 10 minutes."""
    confirmed = db.session.execute(
        select(func.count())
        .select_from(Registration)
        .where(Registration.conference_id == conference.id, Registration.status == "confirmed")
    ).scalar_one()
    checked_in = db.session.execute(
        select(func.count(func.distinct(CheckinState.registration_id))).where(
            CheckinState.conference_id == conference.id
        )
    ).scalar_one()
    lists = {
        code: {"name": name, "checked_in": 0, "inside": 0}
        for code, name in db.session.execute(
            select(CheckinList.code, CheckinList.name)
            .where(CheckinList.conference_id == conference.id)
            .order_by(CheckinList.position, CheckinList.id)
        )
    }
    for code, total, inside in db.session.execute(
        select(
            CheckinList.code,
            func.count(CheckinState.id),
            func.count(CheckinState.id).filter(CheckinState.inside.is_(True)),
        )
        .join(CheckinList, CheckinList.id == CheckinState.list_id)
        .where(CheckinState.conference_id == conference.id)
        .group_by(CheckinList.code)
    ):
        lists[code].update(checked_in=total, inside=inside)
    gates = dict(
        db.session.execute(
            select(Checkin.gate, func.count())
            .where(Checkin.conference_id == conference.id, Checkin.type != "reversal")
            .group_by(Checkin.gate)
            .order_by(Checkin.gate)
        ).all()
    )
    by_category = {
        c.code: {"name": localized(c, "name"), "confirmed": 0, "checked_in": 0}
        for c in conference.categories
    }
    codes = {c.id: c.code for c in conference.categories}
    for category_id, n in db.session.execute(
        select(Registration.category_id, func.count())
        .where(Registration.conference_id == conference.id, Registration.status == "confirmed")
        .group_by(Registration.category_id)
    ):
        by_category[codes[category_id]]["confirmed"] = n
    for category_id, n in db.session.execute(
        select(Registration.category_id, func.count(func.distinct(Registration.id)))
        .join(CheckinState, CheckinState.registration_id == Registration.id)
        .where(Registration.conference_id == conference.id)
        .group_by(Registration.category_id)
    ):
        by_category[codes[category_id]]["checked_in"] = n
    return {
        "confirmed": confirmed,
        "checked_in": checked_in,
        "lists": lists,
        "gates": gates,
        "categories": by_category,
        "arrivals": arrivals(conference),
    }


def arrivals(conference: Conference, minutes: int = 10) -> list[dict]:
    """First check-ins per ``minutes`` (on any list), oldest first: [{"at": ISO, "count"}]."""
    firsts = db.session.execute(
        select(func.min(CheckinState.first_checked_in_at))
        .where(CheckinState.conference_id == conference.id)
        .group_by(CheckinState.registration_id)
    ).scalars()
    buckets: dict[datetime, int] = {}
    for first in firsts:
        first = first if first.tzinfo else first.replace(tzinfo=UTC)
        start = first.replace(minute=first.minute - first.minute % minutes, second=0, microsecond=0)
        buckets[start] = buckets.get(start, 0) + 1
    return [{"at": at.isoformat(), "count": n} for at, n in sorted(buckets.items())]


def scan_item(row: Checkin) -> dict:
    """A scan as the scan log and the dashboard show it."""
    registration = row.registration
    return {
        "id": row.id,
        "recorded_at": iso(row.recorded_at),
        "scanned_at": iso(row.scanned_at),
        "list": row.checkin_list.code,
        "gate": row.gate,
        "type": row.type,
        "status": row.status,
        "offline": row.offline,
        "registration_id": row.registration_id,
        "name": registration.name if registration else None,
        "organization": registration.organization if registration else None,
        "category": registration.category.code if registration else None,
        "category_name": localized(registration.category, "name") if registration else None,
        "operator": (row.operator.name or row.operator.email) if row.operator else None,
        "reverses_id": row.reverses_id,
        "message": (row.answer or {}).get("message"),
        "colour": answer_colour(row.status),
    }


def _scan_query(conference: Conference):
    return (
        select(Checkin)
        .options(
            joinedload(Checkin.registration).joinedload(Registration.category),
            joinedload(Checkin.checkin_list),
            joinedload(Checkin.operator),
        )
        .where(Checkin.conference_id == conference.id)
    )


def recent_scans(conference: Conference, limit: int = 20) -> list[dict]:
    """The latest scans, newest first, each with whether it was undone."""
    limit = max(1, min(int(limit), 200))
    rows = list(
        db.session.execute(_scan_query(conference).order_by(Checkin.id.desc()).limit(limit))
        .unique()
        .scalars()
    )
    return _with_reversed(rows)


def _with_reversed(rows: list[Checkin]) -> list[dict]:
    ids = [row.id for row in rows]
    undone = set()
    if ids:
        undone = set(
            db.session.execute(
                select(Checkin.reverses_id).where(Checkin.reverses_id.in_(ids))
            ).scalars()
        )
    return [{**scan_item(row), "reversed": row.id in undone} for row in rows]


def scan_log(
    conference: Conference, page: int = 1, per_page: int = 100, status: str = "", q: str = ""
) -> tuple[list[dict], int]:
    """A page of the scan log (newest first) and the number of scans matching."""
    conditions = []
    if status:
        conditions.append(Checkin.status == status)
    q = (q or "").strip()[:100]
    if q:
        like = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(
            or_(
                func.lower(Checkin.gate).like(like + "%", escape="\\"),
                Checkin.registration.has(
                    func.lower(Registration.name).like(like + "%", escape="\\")
                ),
            )
        )
    total = db.session.execute(
        select(func.count())
        .select_from(Checkin)
        .where(Checkin.conference_id == conference.id, *conditions)
    ).scalar_one()
    rows = list(
        db.session.execute(
            _scan_query(conference)
            .where(*conditions)
            .order_by(Checkin.id.desc())
            .limit(per_page)
            .offset((max(page, 1) - 1) * per_page)
        )
        .unique()
        .scalars()
    )
    return _with_reversed(rows), total


def scan_log_table(conference: Conference) -> tuple[list[str], list[list]]:
    """The whole scan log for a spreadsheet: headers and rows, oldest first."""
    tz = conference.tz
    headers = [
        _("Scan"),
        _("Recorded at"),
        _("Scanned at"),
        _("Check-in list"),
        _("Gate"),
        _("Type"),
        _("Answer"),
        _("Offline"),
        _("Name"),
        _("Organization"),
        _("Category"),
        _("Operator"),
        _("Undoes scan"),
    ]
    rows = []
    for row in db.session.execute(_scan_query(conference).order_by(Checkin.id)).unique().scalars():
        item = scan_item(row)
        rows.append(
            [
                item["id"],
                local_datetime(row.recorded_at, tz, "%Y-%m-%d %H:%M:%S"),
                local_datetime(row.scanned_at, tz, "%Y-%m-%d %H:%M:%S"),
                item["list"],
                item["gate"],
                item["type"],
                item["status"],
                _("Yes") if row.offline else "",
                item["name"] or "",
                item["organization"] or "",
                item["category_name"] or "",
                item["operator"] or "",
                item["reverses_id"] or "",
            ]
        )
    return headers, rows


# --- undo --------------------------------------------------------------------------------


def undo_checkin(
    conference: Conference, checkin_id: int, operator, role: str | None = None
) -> dict:
    """A supervisor (staff or organizer) reverses a mistaken admission: a ``reversal`` row
    that points at it, and the person's state on that list as if it had never happened.
    Nothing is erased; a scan is undone at most once (a unique constraint)."""
    role = role if role is not None else role_for(operator, conference)
    if not role_allows(role, "staff"):
        raise Forbidden(_("Only staff and organizers may undo a check-in."))
    original = db.session.execute(
        select(Checkin).where(Checkin.conference_id == conference.id, Checkin.id == checkin_id)
    ).scalar_one_or_none()
    if original is None:
        raise NotFound(_("No such scan."))
    if original.type == "reversal" or original.status != "ok" or original.registration_id is None:
        raise Conflict(_("Only an admission or an exit can be undone."))
    registration = db.session.execute(
        select(Registration).where(Registration.id == original.registration_id).with_for_update()
    ).scalar_one()
    now = utcnow()
    reversal = Checkin(
        conference_id=conference.id,
        registration_id=registration.id,
        list_id=original.list_id,
        gate=original.gate,
        type="reversal",
        status="ok",
        nonce=f"undo:{original.id}",
        offline=False,
        scanned_at=now,
        recorded_at=now,
        operator_user_id=operator.id if operator is not None else None,
        reverses_id=original.id,
        answer={"status": "ok", "reverses": original.id, "message": _("Check-in undone.")},
    )
    try:
        with db.session.begin_nested():
            db.session.add(reversal)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("This scan was already undone.")) from None
    _rebuild_state(conference, original.list_id, registration.id)
    return scan_item(reversal)


def _rebuild_state(conference: Conference, list_id: int, registration_id: int) -> None:
    """The person's state on a list, replayed from the admissions and exits not undone."""
    reversed_ids = select(Checkin.reverses_id).where(
        Checkin.reverses_id.is_not(None), Checkin.registration_id == registration_id
    )
    scans = db.session.execute(
        select(Checkin)
        .where(
            Checkin.list_id == list_id,
            Checkin.registration_id == registration_id,
            Checkin.status == "ok",
            Checkin.type.in_(SCAN_TYPES),
            Checkin.id.not_in(reversed_ids),
        )
        .order_by(Checkin.id)
    ).scalars()
    state = db.session.execute(
        select(CheckinState).where(
            CheckinState.list_id == list_id, CheckinState.registration_id == registration_id
        )
    ).scalar_one_or_none()
    first = None
    inside = False
    last = None
    for scan in scans:
        if scan.type == "entry":
            first = first or scan
            inside = True
        elif first is not None:
            inside = False
        if first is not None:
            last = scan
    if first is None:
        if state is not None:
            db.session.delete(state)
        db.session.flush()
        return
    if state is None:
        state = CheckinState(
            conference_id=conference.id, list_id=list_id, registration_id=registration_id
        )
        db.session.add(state)
    state.first_checked_in_at = first.scanned_at
    state.first_gate = first.gate
    state.inside = inside
    state.last_scan_at = last.scanned_at
    db.session.flush()
