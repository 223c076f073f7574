"""The timetable's section of the conference JSON: ``sessions`` with their speakers."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from eventsys.conferences.extend import JsonSection
from eventsys.conferences.jsonio import (
    Checker,
    format_local,
    reference,
    set_columns,
    unique_codes,
    with_extras,
)
from eventsys.conferences.models import Conference
from eventsys.extensions import db
from eventsys.schedule.models import SESSION_KINDS, SPEAKER_ROLES, ScheduleSession, SessionSpeaker


def _parse_speakers(checker: Checker, row: dict, path: str) -> list[dict]:
    raw_speakers = row.get("speakers", [])
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


def parse_sessions(checker: Checker, data: dict, context: dict) -> dict:
    tz = context["tz"]
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
                "speakers": _parse_speakers(checker, row, path),
            }
        )
    context["session_codes"] = unique_codes(checker, sessions, "sessions")
    return {"sessions": sessions}


def load_sessions(conference: Conference, spec: dict, context: dict) -> None:
    existing = {
        s.code: s
        for s in db.session.execute(
            select(ScheduleSession).where(ScheduleSession.conference_id == conference.id)
        ).scalars()
    }
    sessions = {}
    rooms, forums = context["rooms"], context["forums"]
    for position, row in enumerate(spec["sessions"], start=1):
        session = existing.pop(row["code"], None)
        if session is None:
            session = ScheduleSession(conference_id=conference.id, code=row["code"])
            db.session.add(session)
        session.position = position
        set_columns(session, row, skip=("code", "room", "forum", "speakers"))
        session.room = rooms.get(row["room"]) if row["room"] else None
        session.forum = forums.get(row["forum"]) if row["forum"] else None
        session.speakers = [
            SessionSpeaker(position=number, **speaker)
            for number, speaker in enumerate(row["speakers"], start=1)
        ]
        sessions[row["code"]] = session
    for session in existing.values():
        db.session.delete(session)
    db.session.flush()
    context["sessions"] = sessions


def export_sessions(conference: Conference, out: dict) -> None:
    tz = conference.tz
    sessions = db.session.execute(
        select(ScheduleSession)
        .where(ScheduleSession.conference_id == conference.id)
        .order_by(ScheduleSession.position, ScheduleSession.starts_at, ScheduleSession.id)
    ).scalars()
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
            {"title_en": s.title_en, "description": s.description},
            {"title_en": "", "description": ""},
        )
        for s in sessions
    ]


SECTION = JsonSection("sessions", parse_sessions, load_sessions, export_sessions, order=20)
