"""Forum choice and session enrollment: the rules, decided in the database.

Concurrency: a choice or an enrollment first locks the registration's row (one attendee's
changes happen one at a time: no double enrollment, no more forums than allowed), then the
row of the forum or session it takes a place in, and counts the places taken under that lock.
Two attendees racing for the last seat therefore queue on the session's row and the second
one counts the first one's seat. The lock order (registration, then forum or session, forums
and sessions in id order) is the same everywhere, so changes cannot deadlock. Unique
constraints back "once per attendee" for anything that slips past.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import JSON, delete, func, select, type_coerce
from sqlalchemy.exc import IntegrityError

from eventsys.agenda.models import (
    FORUM_CHOICE_MODES,
    ForumChoice,
    ForumChoiceSettings,
    ForumLimit,
    SessionEnrollment,
)
from eventsys.agenda.sessions import (
    AttendeeSession,
    attendee_session,
    is_cancelled,
    is_published,
    sessions_for_attendees,
)
from eventsys.conferences.models import Conference, Forum
from eventsys.db_types import utcnow
from eventsys.errors import Conflict, NotFound, ValidationError
from eventsys.extensions import db
from eventsys.i18n import localized
from eventsys.registration.models import Registration
from eventsys.registration.statuses import ACTIVE_STATUSES, Status
from eventsys.schedule.models import ScheduleSession
from eventsys.txcache import transaction_cache

MAX_FORUM_LIMIT = 1_000_000


# --- settings -------------------------------------------------------------------------------


def forum_settings(conference: Conference) -> ForumChoiceSettings:
    """The conference's forum-choice rules (unsaved defaults when none were set: not asked).
    Read once per transaction, or brought along with the conference (``preload_columns``);
    only for reading (``save_forum_settings`` changes them)."""
    cache = transaction_cache("agenda.forum_settings")
    settings = cache.get(conference.id)
    if settings is None:
        settings = db.session.get(ForumChoiceSettings, conference.id)
        if settings is None:
            settings = ForumChoiceSettings(
                conference_id=conference.id, mode="off", max_choices=None, changes_open=True
            )
        cache[conference.id] = settings
    return settings


def preload_columns(conference_id) -> list:
    """The forum-choice rules as one column of the query that loads the conference: a JSON
    array [mode, max_choices, changes_open], or NULL when the conference has none."""
    rules = (
        ForumChoiceSettings.mode,
        ForumChoiceSettings.max_choices,
        ForumChoiceSettings.changes_open,
    )
    array = func.json_build_array if db.engine.dialect.name == "postgresql" else func.json_array
    found = (
        select(array(*rules))
        .where(ForumChoiceSettings.conference_id == conference_id)
        .scalar_subquery()
    )
    return [type_coerce(found, JSON).label("agenda_forum_rules")]


def remember_preloaded(conference_id: int, values: dict) -> None:
    mode, max_choices, changes_open = values["agenda_forum_rules"] or ("off", None, True)
    transaction_cache("agenda.forum_settings")[conference_id] = ForumChoiceSettings(
        conference_id=conference_id,
        mode=mode,
        max_choices=max_choices,
        changes_open=bool(changes_open),
    )


def forum_limits(conference: Conference) -> dict[int, int | None]:
    """{forum id: how many may choose it (None: no limit)} for the conference's forums."""
    rows = db.session.execute(
        select(ForumLimit.forum_id, ForumLimit.capacity)
        .join(Forum, Forum.id == ForumLimit.forum_id)
        .where(Forum.conference_id == conference.id)
    ).all()
    return {forum_id: capacity for forum_id, capacity in rows}


def forum_headcounts(conference: Conference) -> dict[int, int]:
    """{forum id: attendees who chose it}, in one query."""
    rows = db.session.execute(
        select(ForumChoice.forum_id, func.count())
        .where(ForumChoice.conference_id == conference.id)
        .group_by(ForumChoice.forum_id)
    ).all()
    return {forum_id: count for forum_id, count in rows}


