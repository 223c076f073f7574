"""Releases of the programme: the draft as the public would see it (a snapshot), what changed
between two snapshots, and publishing the draft as a new named version.

A release stores the whole public programme as one JSON document (``snapshot``), as pretalx
keeps a schedule version: the public pages and the exports read one row, whatever the number
of sessions, and a release never changes after the fact, even when rooms, forums or people are
edited later. See docs/ARCHITECTURE.md, "The timetable's releases".
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from eventsys import signals
from eventsys.conferences.models import Conference, Forum, Room
from eventsys.conferences.services import lock_conference
from eventsys.db_types import utcnow
from eventsys.errors import Conflict, ValidationError
from eventsys.extensions import db
from eventsys.schedule.models import (
    Person,
    ScheduleRelease,
    ScheduleSession,
    SessionSpeaker,
)
from eventsys.text import clean_text
from eventsys.txcache import transaction_cache

SNAPSHOT_FORMAT = 1

# Which fields of a session make a change of which kind (the first that applies wins).
_MOVED = ("starts_at", "ends_at", "room")
_RENAMED = ("title", "title_en")


def iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso_utc(value: str) -> datetime:
    return datetime.fromisoformat(value)  # "…Z" is UTC (Python 3.11+), and fast


def draft_sessions(conference: Conference, include_cancelled: bool = True) -> list:
    """The draft's sessions with rooms, forums and people loaded: three queries in all."""
    query = (
        select(ScheduleSession)
        .options(
            joinedload(ScheduleSession.room),
            joinedload(ScheduleSession.forum),
            selectinload(ScheduleSession.speakers).joinedload(SessionSpeaker.person),
        )
        .where(ScheduleSession.conference_id == conference.id)
        .order_by(ScheduleSession.starts_at, ScheduleSession.position, ScheduleSession.id)
    )
    if not include_cancelled:
        query = query.where(ScheduleSession.cancelled_at.is_(None))
    return list(db.session.execute(query).unique().scalars())


def _session_entry(s: ScheduleSession) -> dict:
    return {
        "id": s.id,
        "uuid": s.uuid,
        "code": s.code,
        "title": s.title,
        "title_en": s.title_en,
        "description": s.description,
        "description_en": s.description_en,
        "kind": s.kind,
        "starts_at": iso_utc(s.starts_at),
        "ends_at": iso_utc(s.ends_at),
        "room": s.room.code if s.room else None,
        "forum": s.forum.code if s.forum else None,
        "capacity": s.capacity,
        "cancelled": s.cancelled,
        "people": [{"id": link.person_id, "role": link.role} for link in s.speakers],
    }


def build_snapshot(conference: Conference, sessions: list | None = None) -> dict:
    """The draft as the public would see it once published (no private contact details).
    A cancelled session appears (marked) only if it was published before."""
    if sessions is None:
        sessions = draft_sessions(conference)
    entries = []
    people: dict[int, Person] = {}
    for s in sessions:
        if s.cancelled and s.published_at is None:
            continue
        entries.append(_session_entry(s))
        for link in s.speakers:
            people[link.person_id] = link.person
    rooms = db.session.execute(
        select(Room).where(Room.conference_id == conference.id).order_by(Room.position, Room.id)
    ).scalars()
    forums = db.session.execute(
        select(Forum).where(Forum.conference_id == conference.id).order_by(Forum.position, Forum.id)
    ).scalars()
    return {
        "format": SNAPSHOT_FORMAT,
        "timezone": conference.timezone,
        "rooms": [
            {"code": r.code, "name": r.name, "name_en": r.name_en, "capacity": r.capacity}
            for r in rooms
        ],
        "forums": [{"code": f.code, "name": f.name, "name_en": f.name_en} for f in forums],
        "sessions": entries,
        "people": [
            {
                "id": p.id,
                "name": p.name,
                "name_en": p.name_en,
                "organization": p.organization,
                "title": p.title,
                "bio": p.bio,
                "bio_en": p.bio_en,
            }
            for p in sorted(people.values(), key=lambda p: (p.name_key, p.id))
        ],
    }


EMPTY_SNAPSHOT = {"sessions": [], "people": [], "rooms": [], "forums": []}


def _kind_of_change(before: dict | None, after: dict | None) -> str | None:
    if before is None:
        return None if after is None or after["cancelled"] else "added"
    if after is None or (after["cancelled"] and not before["cancelled"]):
        return "cancelled"
    if before["cancelled"] and not after["cancelled"]:
        return "added"
    if any(before[key] != after[key] for key in _MOVED):
        return "moved"
    if any(before[key] != after[key] for key in _RENAMED):
        return "renamed"
    if before != after:
        return "changed"
    return None


