"""What the live dashboard and the check-in wall show: plain dicts, ready for a template or
JSON (the pages poll them every few seconds)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from eventsys.checkin import services
from eventsys.checkin.models import CheckinList, CheckinState
from eventsys.conferences.models import Category, Conference
from eventsys.db_types import utcnow
from eventsys.extensions import db
from eventsys.i18n import local_datetime, localized
from eventsys.registration.models import Registration

SLOT = timedelta(minutes=10)
CHART_SLOTS = 36  # six hours of 10-minute bars
WALL_NAMES = 24


def _slot_start(moment: datetime) -> datetime:
    return moment.replace(minute=moment.minute - moment.minute % 10, second=0, microsecond=0)


def arrivals(conference: Conference, now: datetime | None = None) -> list[dict]:
    """People arriving per 10 minutes (their first check-in on any list), the last six hours
    up to now, in the conference's local time."""
    now = now or utcnow()
    last = _slot_start(now)
    first = last - SLOT * (CHART_SLOTS - 1)
    firsts = (
        select(func.min(CheckinState.first_checked_in_at).label("at"))
        .where(CheckinState.conference_id == conference.id)
        .group_by(CheckinState.registration_id)
        .subquery()
    )
    counts: dict[datetime, int] = defaultdict(int)
    for (at,) in db.session.execute(select(firsts.c.at).where(firsts.c.at >= first)):
        if at.tzinfo is None:  # SQLite hands back naive UTC through a subquery
            at = at.replace(tzinfo=first.tzinfo)
        counts[_slot_start(at)] += 1
    tz = conference.tz
    return [
        {
            "start": local_datetime(first + SLOT * i, tz, "%H:%M"),
            "count": counts.get(first + SLOT * i, 0),
        }
        for i in range(CHART_SLOTS)
    ]


def by_list_and_gate(conference: Conference) -> list[dict]:
    """Per check-in list: checked in and inside, and the same per gate (where they first came
    in)."""
    lists = db.session.execute(
        select(CheckinList)
        .where(CheckinList.conference_id == conference.id)
        .order_by(CheckinList.position, CheckinList.id)
    ).scalars()
    rows = db.session.execute(
        select(
            CheckinState.list_id,
            CheckinState.first_gate,
            func.count(),
            func.sum(case((CheckinState.inside, 1), else_=0)),
        )
        .where(CheckinState.conference_id == conference.id)
        .group_by(CheckinState.list_id, CheckinState.first_gate)
    ).all()
    gates: dict[int, list[dict]] = defaultdict(list)
    for list_id, gate, checked_in, inside in rows:
        gates[list_id].append({"gate": gate, "checked_in": checked_in, "inside": inside or 0})
    out = []
    for cl in lists:
        per_gate = sorted(gates.get(cl.id, []), key=lambda g: (-g["checked_in"], g["gate"]))
        out.append(
            {
                "code": cl.code,
                "name": localized(cl, "name"),
                "checked_in": sum(g["checked_in"] for g in per_gate),
                "inside": sum(g["inside"] for g in per_gate),
                "gates": per_gate,
            }
        )
    return out


def no_shows(conference: Conference) -> list[dict]:
    """Confirmed people not checked in on any list yet, per category."""
    checked = select(CheckinState.registration_id).where(
        CheckinState.conference_id == conference.id
    )
    confirmed = (
        select(Registration.category_id, func.count())
        .where(Registration.conference_id == conference.id, Registration.status == "confirmed")
        .group_by(Registration.category_id)
    )
    missing = dict(
        db.session.execute(
            select(Registration.category_id, func.count())
            .where(
                Registration.conference_id == conference.id,
                Registration.status == "confirmed",
                Registration.id.not_in(checked),
            )
            .group_by(Registration.category_id)
        ).all()
    )
    totals = dict(db.session.execute(confirmed).all())
    categories = db.session.execute(
        select(Category)
        .where(Category.conference_id == conference.id)
        .order_by(Category.position, Category.id)
    ).scalars()
    return [
        {
            "category": c.code,
            "name": localized(c, "name"),
            "confirmed": totals.get(c.id, 0),
            "missing": missing.get(c.id, 0),
        }
        for c in categories
        if totals.get(c.id, 0)
    ]


def checked_in_count(conference: Conference) -> int:
    """How many people are checked in on at least one list."""
    return db.session.execute(
        select(func.count(func.distinct(CheckinState.registration_id))).where(
            CheckinState.conference_id == conference.id
        )
    ).scalar_one()


def confirmed_count(conference: Conference) -> int:
    return db.session.execute(
        select(func.count()).where(
            Registration.conference_id == conference.id, Registration.status == "confirmed"
        )
    ).scalar_one()


def latest_arrivals(conference: Conference, limit: int = WALL_NAMES) -> list[dict]:
    """The newest first check-ins (one line per person), for the wall."""
    rows = db.session.execute(
        select(
            Registration.id,
            Registration.name,
            Registration.organization,
            func.min(CheckinState.first_checked_in_at).label("at"),
        )
        .join(Registration, Registration.id == CheckinState.registration_id)
        .where(CheckinState.conference_id == conference.id)
        .group_by(Registration.id, Registration.name, Registration.organization)
        .order_by(func.min(CheckinState.first_checked_in_at).desc(), Registration.id.desc())
        .limit(limit)
    ).all()
    return [{"id": r.id, "name": r.name, "organization": r.organization} for r in rows]


def wall_data(conference: Conference) -> dict:
    return {
        "checked_in": checked_in_count(conference),
        "confirmed": confirmed_count(conference),
        "arrivals": latest_arrivals(conference),
    }


def dashboard_data(conference: Conference) -> dict:
    """Everything the live dashboard shows (names, no phone numbers: the checkin role sees
    it too)."""
    now = utcnow()
    lists = by_list_and_gate(conference)
    return {
        "checked_in": checked_in_count(conference),
        "confirmed": confirmed_count(conference),
        "lists": lists,
        "arrivals": arrivals(conference, now),
        "no_shows": no_shows(conference),
        "recent": [_scan_line(conference, scan) for scan in _recent(conference)],
        "updated": local_datetime(now, conference.tz, "%H:%M:%S"),
    }


def _recent(conference: Conference) -> list:
    return services.recent_scans(conference, 15)


def _scan_line(conference: Conference, scan) -> dict:
    """A scan as one line of the latest scans (whatever shape the service gives)."""
    if isinstance(scan, dict):
        return scan
    return {
        "id": scan.id,
        "time": local_datetime(scan.scanned_at, conference.tz, "%H:%M:%S"),
        "status": scan.status,
        "type": scan.type,
        "gate": scan.gate,
        "list": scan.checkin_list.code,
        "name": scan.registration.name if scan.registration else "",
        "offline": scan.offline,
    }
