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

from eventsys.conferences import extend, services
from eventsys.conferences.models import Category, Conference, Forum, Room
from eventsys.errors import Conflict, ValidationError
from eventsys.extensions import db
from eventsys.text import valid_text

LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


class Checker:
    """Walks the JSON, collecting errors by field path (``sessions[3].room``)."""

    def __init__(self):
        self.errors: dict[str, str] = {}

    def fail(self, path: str, reason: str) -> None:
        self.errors.setdefault(path, reason)

    def obj(self, value: Any, path: str) -> dict:
        if not isinstance(value, dict):
            self.fail(path, _("must be an object"))
            return {}
        return value

    def text(self, d: dict, key: str, path: str, required=True, max_len=200, default="") -> str:
        value = d.get(key, None)
        if value is None:
            if required:
                self.fail(f"{path}{key}", _("required"))
            return default
        if not isinstance(value, str):
            self.fail(f"{path}{key}", _("must be a string"))
            return default
        value = valid_text(value, f"{path}{key}", self.errors).strip()
        if required and not value:
            self.fail(f"{path}{key}", _("must not be empty"))
        if len(value) > max_len:
            self.fail(f"{path}{key}", _("at most %(n)s characters", n=max_len))
        return value

    def code(self, d: dict, key: str, path: str) -> str:
        value = self.text(d, key, path, max_len=64)
        if value and not services.CODE_RE.match(value):
            self.fail(f"{path}{key}", _("letters, digits, '-', '_' or '.' only"))
        return value

    def boolean(self, d: dict, key: str, path: str, default=False) -> bool:
        value = d.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(f"{path}{key}", _("must be true or false"))
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
            self.fail(f"{path}{key}", _("must be a whole number >= 0, or null"))
            return None
        return value

    def day(self, d: dict, key: str, path: str) -> date | None:
        value = d.get(key)
        if not isinstance(value, str):
            self.fail(f"{path}{key}", _("required, a date as YYYY-MM-DD"))
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"{path}{key}", _("must be a date as YYYY-MM-DD"))
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
        self.fail(f"{path}{key}", _("must be a local time as YYYY-MM-DDTHH:MM"))
        return None

    def items(self, data: dict, key: str) -> list:
        value = data.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(key, _("must be a list"))
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


def unique_codes(checker: Checker, rows: list[dict], list_name: str) -> set[str]:
    """The codes of ``rows``; a repeated one is an error at its path."""
    seen: set[str] = set()
    for index, row in enumerate(rows):
        code = row.get("code")
        if code in seen:
            checker.fail(f"{list_name}[{index}].code", _("duplicate code %(code)r", code=code))
        seen.add(code)
    return seen


def reference(checker: Checker, row: dict, key: str, path: str, codes: set[str]) -> str | None:
    """A code that must name a row of another list (``room`` of a session …), or null."""
    value = row.get(key)
    if value is not None and value not in codes:
        checker.fail(f"{path}{key}", _("no %(what)s with code %(code)r", what=key, code=value))
    return value


def simple_parts(checker: Checker, data: dict, list_name: str, extra=None) -> list[dict]:
    """A list of rows with ``code``, ``name`` and ``name_en``; ``extra(row, path)`` adds more."""
    rows = []
    for i, raw in enumerate(checker.items(data, list_name)):
        path = f"{list_name}[{i}]."
        row = checker.obj(raw, path.rstrip("."))
        item = {
            "code": checker.code(row, "code", path),
            "name": checker.text(row, "name", path),
            "name_en": checker.text(row, "name_en", path, required=False),
        }
        if extra:
            item.update(extra(row, path))
        rows.append(item)
    unique_codes(checker, rows, list_name)
    return rows


# The conference's own fields, besides the lists its domains own.
OWN_FIELDS = (
    "slug",
    "title",
    "title_en",
    "starts_on",
    "ends_on",
    "timezone",
    "venue",
    "venue_en",
    "description",
    "description_en",
    "capacity",
    "registration_opens_at",
    "registration_closes_at",
    "edits_require_approval",
)