def diff_snapshots(old: dict | None, new: dict) -> list[dict]:
    """One dict per session that differs between two snapshots, in the shape of
    ``signals.schedule_published``: session_id, code, change (added, moved, renamed,
    cancelled, changed), title, before, after (the snapshot entries, or None)."""
    old_by_id = {s["id"]: s for s in (old or EMPTY_SNAPSHOT)["sessions"]}
    changes = []
    seen = set()
    for after in new["sessions"]:
        seen.add(after["id"])
        before = old_by_id.get(after["id"])
        change = _kind_of_change(before, after)
        if change:
            changes.append(
                {
                    "session_id": after["id"],
                    "code": after["code"],
                    "change": change,
                    "title": after["title"],
                    "before": before,
                    "after": after,
                }
            )
    for session_id, before in old_by_id.items():
        if session_id not in seen and not before["cancelled"]:
            changes.append(
                {
                    "session_id": session_id,
                    "code": before["code"],
                    "change": "cancelled",
                    "title": before["title"],
                    "before": before,
                    "after": None,
                }
            )
    return changes


def latest_release_row(conference: Conference) -> ScheduleRelease | None:
    return db.session.execute(
        select(ScheduleRelease)
        .where(ScheduleRelease.conference_id == conference.id)
        .order_by(ScheduleRelease.number.desc())
        .limit(1)
    ).scalar_one_or_none()


def unpublished_changes(conference: Conference, sessions: list | None = None, latest=False):
    """``(changes, other)``: the sessions' changes of the draft against the latest release,
    and whether anything else the public sees (a room's name, a person's bio) changed.
    ``latest``: the latest release when the caller has it already (None: there is none)."""
    if latest is False:
        latest = latest_release_row(conference)
    snapshot = build_snapshot(conference, sessions)
    previous = latest.snapshot if latest else None
    changes = diff_snapshots(previous, snapshot)
    if previous is None:
        other = False
    else:
        other = not changes and _comparable(previous) != _comparable(snapshot)
    return changes, other


def _comparable(snapshot: dict) -> dict:
    return {key: value for key, value in snapshot.items() if key != "format"}


def publish(
    conference: Conference, version: str | None = None, user=None, comment: str = ""
) -> ScheduleRelease:
    """Publish the draft as a new release, in the caller's transaction: its snapshot, its
    changes against the release before, ``published_at`` on sessions published for the first
    time, and ``signals.schedule_published``. Refuses (nothing saved) when nothing changed or
    the version name is taken."""
    errors: dict[str, str] = {}
    version = clean_text(version or "", 100, "version", errors)
    comment = clean_text(comment or "", 2000, "comment", errors, multiline=True)
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    lock_conference(conference)  # one publisher at a time: release numbers stay in sequence
    latest = latest_release_row(conference)
    sessions = draft_sessions(conference)
    snapshot = build_snapshot(conference, sessions)
    if latest is None and not snapshot["sessions"]:
        raise Conflict(
            _("Nothing to publish: the timetable has no sessions yet."), code="nothing_to_publish"
        )
    if latest is not None and _comparable(latest.snapshot) == _comparable(snapshot):
        raise Conflict(
            _(
                "Nothing to publish: the timetable is the same as the published version "
                "%(version)s.",
                version=latest.version,
            ),
            code="nothing_to_publish",
        )
    number = (latest.number if latest else 0) + 1
    version = version or str(number)
    taken = db.session.execute(
        select(ScheduleRelease.id).where(
            ScheduleRelease.conference_id == conference.id, ScheduleRelease.version == version
        )
    ).first()
    if taken:
        raise Conflict(
            _("A release named %(version)s exists already; choose another name.", version=version),
            {"version": _("already used")},
        )
    changes = diff_snapshots(latest.snapshot if latest else None, snapshot)
    now = utcnow()
    release = ScheduleRelease(
        conference_id=conference.id,
        number=number,
        version=version,
        comment=comment,
        published_at=now,
        published_by_id=getattr(user, "id", None),
        snapshot=snapshot,
        changes=changes,
    )
    db.session.add(release)
    first_time = [s.id for s in sessions if s.published_at is None and not s.cancelled]
    if first_time:
        db.session.execute(
            update(ScheduleSession)
            .where(ScheduleSession.id.in_(first_time))
            .values(published_at=now)
            .execution_options(synchronize_session=False)
        )
    db.session.flush()
    # The latest release from now on, for the rest of this transaction too.
    transaction_cache("schedule.latest_release")[conference.id] = release.id
    signals.schedule_published.send(conference, release=release, changes=changes)
    return release
