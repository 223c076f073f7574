"""The conference JSON of the contract: check it, load it, export it.

Export gives back exactly what was loaded: the contract's keys always, the extra keys this
program understands (``title_en`` of a session, ``name_en`` of a category ...) only when they
hold something other than their default.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select

from eventsys.conferences import services
from eventsys.conferences.models import Category, CheckinList, Conference, Forum, Room
from eventsys.errors import Conflict, ValidationError
from eventsys.extensions import db
from eventsys.registration.models import QUESTION_KINDS, Question
from eventsys.schedule.models import SESSION_KINDS, SPEAKER_ROLES, ScheduleSession, SessionSpeaker
from eventsys.text import valid_text

LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


class _Checker:
    """Walks the JSON, collecting errors by field path (``sessions[3].room``)."""

    def __init__(self):
        self.errors: dict[str, str] = {}

    def fail(self, path: str, reason: str) -> None:
        self.errors.setdefault(path, reason)

    def obj(self, value: Any, path: str) -> dict:
        if not isinstance(value, dict):
            self.fail(path, "must be an object")
            return {}
        return value

    def text(self, d: dict, key: str, path: str, required=True, max_len=200, default="") -> str:
        value = d.get(key, None)
        if value is None:
            if required:
                self.fail(f"{path}{key}", "required")
            return default
        if not isinstance(value, str):
            self.fail(f"{path}{key}", "must be a string")
            return default
        value = valid_text(value, f"{path}{key}", self.errors).strip()
        if required and not value:
            self.fail(f"{path}{key}", "must not be empty")
        if len(value) > max_len:
            self.fail(f"{path}{key}", f"at most {max_len} characters")
        return value

    def code(self, d: dict, key: str, path: str) -> str:
        value = self.text(d, key, path, max_len=64)
        if value and not services.CODE_RE.match(value):
            self.fail(f"{path}{key}", "letters, digits, '-', '_' or '.' only")
        return value

    def boolean(self, d: dict, key: str, path: str, default=False) -> bool:
        value = d.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(f"{path}{key}", "must be true or false")
            return default
        return value

    def capacity(self, d: dict, key: str, path: str) -> int | None:
        value = d.get(key)
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 0 <= value <= services.MAX_CAPACITY
        ):
            self.fail(f"{path}{key}", "must be a whole number >= 0, or null")
            return None
        return value

    def day(self, d: dict, key: str, path: str) -> date | None:
        value = d.get(key)
        if not isinstance(value, str):
            self.fail(f"{path}{key}", "required, a date as YYYY-MM-DD")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"{path}{key}", "must be a date as YYYY-MM-DD")
            return None

    def local_time(
        self, d: dict, key: str, path: str, tz: ZoneInfo, required=True
    ) -> datetime | None:
        value = d.get(key)
        if value is None and not required:
            return None
        if isinstance(value, str):
            parsed = parse_local(value, tz)
            if parsed is not None:
                return parsed
        self.fail(f"{path}{key}", "must be a local time as YYYY-MM-DDTHH:MM")
        return None

    def items(self, data: dict, key: str) -> list:
        value = data.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(key, "must be a list")
            return []
        return value


def parse_local(value: str, tz: ZoneInfo) -> datetime | None:
    """A conference-local time text as an aware UTC datetime, or None if it is no time."""
    value = value.strip()
    for fmt in LOCAL_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=tz).astimezone(UTC)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)


def format_local(value: datetime | None, tz: ZoneInfo) -> str | None:
    if value is None:
        return None
    local = value.astimezone(tz)
    return local.strftime("%Y-%m-%dT%H:%M:%S" if local.second else "%Y-%m-%dT%H:%M")


def _unique(checker: _Checker, rows: list[dict], list_name: str) -> set[str]:
    seen: set[str] = set()
    for index, row in enumerate(rows):
        code = row.get("code")
        if code in seen:
            checker.fail(f"{list_name}[{index}].code", f"duplicate code {code!r}")
        seen.add(code)
    return seen


def parse_conference_json(data: Any) -> dict:
    """Check the whole document and return it normalised; raise naming every bad field."""
    checker = _Checker()
    data = checker.obj(data, "(document)")
    out: dict[str, Any] = {}
    slug = checker.text(data, "slug", "", max_len=64)
    if slug and not services.SLUG_RE.match(slug):
        checker.fail("slug", "2-64 lower-case letters, digits and dashes")
    out["slug"] = slug
    out["title"] = checker.text(data, "title", "")
    out["title_en"] = checker.text(data, "title_en", "", required=False)
    out["starts_on"] = checker.day(data, "starts_on", "")
    out["ends_on"] = checker.day(data, "ends_on", "")
    if out["starts_on"] and out["ends_on"] and out["ends_on"] < out["starts_on"]:
        checker.fail("ends_on", "before starts_on")
    timezone = checker.text(data, "timezone", "", required=False, default="Asia/Shanghai")
    try:
        tz = ZoneInfo(timezone or "Asia/Shanghai")
    except (ValueError, KeyError, OSError):
        checker.fail("timezone", f"unknown time zone {timezone!r}")
        tz = ZoneInfo("Asia/Shanghai")
    out["timezone"] = timezone or "Asia/Shanghai"
    out["venue"] = checker.text(data, "venue", "", required=False)
    out["venue_en"] = checker.text(data, "venue_en", "", required=False)
    out["description"] = checker.text(data, "description", "", required=False, max_len=20000)
    out["capacity"] = checker.capacity(data, "capacity", "")
    out["registration_opens_at"] = checker.local_time(
        data, "registration_opens_at", "", tz, required=False
    )
    out["registration_closes_at"] = checker.local_time(
        data, "registration_closes_at", "", tz, required=False
    )

    categories = []
    for i, raw in enumerate(checker.items(data, "categories")):
        path = f"categories[{i}]."
        row = checker.obj(raw, path.rstrip("."))
        categories.append(
            {
                "code": checker.code(row, "code", path),
                "name": checker.text(row, "name", path),
                "name_en": checker.text(row, "name_en", path, required=False),
                "capacity": checker.capacity(row, "capacity", path),
                "requires_approval": checker.boolean(row, "requires_approval", path),
                "invite_only": checker.boolean(row, "invite_only", path),
            }
        )
    _unique(checker, categories, "categories")

    def simple(list_name: str, with_capacity: bool) -> list[dict]:
        rows = []
        for i, raw in enumerate(checker.items(data, list_name)):
            path = f"{list_name}[{i}]."
            row = checker.obj(raw, path.rstrip("."))
            item = {
                "code": checker.code(row, "code", path),
                "name": checker.text(row, "name", path),
                "name_en": checker.text(row, "name_en", path, required=False),
            }
            if with_capacity:
                item["capacity"] = checker.capacity(row, "capacity", path)
            rows.append(item)
        _unique(checker, rows, list_name)
        return rows

    forums = simple("forums", with_capacity=False)
    rooms = simple("rooms", with_capacity=True)
    forum_codes = {f["code"] for f in forums}
    room_codes = {r["code"] for r in rooms}

    sessions = []
    for i, raw in enumerate(checker.items(data, "sessions")):
        path = f"sessions[{i}]."
        row = checker.obj(raw, path.rstrip("."))
        kind = checker.text(row, "kind", path, required=False, default="talk") or "talk"
        if kind not in SESSION_KINDS:
            checker.fail(f"{path}kind", f"one of {', '.join(SESSION_KINDS)}")
        room = row.get("room")
        if room is not None and room not in room_codes:
            checker.fail(f"{path}room", f"no room with code {room!r}")
        forum = row.get("forum")
        if forum is not None and forum not in forum_codes:
            checker.fail(f"{path}forum", f"no forum with code {forum!r}")
        starts_at = checker.local_time(row, "starts_at", path, tz)
        ends_at = checker.local_time(row, "ends_at", path, tz)
        if starts_at and ends_at and ends_at <= starts_at:
            checker.fail(f"{path}ends_at", "must be after starts_at")
        speakers = []
        raw_speakers = row.get("speakers", [])
        if not isinstance(raw_speakers, list):
            checker.fail(f"{path}speakers", "must be a list")
            raw_speakers = []
        for j, raw_speaker in enumerate(raw_speakers):
            spath = f"{path}speakers[{j}]."
            speaker = checker.obj(raw_speaker, spath.rstrip("."))
            role = checker.text(speaker, "role", spath, required=False, default="speaker")
            role = role or "speaker"
            if role not in SPEAKER_ROLES:
                checker.fail(f"{spath}role", f"one of {', '.join(SPEAKER_ROLES)}")
            speakers.append(
                {
                    "name": checker.text(speaker, "name", spath, max_len=100),
                    "affiliation": checker.text(speaker, "affiliation", spath, required=False),
                    "role": role,
                }
            )
        sessions.append(
            {
                "code": checker.code(row, "code", path),
                "title": checker.text(row, "title", path, max_len=300),
                "title_en": checker.text(row, "title_en", path, required=False, max_len=300),
                "kind": kind,
                "room": room,
                "forum": forum,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "capacity": checker.capacity(row, "capacity", path),
                "description": checker.text(
                    row, "description", path, required=False, max_len=20000
                ),
                "speakers": speakers,
            }
        )
    session_codes = _unique(checker, sessions, "sessions")

    checkin_lists = []
    for i, raw in enumerate(checker.items(data, "checkin_lists")):
        path = f"checkin_lists[{i}]."
        row = checker.obj(raw, path.rstrip("."))
        session = row.get("session")
        if session is not None and session not in session_codes:
            checker.fail(f"{path}session", f"no session with code {session!r}")
        checkin_lists.append(
            {
                "code": checker.code(row, "code", path),
                "name": checker.text(row, "name", path),
                "name_en": checker.text(row, "name_en", path, required=False),
                "session": session,
            }
        )
    _unique(checker, checkin_lists, "checkin_lists")

    questions = []
    for i, raw in enumerate(checker.items(data, "questions")):
        path = f"questions[{i}]."
        row = checker.obj(raw, path.rstrip("."))
        kind = checker.text(row, "kind", path, required=False, default="text") or "text"
        if kind not in QUESTION_KINDS:
            checker.fail(f"{path}kind", f"one of {', '.join(QUESTION_KINDS)}")
        options = []
        raw_options = row.get("options", [])
        if not isinstance(raw_options, list):
            checker.fail(f"{path}options", "must be a list")
            raw_options = []
        for j, option in enumerate(raw_options):
            opath = f"{path}options[{j}]."
            if isinstance(option, str):
                option = {"value": option, "label": option}
            option = checker.obj(option, opath.rstrip("."))
            entry = {
                "value": checker.text(option, "value", opath, max_len=100),
                "label": checker.text(option, "label", opath),
            }
            label_en = checker.text(option, "label_en", opath, required=False)
            if label_en:
                entry["label_en"] = label_en
            options.append(entry)
        if kind in ("choice", "multi") and not options:
            checker.fail(f"{path}options", "a choice question needs options")
        questions.append(
            {
                "code": checker.code(row, "code", path),
                "label": checker.text(row, "label", path, max_len=300),
                "label_en": checker.text(row, "label_en", path, required=False, max_len=300),
                "kind": kind,
                "required": checker.boolean(row, "required", path),
                "options": options,
            }
        )
    _unique(checker, questions, "questions")
    out["edits_require_approval"] = checker.boolean(data, "edits_require_approval", "")

    if checker.errors:
        shown = "; ".join(f"{k}: {v}" for k, v in list(checker.errors.items())[:5])
        more = len(checker.errors) - 5
        if more > 0:
            shown += f"; and {more} more"
        raise ValidationError(
            _("The conference file is not valid: %(errors)s", errors=shown), checker.errors
        )
    out.update(
        categories=categories,
        forums=forums,
        rooms=rooms,
        sessions=sessions,
        checkin_lists=checkin_lists,
        questions=questions,
    )
    return out


def _sync(conference: Conference, model: type, rows: list[dict], apply) -> dict[str, Any]:
    """Make the conference's rows of ``model`` exactly ``rows`` (matched by code)."""
    existing = {
        part.code: part
        for part in db.session.execute(
            select(model).where(model.conference_id == conference.id)
        ).scalars()
    }
    kind = next((k for k, m in services.PARTS.items() if m is model), None)
    by_code = {}
    for position, row in enumerate(rows, start=1):
        part = existing.pop(row["code"], None)
        if part is None:
            part = model(conference_id=conference.id, code=row["code"])
            db.session.add(part)
        part.position = position
        apply(part, row)
        by_code[row["code"]] = part
    for part in existing.values():
        if kind:
            for guard in services._DELETE_GUARDS[kind]:
                reason = guard(part)
                if reason:
                    raise Conflict(reason)
        db.session.delete(part)
    db.session.flush()
    return by_code


