"""Offline gates: the list a gate downloads to decide on its own when the network drops
(hashed codes with names, categories and status, and the lists' rules), and the upload of the
scans it queued meanwhile, recorded as offline scans with the conflicts they reveal (the same
person admitted at two gates while offline)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventsys.checkin.models import CheckinList, CheckinState
from eventsys.checkin.services import iso, record_checkin
from eventsys.conferences.models import Conference
from eventsys.db_types import utcnow
from eventsys.errors import DomainError, ValidationError
from eventsys.extensions import db
from eventsys.i18n import local_datetime, localized
from eventsys.registration.models import Registration

# --- offline gates ---------------------------------------------------------------------------

OFFLINE_STATUSES = ("confirmed", "pending", "waitlisted", "rejected", "cancelled")
OFFLINE_FIELDS = (
    "token_hash",
    "manual_hash",
    "name",
    "organization",
    "category",
    "status",
    "checked_in",
)
OFFLINE_HASH = (
    "base64url(HMAC-SHA256(key, 't:' + token)[:12]) for the part of the QR code between "
    "'/q/' and '.', base64url(HMAC-SHA256(key, 'm:' + MANUALCODE)[:12]) for a manual code"
)


def offline_hash(key: bytes, kind: str, value: str) -> str:
    digest = hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(digest).decode()


def offline_list(conference: Conference, list_codes: list[str] | None = None) -> dict:
    """What a gate downloads to decide on its own when the network drops.

    Codes are not in it, only keyed hashes of them under a key made for this download, so
    the file cannot be used to make tickets. Rows are arrays (see ``fields``): the category
    and status are indexes into ``categories`` and ``statuses``, ``checked_in`` a bit mask
    over ``lists`` (bit i: checked in on lists[i] when downloaded). 20,000 attendees come to
    well under 1 MB gzip-compressed (docs/PERFORMANCE.md).
    """
    all_lists = list(
        db.session.execute(
            select(CheckinList)
            .options(selectinload(CheckinList.categories))
            .where(CheckinList.conference_id == conference.id)
            .order_by(CheckinList.position, CheckinList.id)
        ).scalars()
    )
    if list_codes:
        by_code = {cl.code: cl for cl in all_lists}
        unknown = [code for code in list_codes if code not in by_code]
        if unknown:
            raise ValidationError(
                _("list: no check-in list with code %(code)s.", code=str(unknown[0])[:64]),
                {"list": _("no such check-in list")},
            )
        lists = [by_code[code] for code in dict.fromkeys(list_codes)]
    else:
        lists = all_lists
    bit = {cl.id: 1 << i for i, cl in enumerate(lists)}
    categories = list(conference.categories)
    category_index = {c.id: i for i, c in enumerate(categories)}
    status_index = {s: i for i, s in enumerate(OFFLINE_STATUSES)}
    masks: dict[int, int] = {}
    if lists:
        for registration_id, list_id in db.session.execute(
            select(CheckinState.registration_id, CheckinState.list_id).where(
                CheckinState.list_id.in_(list(bit))
            )
        ):
            masks[registration_id] = masks.get(registration_id, 0) | bit[list_id]
    key = secrets.token_bytes(16)
    rows = db.session.execute(
        select(
            Registration.id,
            Registration.checkin_token,
            Registration.manual_code,
            Registration.name,
            Registration.organization,
            Registration.category_id,
            Registration.status,
        )
        .where(Registration.conference_id == conference.id)
        .order_by(Registration.id)
    ).all()
    attendees = [
        [
            offline_hash(key, "t", token),
            offline_hash(key, "m", manual),
            name,
            organization,
            category_index.get(category_id, -1),
            status_index.get(status, 0),
            masks.get(registration_id, 0),
        ]
        for registration_id, token, manual, name, organization, category_id, status in rows
    ]
    tz = conference.tz
    return {
        "conference": conference.slug,
        "generated_at": utcnow().isoformat(),
        "key": base64.urlsafe_b64encode(key).decode(),
        "hash": OFFLINE_HASH,
        "lists": [
            {
                "code": cl.code,
                "name": localized(cl, "name"),
                "categories": [c.code for c in cl.categories],
                "opens_at": iso(cl.opens_at),
                "closes_at": iso(cl.closes_at),
                "opens_at_local": local_datetime(cl.opens_at, tz) or None,
                "closes_at_local": local_datetime(cl.closes_at, tz) or None,
                "allow_reentry": cl.allow_reentry,
            }
            for cl in lists
        ],
        "categories": [{"code": c.code, "name": localized(c, "name")} for c in categories],
        "statuses": list(OFFLINE_STATUSES),
        "fields": list(OFFLINE_FIELDS),
        "attendees": attendees,
    }


MAX_OFFLINE_BATCH = 1000


def _parse_device_time(value, now: datetime) -> datetime | None:
    """A device's ISO time (with its offset; a naive one is UTC); None when unusable. A time
    in the future (a device clock ahead) counts as now."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return min(parsed.astimezone(UTC), now)


def record_offline_batch(conference: Conference, scans, operator=None, token=None) -> dict:
    """Scans a gate made while offline, uploaded together when it is back online.

    Each is decided as if scanned online (``offline`` set, its device time kept), each in its
    own savepoint so that a malformed one is answered on its own and the others are recorded.
    A ``conflict`` is a scan the device admitted (``local_status`` "ok", the default) that the
    server finds already admitted at another gate: the same person let in twice.
    """
    if not isinstance(scans, list):
        raise ValidationError(_("Send the scans as a list."), {"scans": _("must be a list")})
    if len(scans) > MAX_OFFLINE_BATCH:
        raise ValidationError(
            _("Send at most %(n)s scans at a time.", n=MAX_OFFLINE_BATCH),
            {"scans": _("too many")},
        )
    now = utcnow()
    results = []
    conflicts = []
    for index, scan in enumerate(scans):
        if not isinstance(scan, dict):
            results.append(
                {"index": index, "error": "invalid", "errors": {"scan": _("must be an object")}}
            )
            continue
        nonce = scan.get("nonce")
        scanned_at = _parse_device_time(scan.get("scanned_at"), now)
        try:
            with db.session.begin_nested():
                answer = record_checkin(
                    conference,
                    code=scan.get("code"),
                    list_code=scan.get("list"),
                    gate=scan.get("gate"),
                    nonce=nonce,
                    type=scan.get("type") or "entry",
                    operator=operator,
                    token=token,
                    offline=True,
                    scanned_at=scanned_at or now,
                )
        except DomainError as error:
            results.append(
                {"index": index, "nonce": nonce, "error": error.code, "errors": error.errors}
            )
            continue
        results.append({"index": index, "nonce": nonce, **answer})
        admitted_here = scan.get("local_status", "ok") == "ok"
        gate = scan.get("gate", "").strip() if isinstance(scan.get("gate"), str) else ""
        if (
            admitted_here
            and answer["status"] == "already_checked_in"
            and answer.get("first_gate") != gate
        ):
            conflicts.append(
                {
                    "nonce": nonce,
                    "registration": answer["registration"],
                    "list": answer["list"],
                    "gate": gate,
                    "scanned_at": iso(scanned_at or now),
                    "first_gate": answer["first_gate"],
                    "first_checked_in_at": answer["first_checked_in_at"],
                }
            )
    return {
        "recorded": sum(1 for r in results if "status" in r),
        "results": results,
        "conflicts": conflicts,
    }