def _parse_own(checker: Checker, data: dict) -> tuple[dict, ZoneInfo]:
    out: dict[str, Any] = {}
    slug = checker.text(data, "slug", "", max_len=64)
    if slug and not services.SLUG_RE.match(slug):
        checker.fail("slug", _("2-64 lower-case letters, digits and dashes"))
    out["slug"] = slug
    out["title"] = checker.text(data, "title", "")
    out["title_en"] = checker.text(data, "title_en", "", required=False)
    out["starts_on"] = checker.day(data, "starts_on", "")
    out["ends_on"] = checker.day(data, "ends_on", "")
    if out["starts_on"] and out["ends_on"] and out["ends_on"] < out["starts_on"]:
        checker.fail("ends_on", _("before starts_on"))
    timezone = checker.text(data, "timezone", "", required=False, default="Asia/Shanghai")
    try:
        tz = ZoneInfo(timezone or "Asia/Shanghai")
    except (ValueError, KeyError, OSError):
        checker.fail("timezone", _("unknown time zone %(name)r", name=timezone))
        tz = ZoneInfo("Asia/Shanghai")
    out["timezone"] = timezone or "Asia/Shanghai"
    out["venue"] = checker.text(data, "venue", "", required=False)
    out["venue_en"] = checker.text(data, "venue_en", "", required=False)
    out["description"] = checker.text(data, "description", "", required=False, max_len=20000)
    out["description_en"] = checker.text(data, "description_en", "", required=False, max_len=20000)
    out["capacity"] = checker.capacity(data, "capacity", "")
    out["registration_opens_at"] = checker.local_time(
        data, "registration_opens_at", "", tz, required=False
    )
    out["registration_closes_at"] = checker.local_time(
        data, "registration_closes_at", "", tz, required=False
    )
    out["edits_require_approval"] = checker.boolean(data, "edits_require_approval", "")
    return out, tz


def parse_conference_json(data: Any) -> dict:
    """Check the whole document and return it normalised; raise naming every bad field.

    The conference's own fields are checked here, each list by the domain that owns it
    (``extend.JsonSection``), in the order the domains were set up.
    """
    checker = Checker()
    data = checker.obj(data, "(document)")
    out, tz = _parse_own(checker, data)
    context: dict[str, Any] = {
        "tz": tz,
        "starts_on": out["starts_on"],
        "ends_on": out["ends_on"],
    }
    for section in extend.registry().json_sections:
        out.update(section.parse(checker, data, context))
    if checker.errors:
        shown = "; ".join(f"{k}: {v}" for k, v in list(checker.errors.items())[:5])
        more = len(checker.errors) - 5
        if more > 0:
            shown += "; " + _("and %(n)s more", n=more)
        raise ValidationError(
            _("The conference file is not valid: %(errors)s", errors=shown), checker.errors
        )
    return out


def set_columns(part, row: dict, skip=("code",)) -> None:
    """Copy a parsed row's values onto a model (references are the caller's)."""
    for key, value in row.items():
        if key not in skip:
            setattr(part, key, value)


def sync_rows(
    conference: Conference, model: type, rows: list[dict], apply, kind: str | None = None
) -> dict[str, Any]:
    """Make the conference's rows of ``model`` exactly ``rows`` (matched by code); rows that
    go are first offered to the domains that may object (``kind``: ``signals.part_deleting``)."""
    existing = {
        part.code: part
        for part in db.session.execute(
            select(model).where(model.conference_id == conference.id)
        ).scalars()
    }
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
            services.refuse_if_in_use(conference, kind, part)
        db.session.delete(part)
    db.session.flush()
    return by_code


