"""What the live dashboard and the check-in wall show: plain dicts, ready for a template or
JSON (the pages poll them every few seconds)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from eventsys.checkin import scan_log
from eventsys.checkin.models import CheckinList, CheckinState
from eventsys.conferences.models import Conference
from eventsys.db_types import utcnow
from eventsys.extensions import db
from eventsys.i18n import local_datetime, localized
from eventsys.registration.models import Registration

SLOT = timedelta(minutes=10)
CHART_SLOTS = 36  # six hours of 10-minute bars
WALL_NAMES = 24
RECENT_SCANS = 15


def _slot_start(moment: datetime) -> datetime:
    return moment.replace(minute=moment.minute - moment.minute % 10, second=0, microsecond=0)


def arrivals_chart(conference: Conference, counts: list[dict], now: datetime) -> list[dict]:
    """The service's arrivals per 10 minutes as the chart's bars: the last six hours up to
    now, empty slots included, labelled in the conference's local time."""
    last = _slot_start(now)
    first = last - SLOT * (CHART_SLOTS - 1)
    by_start = {datetime.fromisoformat(slot["at"]): slot["count"] for slot in counts}
    tz = conference.tz
    return [
        {
            "start": local_datetime(first + SLOT * i, tz, "%H:%M"),
            "count": by_start.get(first + SLOT * i, 0),
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


def no_shows(stats: dict) -> list[dict]:
    """Confirmed people not checked in on any list yet, per category (from the stats)."""
    return [
        {
            "category": code,
            "name": c["name"],
            "confirmed": c["confirmed"],
            "missing": max(c["confirmed"] - c["checked_in"], 0),
        }
        for code, c in stats["categories"].items()
        if c["confirmed"]
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
    stats = scan_log.checkin_stats(conference)
    tz = conference.tz
    return {
        "checked_in": stats["checked_in"],
        "confirmed": stats["confirmed"],
        "lists": by_list_and_gate(conference),
        "arrivals": arrivals_chart(conference, stats["arrivals"], now),
        "no_shows": no_shows(stats),
        "recent": [
            {
                "time": local_datetime(datetime.fromisoformat(scan["scanned_at"]), tz, "%H:%M:%S"),
                "name": scan["name"],
                "status": scan["status"],
                "type": scan["type"],
                "list": scan["list"],
                "gate": scan["gate"],
                "offline": scan["offline"],
                "reversed": scan["reversed"],
            }
            for scan in scan_log.recent_scans(conference, RECENT_SCANS)
        ],
        "updated": local_datetime(now, tz, "%H:%M:%S"),
    }
