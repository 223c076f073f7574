"""The timetable's section of the conference JSON: ``sessions`` with their speakers (the
contract's shape: name, affiliation, role) and, optionally, ``people`` with what a person has
besides (title, bio, contact …).

People are matched by normalised name and affiliation (``person_key``): "张 三" and "张三" of
one organization are one person, one row, however many sessions they are in.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from eventsys.conferences.extend import JsonSection
from eventsys.conferences.jsonio import (
    Checker,
    format_local,
    reference,
    unique_codes,
    with_extras,
)
from eventsys.conferences.models import Conference
from eventsys.db_types import utcnow
from eventsys.extensions import db
from eventsys.schedule.models import (
    SESSION_KINDS,
    SPEAKER_ROLES,
    Person,
    ScheduleSession,
    SessionSpeaker,
    person_key,
)
from eventsys.schedule.releases import draft_sessions

PERSON_EXTRAS = {
    "name_en": "",
    "title": "",
    "bio": "",
    "bio_en": "",
    "contact": "",
}


def _parse_speakers(checker: Checker, row: dict, path: str) -> list[dict]:
    raw_speakers = row.get("speakers", [])
    if raw_speakers is None:
        return []
    if not isinstance(raw_speakers, list):
        checker.fail(f"{path}speakers", _("must be a list"))
        return []
    speakers = []
    for j, raw_speaker in enumerate(raw_speakers):
        spath = f"{path}speakers[{j}]."
        speaker = checker.obj(raw_speaker, spath.rstrip("."))
        role = checker.text(speaker, "role", spath, required=False, default="speaker") or "speaker"
        if role not in SPEAKER_ROLES:
            checker.fail(f"{spath}role", _("one of %(values)s", values=", ".join(SPEAKER_ROLES)))
        speakers.append(
            {
                "name": checker.text(speaker, "name", spath, max_len=100),
                "affiliation": checker.text(speaker, "affiliation", spath, required=False),
                "role": role,
            }
        )
    return speakers


def _parse_people(checker: Checker, data: dict) -> list[dict]:
    people = []
    seen: dict[tuple, int] = {}
    for i, raw in enumerate(checker.items(data, "people")):
        path = f"people[{i}]."
        row = checker.obj(raw, path.rstrip("."))
        person = {
            "name": checker.text(row, "name", path, max_len=100),
            "affiliation": checker.text(row, "affiliation", path, required=False),
            "name_en": checker.text(row, "name_en", path, required=False, max_len=100),
            "title": checker.text(row, "title", path, required=False),
            "bio": checker.text(row, "bio", path, required=False, max_len=20000),
            "bio_en": checker.text(row, "bio_en", path, required=False, max_len=20000),
            "contact": checker.text(row, "contact", path, required=False, max_len=300),
        }
        key = (person_key(person["name"]), person_key(person["affiliation"]))
        if key in seen:
            checker.fail(
                f"{path}name",
                _(
                    "the same person as people[%(n)s] (names and affiliations are compared "
                    "without spaces and full-width forms)",
                    n=seen[key],
                ),
            )
        seen[key] = i
        people.append(person)
    return people


def parse_sessions(checker: Checker, data: dict, context: dict) -> dict:
    tz = context["tz"]
    first_day, last_day = context.get("starts_on"), context.get("ends_on")
    sessions = []
    for i, raw in enumerate(checker.items(data, "sessions")):
        path = f"sessions[{i}]."
        row = checker.obj(raw, path.rstrip("."))
        kind = checker.text(row, "kind", path, required=False, default="talk") or "talk"
        if kind not in SESSION_KINDS:
            checker.fail(f"{path}kind", _("one of %(values)s", values=", ".join(SESSION_KINDS)))
        starts_at = checker.local_time(row, "starts_at", path, tz)
        ends_at = checker.local_time(row, "ends_at", path, tz)
        if starts_at and ends_at and ends_at <= starts_at:
            checker.fail(f"{path}ends_at", _("must be after starts_at"))
        if starts_at and first_day and last_day:
            for key, value in (("starts_at", starts_at), ("ends_at", ends_at)):
                if value is None:
                    continue
                day = value.astimezone(tz).date()
                at_midnight_after = (
                    key == "ends_at" and value.astimezone(tz).time().isoformat() == "00:00:00"
                )
                if not (first_day <= day <= last_day) and not (
                    at_midnight_after and (day - last_day).days == 1
                ):
                    checker.fail(
                        f"{path}{key}",
                        _(
                            "outside the conference (%(first)s to %(last)s)",
                            first=first_day.isoformat(),
                            last=last_day.isoformat(),
                        ),
                    )
        cancelled = checker.boolean(row, "cancelled", path)
        sessions.append(
            {
                "code": checker.code(row, "code", path),
                "title": checker.text(row, "title", path, max_len=300),
                "title_en": checker.text(row, "title_en", path, required=False, max_len=300),
                "kind": kind,
                "room": reference(checker, row, "room", path, context["room_codes"]),
                "forum": reference(checker, row, "forum", path, context["forum_codes"]),
                "starts_at": starts_at,
                "ends_at": ends_at,
                "capacity": checker.capacity(row, "capacity", path),
                "description": checker.text(
                    row, "description", path, required=False, max_len=20000
                ),
                "description_en": checker.text(
                    row, "description_en", path, required=False, max_len=20000
                ),
                "cancelled": cancelled,
                "speakers": _parse_speakers(checker, row, path),
            }
        )
    context["session_codes"] = unique_codes(checker, sessions, "sessions")
    return {"sessions": sessions, "people": _parse_people(checker, data)}


def _load_people(conference: Conference, spec: dict) -> tuple[dict, list]:
    """Every person of the file (the ``people`` list and the sessions' speakers) as a row,
    matched with the existing ones by normalised name and affiliation; and the people the file
    no longer has."""
    existing = {
        (p.name_key, p.organization_key): p
        for p in db.session.execute(
            select(Person).where(Person.conference_id == conference.id)
        ).scalars()
    }
    wanted: dict[tuple, Person] = {}

    def person_for(name: str, affiliation: str) -> Person:
        key = (person_key(name), person_key(affiliation))
        person = wanted.get(key) or existing.get(key)
        if person is None:
            person = Person(conference_id=conference.id, name=name, organization=affiliation)
            person.set_keys()
            db.session.add(person)
        wanted[key] = person
        return person

    for row in spec.get("people", []):
        person = person_for(row["name"], row["affiliation"])
        person.name, person.organization = row["name"], row["affiliation"]
        for key in PERSON_EXTRAS:
            setattr(person, key, row[key])
    for session in spec["sessions"]:
        for speaker in session["speakers"]:
            person_for(speaker["name"], speaker["affiliation"])
    db.session.flush()
    return wanted, [person for key, person in existing.items() if key not in wanted]


def load_sessions(conference: Conference, spec: dict, context: dict) -> None:
    existing = {
        s.code: s
        for s in db.session.execute(
            select(ScheduleSession).where(ScheduleSession.conference_id == conference.id)
        ).scalars()
    }
    people, gone = _load_people(conference, spec)
    sessions = {}
    rooms, forums = context["rooms"], context["forums"]
    now = utcnow()
    for position, row in enumerate(spec["sessions"], start=1):
        session = existing.pop(row["code"], None)
        if session is None:
            session = ScheduleSession(conference_id=conference.id, code=row["code"])
            db.session.add(session)
        session.position = position
        for key in (
            "title",
            "title_en",
            "kind",
            "starts_at",
            "ends_at",
            "capacity",
            "description",
            "description_en",
        ):
            setattr(session, key, row[key])
        if row["cancelled"]:
            session.cancelled_at = session.cancelled_at or now
        else:
            session.cancelled_at = None
        session.room = rooms.get(row["room"]) if row["room"] else None
        session.forum = forums.get(row["forum"]) if row["forum"] else None
        session.speakers = [
            SessionSpeaker(
                position=number,
                role=speaker["role"],
                person_id=people[
                    (person_key(speaker["name"]), person_key(speaker["affiliation"]))
                ].id,
            )
            for number, speaker in enumerate(row["speakers"], start=1)
        ]
        sessions[row["code"]] = session
    for session in existing.values():
        # A session the public has seen stays, cancelled (enrollments and check-in lists may
        # refer to it); one never published goes.
        if session.published_at is not None:
            session.cancelled_at = session.cancelled_at or now
            sessions[session.code] = session
        else:
            db.session.delete(session)
    db.session.flush()
    for person in gone:
        db.session.delete(person)
    db.session.flush()
    context["sessions"] = sessions


def export_sessions(conference: Conference, out: dict) -> None:
    tz = conference.tz
    sessions = sorted(draft_sessions(conference), key=lambda s: (s.position, s.starts_at, s.id))
    out["sessions"] = [
        with_extras(
            {
                "code": s.code,
                "title": s.title,
                "kind": s.kind,
                "room": s.room.code if s.room else None,
                "forum": s.forum.code if s.forum else None,
                "starts_at": format_local(s.starts_at, tz),
                "ends_at": format_local(s.ends_at, tz),
                "capacity": s.capacity,
                "speakers": [
                    {"name": p.name, "affiliation": p.affiliation, "role": p.role}
                    for p in s.speakers
                ],
            },
            {
                "title_en": s.title_en,
                "description": s.description,
                "description_en": s.description_en,
                "cancelled": s.cancelled,
            },
            {"title_en": "", "description": "", "description_en": "", "cancelled": False},
        )
        for s in sessions
    ]
    linked = {link.person_id for s in sessions for link in s.speakers}
    people = db.session.execute(
        select(Person).where(Person.conference_id == conference.id).order_by(Person.id)
    ).scalars()
    listed = [
        with_extras(
            {"name": p.name, "affiliation": p.organization},
            {key: getattr(p, key) for key in PERSON_EXTRAS},
            PERSON_EXTRAS,
        )
        for p in people
        if p.id not in linked or any(getattr(p, key) for key in PERSON_EXTRAS)
    ]
    if listed:
        out["people"] = listed


SECTION = JsonSection("sessions", parse_sessions, load_sessions, export_sessions, order=20)