def load_conference(data: Any, replace: bool = False) -> Conference:
    """Create a conference from its JSON, or with ``replace`` make an existing one match it."""
    spec = parse_conference_json(data)
    conference = db.session.execute(
        select(Conference).where(Conference.slug == spec["slug"])
    ).scalar_one_or_none()
    if conference is not None and not replace:
        raise Conflict(
            _(
                "A conference with slug %(slug)s already exists; use --replace to update it.",
                slug=spec["slug"],
            ),
            {"slug": _("already used")},
        )
    own = {
        key: spec[key]
        for key in (
            "slug",
            "title",
            "title_en",
            "starts_on",
            "ends_on",
            "timezone",
            "venue",
            "venue_en",
            "description",
            "capacity",
            "registration_opens_at",
            "registration_closes_at",
            "edits_require_approval",
        )
    }
    if conference is None:
        conference = Conference(**own)
        db.session.add(conference)
    else:
        for key, value in own.items():
            setattr(conference, key, value)
    db.session.flush()

    def set_columns(part, row):
        for key, value in row.items():
            if key not in ("code", "session", "room", "forum", "speakers"):
                setattr(part, key, value)

    _sync(conference, Category, spec["categories"], set_columns)
    forums = _sync(conference, Forum, spec["forums"], set_columns)
    rooms = _sync(conference, Room, spec["rooms"], set_columns)

    existing_sessions = {
        s.code: s
        for s in db.session.execute(
            select(ScheduleSession).where(ScheduleSession.conference_id == conference.id)
        ).scalars()
    }
    sessions = {}
    for position, row in enumerate(spec["sessions"], start=1):
        session = existing_sessions.pop(row["code"], None)
        if session is None:
            session = ScheduleSession(conference_id=conference.id, code=row["code"])
            db.session.add(session)
        session.position = position
        set_columns(session, row)
        session.room = rooms.get(row["room"]) if row["room"] else None
        session.forum = forums.get(row["forum"]) if row["forum"] else None
        session.speakers = [
            SessionSpeaker(position=position, **speaker)
            for position, speaker in enumerate(row["speakers"], start=1)
        ]
        sessions[row["code"]] = session
    for session in existing_sessions.values():
        db.session.delete(session)
    db.session.flush()

    def set_list(part, row):
        set_columns(part, row)
        part.session = sessions.get(row["session"]) if row["session"] else None

    _sync(conference, CheckinList, spec["checkin_lists"], set_list)
    _sync(conference, Question, spec["questions"], set_columns)
    db.session.flush()
    db.session.expire(conference)
    return conference