def save_forum_settings(
    conference: Conference,
    mode: str,
    max_choices: int | None,
    changes_open: bool,
    limits: dict[int, int | None],
) -> ForumChoiceSettings:
    """Save the rules: whether registrants are asked (``mode``), how many forums one may
    choose, whether they may still change, and each forum's limit (forum id → capacity).
    A limit below the number who already chose a forum is refused (they keep their place)."""
    errors: dict[str, str] = {}
    if mode not in FORUM_CHOICE_MODES:
        errors["mode"] = _("choose one of the options")
    if max_choices is not None and not 1 <= max_choices <= MAX_FORUM_LIMIT:
        errors["max_choices"] = _("a whole number of at least 1, or empty for no limit")
    forums = {forum.id: forum for forum in conference.forums}
    counts = forum_headcounts(conference)
    for forum_id, capacity in limits.items():
        forum = forums.get(forum_id)
        if forum is None:
            raise NotFound(_("This forum does not belong to the conference."))
        if capacity is None:
            continue
        if not 0 <= capacity <= MAX_FORUM_LIMIT:
            errors[f"limit_{forum_id}"] = _("a whole number of at least 0, or empty")
        elif capacity < counts.get(forum_id, 0):
            errors[f"limit_{forum_id}"] = _(
                "%(count)s attendees already chose this forum; the limit cannot be lower.",
                count=counts[forum_id],
            )
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    settings = db.session.get(ForumChoiceSettings, conference.id)
    if settings is None:
        settings = ForumChoiceSettings(conference_id=conference.id)
        db.session.add(settings)
    settings.mode = mode
    settings.max_choices = max_choices
    settings.changes_open = changes_open
    transaction_cache("agenda.forum_settings")[conference.id] = settings
    existing = {
        row.forum_id: row
        for row in db.session.execute(
            select(ForumLimit).where(ForumLimit.forum_id.in_(list(forums)))
        ).scalars()
    }
    for forum_id, capacity in limits.items():
        row = existing.get(forum_id)
        if row is None:
            db.session.add(ForumLimit(forum_id=forum_id, capacity=capacity))
        else:
            row.capacity = capacity
    db.session.flush()
    return settings


# --- forum choice ---------------------------------------------------------------------------


@dataclass
class ForumPlace:
    """A forum as an attendee chooses it: its limit, how many chose it, whether it is full."""

    forum: Forum
    capacity: int | None
    chosen: int

    @property
    def left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.chosen, 0)

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.chosen >= self.capacity


def forum_places(conference: Conference) -> list[ForumPlace]:
    """Every forum of the conference with its limit and headcount (two queries)."""
    limits = forum_limits(conference)
    counts = forum_headcounts(conference)
    return [ForumPlace(f, limits.get(f.id), counts.get(f.id, 0)) for f in conference.forums]


def chosen_forum_ids(registration: Registration) -> set[int]:
    return set(
        db.session.execute(
            select(ForumChoice.forum_id).where(ForumChoice.registration_id == registration.id)
        ).scalars()
    )


def chosen_forum_codes(registration: Registration) -> set[str]:
    """The codes of the forums the attendee chose (sessions of a release name their forum by
    code)."""
    return set(
        db.session.execute(
            select(Forum.code)
            .join(ForumChoice, ForumChoice.forum_id == Forum.id)
            .where(ForumChoice.registration_id == registration.id)
        ).scalars()
    )