def load_conference(data: Any, replace: bool = False) -> Conference:
    """Create a conference from its JSON, or with ``replace`` make an existing one match it."""
    return load_spec(parse_conference_json(data), replace)


def load_spec(spec: dict, replace: bool = False) -> Conference:
    """Load a document checked by ``parse_conference_json``. Whether the caller may change an
    existing conference is asked about ``spec["slug"]``, the slug as it will be used, never
    about the text as sent."""
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
    own = {key: spec[key] for key in OWN_FIELDS}
    if conference is not None:
        services.lock_conference(conference)
    if conference is None:
        conference = Conference(**own)
        db.session.add(conference)
    else:
        for key, value in own.items():
            setattr(conference, key, value)
    db.session.flush()
    context: dict[str, Any] = {}
    for section in extend.registry().json_sections:
        section.load(conference, spec, context)
    db.session.flush()
    db.session.expire(conference)
    return conference


def with_extras(out: dict, values: dict, defaults: dict) -> dict:
    """``out`` plus each of ``values`` that differs from its default (the contract's keys
    always, this program's extra keys only when set)."""
    for key, default in defaults.items():
        if values[key] != default:
            out[key] = values[key]
    return out


def name_en(part) -> dict:
    return {"name_en": part.name_en}


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
    with_extras(
        out,
        {
            "venue_en": conference.venue_en,
            "description": conference.description,
            "description_en": conference.description_en,
            "capacity": conference.capacity,
            "registration_opens_at": format_local(conference.registration_opens_at, tz),
            "registration_closes_at": format_local(conference.registration_closes_at, tz),
            "edits_require_approval": conference.edits_require_approval,
        },
        {
            "venue_en": "",
            "description": "",
            "description_en": "",
            "capacity": None,
            "registration_opens_at": None,
            "registration_closes_at": None,
            "edits_require_approval": False,
        },
    )
    for section in extend.registry().json_sections:
        section.export(conference, out)
    return out


# --- the conference's own lists: categories, forums, rooms ---------------------------------


def _parse_setup(checker: Checker, data: dict, context: dict) -> dict:
    categories = simple_parts(
        checker,
        data,
        "categories",
        lambda row, path: {
            "capacity": checker.capacity(row, "capacity", path),
            "requires_approval": checker.boolean(row, "requires_approval", path),
            "invite_only": checker.boolean(row, "invite_only", path),
        },
    )
    forums = simple_parts(checker, data, "forums")
    rooms = simple_parts(
        checker,
        data,
        "rooms",
        lambda row, path: {"capacity": checker.capacity(row, "capacity", path)},
    )
    context["forum_codes"] = {f["code"] for f in forums}
    context["room_codes"] = {r["code"] for r in rooms}
    return {"categories": categories, "forums": forums, "rooms": rooms}


def _load_setup(conference: Conference, spec: dict, context: dict) -> None:
    sync_rows(conference, Category, spec["categories"], set_columns, "categories")
    context["forums"] = sync_rows(conference, Forum, spec["forums"], set_columns, "forums")
    context["rooms"] = sync_rows(conference, Room, spec["rooms"], set_columns, "rooms")


def _export_setup(conference: Conference, out: dict) -> None:
    out["categories"] = [
        with_extras(
            {
                "code": c.code,
                "name": c.name,
                "capacity": c.capacity,
                "requires_approval": c.requires_approval,
                "invite_only": c.invite_only,
            },
            name_en(c),
            {"name_en": ""},
        )
        for c in conference.categories
    ]
    out["forums"] = [
        with_extras({"code": f.code, "name": f.name}, name_en(f), {"name_en": ""})
        for f in conference.forums
    ]
    out["rooms"] = [
        with_extras(
            {"code": r.code, "name": r.name, "capacity": r.capacity}, name_en(r), {"name_en": ""}
        )
        for r in conference.rooms
    ]


SETUP_SECTION = extend.JsonSection("setup", _parse_setup, _load_setup, _export_setup, order=10)