def _extras(out: dict, values: dict, defaults: dict) -> dict:
    for key, default in defaults.items():
        if values[key] != default:
            out[key] = values[key]
    return out


def export_conference(conference: Conference) -> dict:
    """The conference as the contract's JSON."""
    tz = conference.tz
    out = {
        "slug": conference.slug,
        "title": conference.title,
        "title_en": conference.title_en,
        "starts_on": conference.starts_on.isoformat(),
        "ends_on": conference.ends_on.isoformat(),
        "timezone": conference.timezone,
        "venue": conference.venue,
    }
    _extras(
        out,
        {
            "venue_en": conference.venue_en,
            "description": conference.description,
            "capacity": conference.capacity,
            "registration_opens_at": format_local(conference.registration_opens_at, tz),
            "registration_closes_at": format_local(conference.registration_closes_at, tz),
            "edits_require_approval": conference.edits_require_approval,
        },
        {
            "venue_en": "",
            "description": "",
            "capacity": None,
            "registration_opens_at": None,
            "registration_closes_at": None,
            "edits_require_approval": False,
        },
    )
    out["categories"] = [
        _extras(
            {
                "code": c.code,
                "name": c.name,
                "capacity": c.capacity,
                "requires_approval": c.requires_approval,
                "invite_only": c.invite_only,
            },
            {"name_en": c.name_en},
            {"name_en": ""},
        )
        for c in conference.categories
    ]
    out["forums"] = [
        _extras({"code": f.code, "name": f.name}, {"name_en": f.name_en}, {"name_en": ""})
        for f in conference.forums
    ]
    out["rooms"] = [
        _extras(
            {"code": r.code, "name": r.name, "capacity": r.capacity},
            {"name_en": r.name_en},
            {"name_en": ""},
        )
        for r in conference.rooms
    ]
    sessions = db.session.execute(
        select(ScheduleSession)
        .where(ScheduleSession.conference_id == conference.id)
        .order_by(ScheduleSession.position, ScheduleSession.starts_at, ScheduleSession.id)
    ).scalars()
    out["sessions"] = [
        _extras(
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
    out["checkin_lists"] = [
        _extras(
            {
                "code": cl.code,
                "name": cl.name,
                "session": cl.session.code if cl.session else None,
            },
            {"name_en": cl.name_en},
            {"name_en": ""},
        )
        for cl in conference.checkin_lists
    ]
    questions = db.session.execute(
        select(Question)
        .where(Question.conference_id == conference.id)
        .order_by(Question.position, Question.id)
    ).scalars()
    exported_questions = [
        _extras(
            {
                "code": q.code,
                "label": q.label,
                "kind": q.kind,
                "required": q.required,
                "options": list(q.options or []),
            },
            {"label_en": q.label_en},
            {"label_en": ""},
        )
        for q in questions
    ]
    if exported_questions:
        out["questions"] = exported_questions
    return out