def _lock_registration(registration: Registration) -> Registration:
    """The registration read again under its row lock (its status as committed now)."""
    locked = db.session.execute(
        select(Registration)
        .where(Registration.id == registration.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if locked is None:
        raise NotFound(_("This registration does not exist."))
    return locked


def forum_codes(value) -> list[str]:
    """Forum codes as the API sends them (``forums``: a list of strings), or a 422."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(
            _("Please correct the marked fields."),
            {"forums": _("must be a list of forum codes")},
        )
    return value


def choose_forums(
    registration: Registration,
    codes: list[str],
    *,
    at_registration: bool = False,
    by_staff: bool = False,
) -> list[Forum]:
    """Make ``codes`` the forums the attendee chose: forums not listed are given up, new
    ones taken if they have room. All or nothing; returns the forums now chosen.

    Refused (nothing changes): the conference does not ask, an unknown code, more forums
    than allowed, none when one is required, a full forum, a cancelled or rejected
    registration, or changes closed by the organizer (staff may still change them)."""
    conference = registration.conference
    settings = forum_settings(conference)
    wanted_codes = list(dict.fromkeys(code.strip() for code in codes if code and code.strip()))
    if settings.mode == "off":
        if wanted_codes:
            raise ValidationError(
                _("This conference does not ask attendees to choose forums."),
                {"forums": _("not asked")},
            )
        return []
    by_code = {forum.code: forum for forum in conference.forums}
    unknown = [code for code in wanted_codes if code not in by_code]
    if unknown:
        raise ValidationError(
            _("There is no forum %(code)s in this conference.", code=unknown[0][:64]),
            {"forums": _("unknown forum: %(code)s", code=unknown[0][:64])},
        )
    if settings.max_choices is not None and len(wanted_codes) > settings.max_choices:
        raise ValidationError(
            _("You may choose at most %(n)s forum(s).", n=settings.max_choices),
            {"forums": _("at most %(n)s", n=settings.max_choices)},
        )
    if settings.mode == "required" and not wanted_codes and not by_staff:
        raise ValidationError(
            _("Please choose at least one forum."), {"forums": _("choose at least one")}
        )
    if not at_registration and not settings.changes_open and not by_staff:
        raise Conflict(
            _("The organizers have closed the choice of forums; ask them to change it."),
            code="forum_choice_closed",
        )
    registration = _lock_registration(registration)
    if registration.status not in ACTIVE_STATUSES:
        raise Conflict(
            _("A cancelled or rejected registration cannot choose forums."),
            code="not_registered",
        )
    wanted = [by_code[code] for code in wanted_codes]
    current = chosen_forum_ids(registration)
    keep = {forum.id for forum in wanted}
    gone = current - keep
    if gone:
        db.session.execute(
            delete(ForumChoice).where(
                ForumChoice.registration_id == registration.id, ForumChoice.forum_id.in_(gone)
            )
        )
    limits = forum_limits(conference)
    for forum in sorted(wanted, key=lambda f: f.id):
        if forum.id in current:
            continue
        capacity = limits.get(forum.id)
        if capacity is not None:
            db.session.execute(select(Forum.id).where(Forum.id == forum.id).with_for_update())
            taken = db.session.execute(
                select(func.count())
                .select_from(ForumChoice)
                .where(ForumChoice.forum_id == forum.id)
            ).scalar_one()
            if taken >= capacity:
                raise Conflict(
                    _(
                        "%(forum)s is full: its %(n)s places have been chosen. "
                        "Choose another forum.",
                        forum=localized(forum, "name"),
                        n=capacity,
                    ),
                    {"forums": _("%(forum)s is full", forum=localized(forum, "name"))},
                    code="forum_full",
                )
        db.session.add(
            ForumChoice(
                conference_id=conference.id,
                registration_id=registration.id,
                forum_id=forum.id,
                created_at=utcnow(),
            )
        )
    _flush_or_conflict()
    return sorted(wanted, key=lambda f: (f.position, f.id))


def _flush_or_conflict() -> None:
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            _("This was changed at the same moment elsewhere; reload the page and try again."),
            code="conflict",
        ) from None


def accept_forums_at_registration(registration: Registration, value, by_staff: bool) -> None:
    """The registration form's (or the API's ``forums``) choice, in the registering
    transaction: a refusal refuses the registration too."""
    codes = forum_codes(value)
    settings = forum_settings(registration.conference)
    if settings.mode == "off" and not codes:
        return
    choose_forums(registration, codes, at_registration=True, by_staff=by_staff)


# --- session enrollment ---------------------------------------------------------------------


def needs_enrollment(session: AttendeeSession) -> bool:
    """A session with a capacity (as published) is entered by enrollment; the others are
    open to all."""
    return session.capacity is not None


def session_headcounts(conference: Conference) -> dict[int, int]:
    """{session id: attendees enrolled}, in one query."""
    rows = db.session.execute(
        select(SessionEnrollment.session_id, func.count())
        .where(SessionEnrollment.conference_id == conference.id)
        .group_by(SessionEnrollment.session_id)
    ).all()
    return {session_id: count for session_id, count in rows}


def enrolled_session_ids(registration: Registration) -> set[int]:
    return set(
        db.session.execute(
            select(SessionEnrollment.session_id).where(
                SessionEnrollment.registration_id == registration.id
            )
        ).scalars()
    )


def programme_in_preparation(conference: Conference) -> bool:
    """Whether the organizers have sessions in the draft (one query; asked only before the
    first release, to tell attendees that enrollment opens once it is published)."""
    return (
        db.session.execute(
            select(ScheduleSession.id).where(ScheduleSession.conference_id == conference.id)
        ).first()
        is not None
    )


def find_session(conference: Conference, code: str) -> AttendeeSession:
    """The session ``code`` of the latest release. Refused: before the first release
    (``not_published``), a session only in the draft (``not_published``), an unknown code."""
    session = attendee_session(conference, code)
    if session is not None:
        return session
    if not is_published(conference):
        raise Conflict(
            _("The programme has not been published yet: no session can be enrolled in."),
            code="not_published",
        )
    code = (code or "")[:64]
    in_draft = (
        code
        and db.session.execute(
            select(ScheduleSession.id).where(
                ScheduleSession.conference_id == conference.id, ScheduleSession.code == code
            )
        ).first()
    )
    if in_draft:
        raise Conflict(
            _(
                "Session %(code)s is not in the published programme yet; it cannot be enrolled in.",
                code=code,
            ),
            code="not_published",
        )
    raise NotFound(
        _("There is no session %(code)s in this conference.", code=code),
        code="unknown_session",
    )


def overlaps(a: AttendeeSession, b: AttendeeSession) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


@dataclass
class Enrolled:
    enrollment: SessionEnrollment
    created: bool  # False: the attendee was already enrolled (a second click)
    clashes: list[AttendeeSession]  # their other sessions at the same time (a warning)


def enroll(registration: Registration, session: AttendeeSession) -> Enrolled:
    """Take a seat in ``session`` (a session of the latest release: ``find_session``) for the
    attendee; only once, never over its published capacity.

    Refused (nothing changes): a session of another conference, one that needs no
    enrollment or was cancelled, a registration that is not confirmed, a full session.
    Enrolling again changes nothing. Sessions at the same time are allowed but returned
    (the attendee is warned).

    The published capacity governs (attendees enroll in what was announced; a draft change
    counts once published); it is counted against under the session row's lock, which
    serializes the attendees taking its seats."""
    if session.conference_id != registration.conference_id:
        raise NotFound(_("This session is not part of the conference."), code="unknown_session")
    if not needs_enrollment(session):
        raise ValidationError(
            _(
                "%(session)s is open to all attendees; no enrollment is needed.",
                session=localized(session, "title"),
            ),
            {"session": _("no enrollment needed")},
            code="no_enrollment",
        )
    if is_cancelled(session):
        raise Conflict(_("This session has been cancelled."), code="session_cancelled")
    if _seats_taken(session.id) >= session.capacity and not _holds_seat(registration, session):
        # Full already (committed): answered without queueing on the session's row, which a
        # rush for the last seats would otherwise make every refused request wait for.
        raise _session_full(session)
    registration = _lock_registration(registration)
    if registration.status != Status.CONFIRMED:
        raise Conflict(
            _("Only a confirmed registration can enroll in sessions; this one is not confirmed."),
            code="not_confirmed",
        )
    existing = db.session.execute(
        select(SessionEnrollment).where(
            SessionEnrollment.session_id == session.id,
            SessionEnrollment.registration_id == registration.id,
        )
    ).scalar_one_or_none()
    if existing is not None:
        return Enrolled(existing, False, clashes_with(registration, session))
    db.session.execute(
        select(ScheduleSession.id).where(ScheduleSession.id == session.id).with_for_update()
    ).scalar_one()
    capacity = session.capacity
    if _seats_taken(session.id) >= capacity:
        raise _session_full(session, capacity)
    enrollment = SessionEnrollment(
        conference_id=registration.conference_id,
        session_id=session.id,
        registration_id=registration.id,
        created_at=utcnow(),
    )
    db.session.add(enrollment)
    _flush_or_conflict()
    return Enrolled(enrollment, True, clashes_with(registration, session))


def _seats_taken(session_id: int) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(SessionEnrollment)
        .where(SessionEnrollment.session_id == session_id)
    ).scalar_one()


def _holds_seat(registration: Registration, session: AttendeeSession) -> bool:
    return (
        db.session.execute(
            select(SessionEnrollment.id).where(
                SessionEnrollment.session_id == session.id,
                SessionEnrollment.registration_id == registration.id,
            )
        ).first()
        is not None
    )


def _session_full(session: AttendeeSession, capacity: int | None = None) -> Conflict:
    return Conflict(
        _(
            "%(session)s is full: all %(n)s seats are taken.",
            session=localized(session, "title"),
            n=capacity if capacity is not None else session.capacity,
        ),
        code="session_full",
    )


def withdraw(registration: Registration, session: AttendeeSession) -> bool:
    """Give the seat back; False when the attendee was not enrolled (nothing changes)."""
    if session.conference_id != registration.conference_id:
        raise NotFound(_("This session is not part of the conference."), code="unknown_session")
    registration = _lock_registration(registration)
    result = db.session.execute(
        delete(SessionEnrollment).where(
            SessionEnrollment.session_id == session.id,
            SessionEnrollment.registration_id == registration.id,
        )
    )
    db.session.flush()
    return result.rowcount > 0


def clashes_with(registration: Registration, session: AttendeeSession) -> list[AttendeeSession]:
    """The attendee's other enrolled sessions that overlap ``session`` at their published
    times (cancelled ones left out)."""
    mine = enrolled_session_ids(registration) - {session.id}
    if not mine:
        return []
    return [
        other
        for other in sessions_for_attendees(registration.conference)
        if other.id in mine and not other.cancelled and overlaps(other, session)
    ]


def release_places(sender: Registration, **_kwargs) -> None:
    """A cancelled or rejected registration gives back its seats and forum places
    (``signals.registration_cancelled``; in the cancelling transaction)."""
    for model in (SessionEnrollment, ForumChoice):
        db.session.execute(delete(model).where(model.registration_id == sender.id))


def forum_in_use(sender, part, **_kwargs) -> str | None:
    """Why a forum cannot be deleted: attendees chose it."""
    count = db.session.execute(
        select(func.count()).select_from(ForumChoice).where(ForumChoice.forum_id == part.id)
    ).scalar_one()
    if count:
        return _(
            "%(count)s attendee(s) chose %(name)s; it cannot be deleted.",
            count=count,
            name=part.name,
        )
    return None


# --- lists for staff ------------------------------------------------------------------------


def enrolled_in(session: AttendeeSession) -> list[tuple[SessionEnrollment, Registration]]:
    """Who is enrolled in ``session``, in the order they enrolled (one query)."""
    return [
        (enrollment, registration)
        for enrollment, registration in db.session.execute(
            select(SessionEnrollment, Registration)
            .join(Registration, Registration.id == SessionEnrollment.registration_id)
            .where(SessionEnrollment.session_id == session.id)
            .order_by(SessionEnrollment.created_at, SessionEnrollment.id)
        ).all()
    ]


def chose_forum(forum: Forum) -> list[tuple[ForumChoice, Registration]]:
    return [
        (choice, registration)
        for choice, registration in db.session.execute(
            select(ForumChoice, Registration)
            .join(Registration, Registration.id == ForumChoice.registration_id)
            .where(ForumChoice.forum_id == forum.id)
            .order_by(ForumChoice.created_at, ForumChoice.id)
        ).all()
    ]


def get_registration(conference: Conference, registration_id) -> Registration:
    registration = None
    if isinstance(registration_id, int) and not isinstance(registration_id, bool):
        registration = db.session.get(Registration, registration_id)
    if registration is None or registration.conference_id != conference.id:
        raise NotFound(_("There is no such registration in this conference."))
    return registration


# --- the personal agenda --------------------------------------------------------------------


@dataclass
class AgendaItem:
    session: AttendeeSession
    why: str  # "enrolled" | "forum" | "everyone"
    clash: bool = False

    @property
    def cancelled(self) -> bool:
        return is_cancelled(self.session)


def agenda_of(registration: Registration) -> list[AgendaItem]:
    """The attendee's own programme, in time order: the sessions they enrolled in, the open
    sessions of the forums they chose, and the sessions for everyone (no forum, no seats).
    Items at the same time as another are marked (``clash``)."""
    conference = registration.conference
    sessions = sessions_for_attendees(conference)
    if not sessions:
        return []  # nothing published yet
    enrolled = enrolled_session_ids(registration)
    forums = chosen_forum_codes(registration)
    items: list[AgendaItem] = []
    for session in sessions:
        if session.id in enrolled:
            items.append(AgendaItem(session, "enrolled"))
        elif needs_enrollment(session):
            continue
        elif session.forum is None:
            items.append(AgendaItem(session, "everyone"))
        elif session.forum.code in forums:
            items.append(AgendaItem(session, "forum"))
    _mark_clashes([item for item in items if item.why != "everyone" and not item.cancelled])
    return items


def _mark_clashes(items: list[AgendaItem]) -> None:
    """Mark items overlapping another (sorted by start: a sweep, not pairs)."""
    latest_end: datetime | None = None
    latest: AgendaItem | None = None
    for item in items:
        if latest_end is not None and item.session.starts_at < latest_end:
            item.clash = True
            if latest is not None:
                latest.clash = True
        if latest_end is None or item.session.ends_at > latest_end:
            latest_end = item.session.ends_at
            latest = item
