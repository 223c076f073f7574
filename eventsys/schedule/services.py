"""Timetable rules: saving, moving, copying, cancelling and deleting sessions, people and their
roles in sessions. Plain functions: they raise domain errors, flush, never commit.

Conflicts (a room or a person booked twice …) never stop a save: they are warnings
(``conflicts.py``). What is refused is what cannot be right: an end before its start, a time
outside the conference, a room, forum or person of another conference or none at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from eventsys.conferences.models import Conference, Forum, Room
from eventsys.conferences.services import CODE_RE, MAX_CAPACITY
from eventsys.db_types import utcnow
from eventsys.errors import Conflict, NotFound, ValidationError
from eventsys.extensions import db
from eventsys.schedule.models import (
    SESSION_KINDS,
    SPEAKER_ROLES,
    Person,
    ScheduleSession,
    SessionSpeaker,
    person_key,
)
from eventsys.text import clean_text


def _sessions_using(column, part) -> str | None:
    count = db.session.execute(
        select(func.count()).select_from(ScheduleSession).where(column == part.id)
    ).scalar_one()
    if count:
        return _(
            "%(name)s is used by %(count)s session(s) of the timetable; move them first.",
            name=part.name,
            count=count,
        )
    return None


def room_in_use(sender, part, **_kwargs) -> str | None:
    """Why a room cannot be deleted: sessions take place in it."""
    return _sessions_using(ScheduleSession.room_id, part)


def forum_in_use(sender, part, **_kwargs) -> str | None:
    """Why a forum cannot be deleted: sessions belong to it."""
    return _sessions_using(ScheduleSession.forum_id, part)


# --- sessions ------------------------------------------------------------------------------


@dataclass
class SessionFields:
    """What an organizer sets on a session (local date and times in the conference's zone)."""

    code: str = ""
    title: str = ""
    title_en: str = ""
    kind: str = "talk"
    room: str | int | None = None  # a room's id (form) or code (API)
    forum: str | int | None = None
    day: date | str | None = None
    start: time | str | None = None
    end: time | str | None = None
    capacity: int | str | None = None
    description: str = ""
    description_en: str = ""


def get_session(conference: Conference, session_id) -> ScheduleSession:
    session = db.session.get(ScheduleSession, session_id) if str(session_id).isdigit() else None
    if session is None or session.conference_id != conference.id:
        raise NotFound(_("No such session in this conference."))
    return session


def _part(conference: Conference, model, value, field: str, errors: dict):
    """A room or forum of this conference by id or code; None for empty."""
    if value in (None, ""):
        return None
    query = select(model).where(model.conference_id == conference.id)
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        found = db.session.execute(query.where(model.id == int(value))).scalar_one_or_none()
    else:
        found = db.session.execute(query.where(model.code == str(value))).scalar_one_or_none()
    if found is None:
        errors[field] = (
            _("No such room in this conference.")
            if model is Room
            else _("No such forum in this conference.")
        )
    return found


def _parse_day(value, errors: dict) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        errors["day"] = _("a date as YYYY-MM-DD")
        return None


def _parse_time(value, field: str, errors: dict) -> time | None:
    if isinstance(value, time):
        return value
    text = str(value or "").strip()
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).time()
        except ValueError:
            continue
    errors[field] = _("a time as HH:MM")
    return None


def local_span(conference: Conference, day: date, start: time, end: time):
    """Aware UTC start and end from a local day and times; an end at or before the start
    means the next day only when it is 00:00 (a session until midnight)."""
    tz = conference.tz
    starts_at = datetime.combine(day, start, tz)
    end_day = day + timedelta(days=1) if end == time(0, 0) and start != time(0, 0) else day
    ends_at = datetime.combine(end_day, end, tz)
    return starts_at, ends_at


def check_span(conference: Conference, starts_at: datetime, ends_at: datetime, errors: dict):
    """An end after the start, both within the conference's days."""
    if ends_at <= starts_at:
        errors["end"] = _("The end must be after the start.")
        return
    tz = conference.tz
    first, last = conference.starts_on, conference.ends_on
    start_day = starts_at.astimezone(tz).date()
    local_end = ends_at.astimezone(tz)
    end_day = local_end.date()
    if local_end.time() == time(0, 0):
        end_day -= timedelta(days=1)
    if not first <= start_day <= last or not first <= end_day <= last:
        errors["day"] = _(
            "The conference runs from %(first)s to %(last)s; the session must be within it.",
            first=first.isoformat(),
            last=last.isoformat(),
        )


