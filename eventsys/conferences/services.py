"""Setting up a conference: its own fields and the parts listed under it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from sqlalchemy import func, select

from eventsys import signals
from eventsys.conferences import extend
from eventsys.conferences.models import Conference
from eventsys.errors import Conflict, NotFound, ValidationError
from eventsys.extensions import db

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_CAPACITY = 1_000_000


def get_conference(slug: str) -> Conference:
    conference = db.session.execute(
        select(Conference).where(Conference.slug == slug)
    ).scalar_one_or_none()
    if conference is None:
        raise NotFound(_("No conference with slug %(slug)s.", slug=slug), {"slug": _("unknown")})
    return conference


def list_conferences() -> list[Conference]:
    return list(
        db.session.execute(
            select(Conference).order_by(Conference.starts_on.desc(), Conference.id.desc())
        ).scalars()
    )


def check_slug(slug: str) -> str:
    slug = (slug or "").strip()
    if not SLUG_RE.match(slug):
        raise ValidationError(
            _("The slug must be 2-64 characters: lower-case letters, digits and dashes."),
            {"slug": _("not valid")},
        )
    return slug


def check_code(code: str, field: str = "code") -> str:
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise ValidationError(
            _(
                "%(field)s: 1-64 characters, letters, digits, '-', '_' or '.', starting with a "
                "letter or digit.",
                field=field,
            ),
            {field: _("letters, digits, '-', '_' or '.' only")},
        )
    return code


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("Unknown time zone %(name)s; use an IANA name such as Asia/Shanghai.", name=name),
            {"timezone": _("unknown time zone")},
        ) from None
    return name


def check_capacity(value: Any, field: str = "capacity") -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_CAPACITY:
        raise ValidationError(
            _(
                "%(field)s: a whole number from 0 to %(max_capacity)s, or empty for no limit.",
                field=field,
                max_capacity=MAX_CAPACITY,
            ),
            {field: _("a whole number from 0, or empty")},
        )
    return value


@dataclass
class ConferenceFields:
    """The conference's own fields as an organizer edits them."""

    slug: str
    title: str
    starts_on: date
    ends_on: date
    title_en: str = ""
    timezone: str = "Asia/Shanghai"
    venue: str = ""
    venue_en: str = ""
    description: str = ""
    description_en: str = ""
    capacity: int | None = None
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    edits_require_approval: bool = False


def _check_fields(fields: ConferenceFields) -> None:
    errors = {}
    if not fields.title.strip():
        errors["title"] = _("required")
    if len(fields.title) > 200 or len(fields.title_en) > 200:
        errors["title"] = _("at most %(n)s characters", n=200)
    if fields.ends_on < fields.starts_on:
        errors["ends_on"] = _("before the first day")
    if (
        fields.registration_opens_at
        and fields.registration_closes_at
        and fields.registration_closes_at <= fields.registration_opens_at
    ):
        errors["registration_closes_at"] = _("must be after the opening")
    if errors:
        field, reason = next(iter(errors.items()))
        raise ValidationError(_("%(field)s: %(reason)s.", field=field, reason=reason), errors)
    check_timezone(fields.timezone)
    check_capacity(fields.capacity)


def create_conference(fields: ConferenceFields) -> Conference:
    """A new conference; refuses a taken slug."""
    fields.slug = check_slug(fields.slug)
    _check_fields(fields)
    if db.session.execute(
        select(Conference.id).where(Conference.slug == fields.slug)
    ).scalar_one_or_none():
        raise Conflict(
            _("A conference with slug %(slug)s already exists.", slug=fields.slug),
            {"slug": _("already used")},
        )
    conference = Conference(**vars(fields))
    db.session.add(conference)
    db.session.flush()
    return conference


def lock_conference(conference: Conference) -> None:
    """Hold the conference's row until commit before changing its set-up. The domains that
    hear about the change (a capacity raised moves the waitlist) lock this row first too, so
    every writer takes the conference's rows in one order and none waits on another in a
    circle (SQLite: every writer already goes one at a time)."""
    db.session.execute(
        select(Conference.id).where(Conference.id == conference.id).with_for_update()
    )


def update_conference(conference: Conference, fields: ConferenceFields) -> Conference:
    """Change the conference's own fields; the slug stays (links and QR codes use it)."""
    fields.slug = conference.slug
    _check_fields(fields)
    lock_conference(conference)
    for key, value in vars(fields).items():
        setattr(conference, key, value)
    db.session.flush()
    signals.conference_saved.send(conference)
    return conference


def part_model(kind: str) -> type:
    """The model of a kind of part (``categories``, ``rooms``, ``checkin_lists`` …), as the
    domains registered them (``extend.add_part_kind``)."""
    registered = extend.part_kind(kind)
    if registered is None:
        raise NotFound(_("Unknown kind %(kind)s.", kind=kind))
    return registered.model


def parts_in_order(conference: Conference, model: type) -> list:
    """The conference's rows of a part model (categories, rooms, check-in lists …) in the
    organizer's order."""
    return list(
        db.session.execute(
            select(model)
            .where(model.conference_id == conference.id)
            .order_by(model.position, model.id)
        ).scalars()
    )


def get_part(conference: Conference, kind: str, part_id: int):
    model = part_model(kind)
    part = db.session.get(model, part_id)
    if part is None or part.conference_id != conference.id:
        raise NotFound(_("Not found in this conference."))
    return part


def find_part(conference: Conference, kind: str, code: str):
    model = part_model(kind)
    return db.session.execute(
        select(model).where(model.conference_id == conference.id, model.code == code)
    ).scalar_one_or_none()


def save_part(conference: Conference, kind: str, values: dict[str, Any], part=None):
    """Create (``part`` None) or update a part of the conference (category, forum, room, or a
    kind another domain registered, such as a check-in list).

    ``values`` holds the model's columns by name, after the kind's own ``prepare_values``
    (a check-in list turns a session code into its id).
    """
    model = part_model(kind)
    values = dict(values)
    values["code"] = check_code(values.get("code", ""))
    values["name"] = (values.get("name") or "").strip()
    if not values["name"] or len(values["name"]) > 200:
        raise ValidationError(
            _("name: required, at most 200 characters."),
            {"name": _("required, at most 200 characters")},
        )
    if "capacity" in values:
        values["capacity"] = check_capacity(values["capacity"])
    clash = find_part(conference, kind, values["code"])
    if clash is not None and clash is not part:
        raise Conflict(
            _("The code %(code)s is already used in this conference.", code=values["code"]),
            {"code": _("already used")},
        )
    lock_conference(conference)
    prepare = extend.part_kind(kind).prepare_values
    if prepare is not None:
        values = prepare(conference, values)
    if part is None:
        position = db.session.execute(
            select(func.coalesce(func.max(model.position), 0)).where(
                model.conference_id == conference.id
            )
        ).scalar_one()
        part = model(conference_id=conference.id, position=position + 1)
        db.session.add(part)
    for key, value in values.items():
        setattr(part, key, value)
    db.session.flush()
    signals.part_saved.send(kind, conference=conference, part=part)
    return part


def refuse_if_in_use(conference: Conference, kind: str, part) -> None:
    """Raise Conflict when a domain says the part is still in use (``part_deleting``)."""
    reasons = signals.refusals(signals.part_deleting, kind, conference=conference, part=part)
    if reasons:
        raise Conflict(reasons[0])


def delete_part(conference: Conference, kind: str, part_id: int) -> None:
    part = get_part(conference, kind, part_id)
    refuse_if_in_use(conference, kind, part)
    db.session.delete(part)
    db.session.flush()