def _capacity(value, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors["capacity"] = _("a whole number, or empty for no limit")
        return None
    if not 0 <= number <= MAX_CAPACITY:
        errors["capacity"] = _("a whole number, or empty for no limit")
        return None
    return number


def save_session(
    conference: Conference, fields: SessionFields, session: ScheduleSession | None = None
) -> ScheduleSession:
    """Create a session (``session`` None) or change one; all fields are checked first and
    nothing is saved when one is wrong."""
    errors: dict[str, str] = {}
    code = clean_text(fields.code, 64, "code", errors, required=True)
    if code and not CODE_RE.match(code):
        errors["code"] = _("letters, digits, '-', '_' or '.' only")
    title = clean_text(fields.title, 300, "title", errors, required=True)
    title_en = clean_text(fields.title_en, 300, "title_en", errors)
    description = clean_text(fields.description, 20000, "description", errors, multiline=True)
    description_en = clean_text(
        fields.description_en, 20000, "description_en", errors, multiline=True
    )
    kind = fields.kind or "talk"
    if kind not in SESSION_KINDS:
        errors["kind"] = _("one of %(values)s", values=", ".join(SESSION_KINDS))
    room = _part(conference, Room, fields.room, "room", errors)
    forum = _part(conference, Forum, fields.forum, "forum", errors)
    day = _parse_day(fields.day, errors)
    start = _parse_time(fields.start, "start", errors)
    end = _parse_time(fields.end, "end", errors)
    capacity = _capacity(fields.capacity, errors)
    if day and start and end:
        starts_at, ends_at = local_span(conference, day, start, end)
        check_span(conference, starts_at, ends_at, errors)
    if code and "code" not in errors:
        taken = db.session.execute(
            select(ScheduleSession.id).where(
                ScheduleSession.conference_id == conference.id,
                ScheduleSession.code == code,
                ScheduleSession.id != (session.id if session else -1),
            )
        ).first()
        if taken:
            errors["code"] = _("Another session has this code.")
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    if session is None:
        last = db.session.execute(
            select(func.max(ScheduleSession.position)).where(
                ScheduleSession.conference_id == conference.id
            )
        ).scalar_one()
        session = ScheduleSession(conference_id=conference.id, position=(last or 0) + 1)
        db.session.add(session)
    session.code = code
    session.title, session.title_en = title, title_en
    session.description, session.description_en = description, description_en
    session.kind = kind
    session.room, session.forum = room, forum
    session.starts_at, session.ends_at = starts_at, ends_at
    session.capacity = capacity
    db.session.flush()
    return session


def move_session(
    conference: Conference, session: ScheduleSession, starts_at: datetime, room_id: int | None
) -> ScheduleSession:
    """Move a session to a new start (keeping its length) and room, as the editor's grid
    does when a session is dragged."""
    errors: dict[str, str] = {}
    room = _part(conference, Room, room_id, "room", errors) if room_id is not None else None
    length = session.ends_at - session.starts_at
    ends_at = starts_at + length
    check_span(conference, starts_at, ends_at, errors)
    if session.cancelled:
        errors["session"] = _("A cancelled session cannot be moved; restore it first.")
    if errors:
        raise ValidationError(_("The session cannot be moved there."), errors)
    session.starts_at, session.ends_at = starts_at, ends_at
    if room_id is not None:
        session.room = room
    db.session.flush()
    return session


def _free_code(conference: Conference, base: str) -> str:
    taken = set(
        db.session.execute(
            select(ScheduleSession.code).where(
                ScheduleSession.conference_id == conference.id,
                ScheduleSession.code.like(f"{base[:56]}%"),
            )
        ).scalars()
    )
    for number in range(2, 10_000):
        candidate = f"{base[:56]}-{number}"
        if candidate not in taken:
            return candidate
    raise Conflict(_("Too many copies of this session."))


def copy_session(conference: Conference, session: ScheduleSession) -> ScheduleSession:
    """A new, unpublished session like ``session`` (same time, room and people) with a new
    code: a starting point for the next forum or the second day's repeat."""
    copy = ScheduleSession(
        conference_id=conference.id,
        code=_free_code(conference, session.code),
        title=session.title,
        title_en=session.title_en,
        kind=session.kind,
        room_id=session.room_id,
        forum_id=session.forum_id,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        capacity=session.capacity,
        description=session.description,
        description_en=session.description_en,
        position=session.position,
    )
    copy.speakers = [
        SessionSpeaker(person_id=link.person_id, role=link.role, position=link.position)
        for link in session.speakers
    ]
    db.session.add(copy)
    db.session.flush()
    return copy


def remove_session(conference: Conference, session: ScheduleSession) -> str:
    """Delete a session never published ("deleted"), or cancel one the public has seen
    ("cancelled": it stays, marked, for enrollments and check-in lists that refer to it)."""
    if session.published_at is None:
        db.session.delete(session)
        db.session.flush()
        return "deleted"
    session.cancelled_at = session.cancelled_at or utcnow()
    db.session.flush()
    return "cancelled"


def restore_session(conference: Conference, session: ScheduleSession) -> ScheduleSession:
    session.cancelled_at = None
    db.session.flush()
    return session


# --- people --------------------------------------------------------------------------------


@dataclass
class PersonFields:
    name: str = ""
    name_en: str = ""
    organization: str = ""
    title: str = ""
    bio: str = ""
    bio_en: str = ""
    contact: str = ""


def get_person(conference: Conference, person_id) -> Person:
    person = db.session.get(Person, person_id) if str(person_id).isdigit() else None
    if person is None or person.conference_id != conference.id:
        raise NotFound(_("No such person in this conference."))
    return person


def find_person(conference: Conference, name: str, organization: str) -> Person | None:
    """The person with this name and organization, compared without spaces, full-width forms
    or case."""
    return db.session.execute(
        select(Person).where(
            Person.conference_id == conference.id,
            Person.name_key == person_key(name),
            Person.organization_key == person_key(organization),
        )
    ).scalar_one_or_none()


def save_person(
    conference: Conference, fields: PersonFields, person: Person | None = None
) -> Person:
    """Create or change a person; the same name and organization as another person (however
    spaced or typed) is refused: that is the other person."""
    errors: dict[str, str] = {}
    name = clean_text(fields.name, 100, "name", errors, required=True)
    values = {
        "name_en": clean_text(fields.name_en, 100, "name_en", errors),
        "organization": clean_text(fields.organization, 200, "organization", errors),
        "title": clean_text(fields.title, 200, "title", errors),
        "bio": clean_text(fields.bio, 20000, "bio", errors, multiline=True),
        "bio_en": clean_text(fields.bio_en, 20000, "bio_en", errors, multiline=True),
        "contact": clean_text(fields.contact, 300, "contact", errors),
    }
    if not errors:
        same = find_person(conference, name, values["organization"])
        if same is not None and same is not person:
            errors["name"] = _(
                "%(name)s of %(organization)s is already listed; edit that person instead.",
                name=same.name,
                organization=same.organization or "—",
            )
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    if person is None:
        person = Person(conference_id=conference.id)
        db.session.add(person)
    person.name = name
    for key, value in values.items():
        setattr(person, key, value)
    person.set_keys()
    db.session.flush()
    return person


def assign_person(
    conference: Conference,
    session: ScheduleSession,
    role: str,
    person_id=None,
    new: PersonFields | None = None,
) -> SessionSpeaker:
    """Put a person in a session with a role: an existing person (``person_id``), or a new
    one (``new``), matched with an existing one of the same name and organization."""
    errors: dict[str, str] = {}
    if role not in SPEAKER_ROLES:
        errors["role"] = _("one of %(values)s", values=", ".join(SPEAKER_ROLES))
    person = None
    if person_id not in (None, "", 0, "0"):
        try:
            person = get_person(conference, person_id)
        except NotFound as error:
            errors["person"] = error.message
    elif new is not None and (new.name or "").strip():
        if not errors:
            person = find_person(conference, new.name.strip(), (new.organization or "").strip())
            if person is None:
                try:
                    person = save_person(conference, new)
                except ValidationError as error:
                    errors.update(error.errors)
    else:
        errors["person"] = _("Choose a person or type a new name.")
    if person is not None and not errors:
        for link in session.speakers:
            if link.person_id == person.id and link.role == role:
                errors["person"] = _(
                    "%(name)s already has this role in this session.", name=person.name
                )
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    link = SessionSpeaker(
        person_id=person.id,
        role=role,
        position=max((s.position for s in session.speakers), default=0) + 1,
    )
    session.speakers.append(link)
    db.session.flush()
    return link


def unassign(conference: Conference, session: ScheduleSession, link_id) -> None:
    for link in session.speakers:
        if str(link.id) == str(link_id):
            session.speakers.remove(link)
            db.session.flush()
            return
    raise NotFound(_("This person is not in this session."))


def delete_person(conference: Conference, person: Person) -> None:
    """Delete a person who is in no session."""
    if person.links:
        raise Conflict(
            _(
                "%(name)s is in %(count)s session(s); take them out first.",
                name=person.name,
                count=len(person.links),
            )
        )
    db.session.delete(person)
    db.session.flush()
