"""Signed projects: recording, editing, deleting (each in the audit log), lists, and the
tallies — every aggregate one GROUP BY in SQL over the indexed columns.

Tallies count the projects signed (status ``signed``); intents (意向) are listed and counted
apart (``summary``). Amounts are summed as whole yuan, so totals are exact on every database.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from eventsys.conferences.models import Conference, Forum
from eventsys.db_types import utcnow
from eventsys.errors import Conflict, NotFound, ValidationError
from eventsys.extensions import db
from eventsys.schedule.models import ScheduleSession
from eventsys.signing.models import SignedProject, SigningAudit, SigningSettings
from eventsys.signing.money import display_wan, from_yuan, wan_text
from eventsys.signing.rules import KIND_LABELS, STATUS_LABELS, Lookup, check_values, word_key
from eventsys.text import clean_text

TALLY_KEYS = ("region", "sector", "forum", "date", "kind", "status")
_COLUMNS = {
    "region": SignedProject.region,
    "sector": SignedProject.sector,
    "forum": SignedProject.forum_id,
    "date": SignedProject.signed_on,
    "kind": SignedProject.kind,
    "status": SignedProject.status,
}
# The fields an edit compares and the audit log records.
AUDITED = (
    "key",
    "title",
    "party_a",
    "party_b",
    "other_parties",
    "region",
    "city",
    "sector",
    "kind",
    "amount_yuan",
    "signed_on",
    "forum_id",
    "session_id",
    "status",
    "on_site",
    "notes",
)


@dataclass(frozen=True)
class Actor:
    """Who made a change, for the audit log: a user's id and how to name them."""

    user_id: int | None = None
    label: str = ""


# --- settings ---------------------------------------------------------------------------------


def settings_of(conference: Conference, create: bool = True) -> SigningSettings | None:
    settings = db.session.get(SigningSettings, conference.id)
    if settings is None and create:
        settings = SigningSettings(conference_id=conference.id, sectors=[])
        db.session.add(settings)
        db.session.flush()
    return settings


def set_sectors(conference: Conference, sectors: list[str]) -> list[str]:
    """The conference's sector list (order kept, duplicates and blanks dropped)."""
    errors: dict = {}
    seen: dict[str, str] = {}
    for index, sector in enumerate(sectors):
        text = clean_text(sector, 60, f"sectors[{index}]", errors)
        if text and word_key(text) not in seen:
            seen[word_key(text)] = text
    if len(seen) > 200:
        errors["sectors"] = _("at most %(n)s sectors", n=200)
    if errors:
        raise ValidationError(_("Please correct the sector list."), errors)
    settings = settings_of(conference)
    settings.sectors = list(seen.values())
    db.session.flush()
    return settings.sectors


def set_last_edition(conference: Conference, other: Conference | None) -> None:
    if other is not None and other.id == conference.id:
        raise ValidationError(
            _("A conference cannot be its own last edition."), {"last_edition": _("itself")}
        )
    settings_of(conference).last_edition_id = other.id if other else None
    db.session.flush()


def set_screen(conference: Conference, enabled: bool, new_link: bool = False) -> SigningSettings:
    """Switch the public big-screen link on or off; ``new_link`` makes the old one stop."""
    settings = settings_of(conference)
    if new_link or settings.screen_token is None:
        settings.screen_token = secrets.token_urlsafe(24)
    settings.screen_enabled = enabled
    db.session.flush()
    return settings


# --- one project ------------------------------------------------------------------------------


def _audit(conference: Conference, actor: Actor, action: str, project_id, title, changes):
    db.session.add(
        SigningAudit(
            conference_id=conference.id,
            project_id=project_id,
            action=action,
            user_id=actor.user_id,
            actor=actor.label[:200],
            at=utcnow(),
            title=(title or "")[:300],
            changes=changes,
        )
    )


def _json_value(value):
    if isinstance(value, date):
        return value.isoformat()
    return value


def _already_recorded(conference: Conference, key: str, except_id: int | None = None):
    query = select(SignedProject.id, SignedProject.title).where(
        SignedProject.conference_id == conference.id, SignedProject.key == key
    )
    if except_id is not None:
        query = query.where(SignedProject.id != except_id)
    return db.session.execute(query).first()


def _duplicate(found) -> Conflict:
    return Conflict(
        _(
            "This project is already recorded (no. %(id)s, %(title)s): the same title, "
            "parties and date, or the same key.",
            id=found.id,
            title=found.title,
        ),
        {"title": _("already recorded")},
        code="already_recorded",
    )


def _checked(conference: Conference, raw: dict) -> dict:
    errors: dict = {}
    values = check_values(raw, Lookup.of(conference), errors)
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    return values


def create_project(conference: Conference, raw: dict, actor: Actor) -> SignedProject:
    """Record one project; 422 naming the fields, 409 when it is already recorded."""
    values = _checked(conference, raw)
    found = _already_recorded(conference, values["key"])
    if found is not None:
        raise _duplicate(found)
    now = utcnow()
    project = SignedProject(conference_id=conference.id, created_at=now, updated_at=now, **values)
    # A concurrent request with the same project commits first: the unique key refuses this
    # insert inside a savepoint (the project, added in it, leaves the session with it) and
    # the answer is the same 409 as when the row was there before.
    try:
        with db.session.begin_nested():
            db.session.add(project)
            db.session.flush()
    except IntegrityError:
        if project in db.session:
            db.session.expunge(project)
        found = _already_recorded(conference, values["key"])
        raise _duplicate(found) if found else Conflict(_("Recorded meanwhile.")) from None
    _audit(
        conference,
        actor,
        "create",
        project.id,
        project.title,
        {
            name: [None, _json_value(values[name])]
            for name in AUDITED
            if values[name] not in ("", None)
        },
    )
    db.session.flush()
    return project


def get_project(conference: Conference, project_id: int) -> SignedProject:
    project = db.session.get(SignedProject, project_id)
    if project is None or project.conference_id != conference.id:
        raise NotFound(_("No such signed project."))
    return project


def update_project(
    conference: Conference, project_id: int, raw: dict, actor: Actor
) -> SignedProject:
    """Change a project; the audit log keeps each changed field's before and after. A project
    whose key came from its title, parties and date gets the new one when they change."""
    project = get_project(conference, project_id)
    if project.key.startswith("h:") and raw.get("key", "") in ("", project.key):
        raw = {**raw, "key": ""}
    values = _checked(conference, raw)
    found = _already_recorded(conference, values["key"], except_id=project.id)
    if found is not None:
        raise _duplicate(found)
    changes = {}
    for name in AUDITED:
        before, after = getattr(project, name), values[name]
        if before != after:
            changes[name] = [_json_value(before), _json_value(after)]
            setattr(project, name, after)
    if changes:
        project.updated_at = utcnow()
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:
            raise Conflict(
                _("Another project with the same title, parties and date was just recorded."),
                {"title": _("already recorded")},
                code="already_recorded",
            ) from None
        _audit(conference, actor, "update", project.id, project.title, changes)
    db.session.flush()
    return project


def delete_project(conference: Conference, project_id: int, actor: Actor) -> None:
    project = get_project(conference, project_id)
    _audit(
        conference,
        actor,
        "delete",
        project.id,
        project.title,
        {name: [_json_value(getattr(project, name)), None] for name in AUDITED},
    )
    db.session.delete(project)
    db.session.flush()


def project_values(project: SignedProject) -> dict:
    """A project as the raw values a form or the API shows and sends back."""
    amount = project.amount_wan
    return {
        "key": "" if project.key.startswith("h:") else project.key,
        "title": project.title,
        "party_a": project.party_a,
        "party_b": project.party_b,
        "other_parties": project.other_parties,
        "region": project.region,
        "city": project.city,
        "sector": project.sector,
        "kind": project.kind,
        "amount_wan": wan_text(amount.normalize()) if amount is not None else "",
        "signed_on": project.signed_on.isoformat(),
        "forum": project.forum.code if project.forum else "",
        "session": project.session.code if project.session else "",
        "status": project.status,
        "on_site": project.on_site,
        "notes": project.notes,
    }


def history(conference: Conference, project_id: int | None = None, limit: int = 200):
    query = select(SigningAudit).where(SigningAudit.conference_id == conference.id)
    if project_id is not None:
        query = query.where(SigningAudit.project_id == project_id)
    return list(db.session.execute(query.order_by(SigningAudit.id.desc()).limit(limit)).scalars())


# --- lists ------------------------------------------------------------------------------------

FILTERS = ("q", "region", "sector", "forum", "kind", "status", "on_site", "day")


def _filtered(query, conference: Conference, filters: dict):
    query = query.where(SignedProject.conference_id == conference.id)
    q = (filters.get("q") or "").strip()
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = "%" + escaped + "%"
        query = query.where(
            or_(
                SignedProject.title.ilike(like, escape="\\"),
                SignedProject.party_a.ilike(like, escape="\\"),
                SignedProject.party_b.ilike(like, escape="\\"),
                SignedProject.other_parties.ilike(like, escape="\\"),
            )
        )
    for name in ("region", "sector", "kind", "status"):
        value = filters.get(name)
        if value:
            query = query.where(getattr(SignedProject, name) == value)
    forum = filters.get("forum")
    if forum:
        query = query.where(
            SignedProject.forum_id.is_(None)
            if forum == "-"
            else SignedProject.forum_id.in_(
                select(Forum.id).where(Forum.conference_id == conference.id, Forum.code == forum)
            )
        )
    if filters.get("on_site") in ("1", "0"):
        query = query.where(SignedProject.on_site.is_(filters["on_site"] == "1"))
    day = filters.get("day")
    if day:
        try:
            query = query.where(SignedProject.signed_on == date.fromisoformat(day))
        except ValueError:
            pass
    return query


def project_page(conference: Conference, filters: dict, page: int = 1, per_page: int = 50):
    """A page of projects (newest first) and the running total of all that match."""
    query = _filtered(select(SignedProject), conference, filters).order_by(SignedProject.id.desc())
    found = db.paginate(query, page=page, per_page=per_page, error_out=False, count=False)
    count, yuan = db.session.execute(
        _filtered(
            select(func.count(), func.coalesce(func.sum(SignedProject.amount_yuan), 0)),
            conference,
            filters,
        )
    ).one()
    found.total = count
    return found, {"count": count, "total_wan": from_yuan(yuan)}


def iter_projects(conference: Conference, filters: dict | None = None, batch: int = 1000):
    """Every matching project, oldest first, in keyset batches (exports)."""
    last = 0
    while True:
        chunk = list(
            db.session.execute(
                _filtered(select(SignedProject), conference, filters or {})
                .where(SignedProject.id > last)
                .order_by(SignedProject.id)
                .limit(batch)
            ).scalars()
        )
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].id


def filter_choices(conference: Conference) -> dict:
    """The regions and sectors in use (for the filters), one query each."""
    regions = db.session.execute(
        select(SignedProject.region)
        .where(SignedProject.conference_id == conference.id)
        .group_by(SignedProject.region)
        .order_by(SignedProject.region)
    ).scalars()
    sectors = db.session.execute(
        select(SignedProject.sector)
        .where(SignedProject.conference_id == conference.id)
        .group_by(SignedProject.sector)
        .order_by(SignedProject.sector)
    ).scalars()
    configured = (settings_of(conference, create=False) or SigningSettings()).sectors or []
    return {
        "regions": [r for r in regions if r],
        "sectors": list(dict.fromkeys([*configured, *(s for s in sectors if s)])),
    }


def session_choices(conference: Conference) -> list[tuple[str, str]]:
    """The timetable's sessions as (code, title), ceremonies first, then by start."""
    return [
        (code, title)
        for code, title in db.session.execute(
            select(ScheduleSession.code, ScheduleSession.title)
            .where(ScheduleSession.conference_id == conference.id)
            .order_by(
                (ScheduleSession.kind != "ceremony"),
                ScheduleSession.starts_at,
                ScheduleSession.position,
            )
        )
    ]


# --- tallies ----------------------------------------------------------------------------------


def _group_rows(conference_id: int, by: str, status: str | None = "signed"):
    column = _COLUMNS[by]
    query = (
        select(column, func.count(), func.coalesce(func.sum(SignedProject.amount_yuan), 0))
        .where(SignedProject.conference_id == conference_id)
        .group_by(column)
    )
    if status:
        query = query.where(SignedProject.status == status)
    return db.session.execute(query).all()


def _forum_codes(conference_id: int) -> dict[int, tuple[str, str, str]]:
    return {
        row.id: (row.code, row.name, row.name_en)
        for row in db.session.execute(
            select(Forum.id, Forum.code, Forum.name, Forum.name_en).where(
                Forum.conference_id == conference_id
            )
        )
    }


def _key_text(by: str, value, forums: dict) -> str:
    if value is None:
        return ""
    if by == "forum":
        return forums.get(value, ("",))[0]
    if by == "date":
        return value.isoformat() if isinstance(value, date) else str(value)
    return str(value)


def label_of(by: str, key: str, forums_by_code: dict | None = None) -> str:
    """A group's key as a person reads it (in the current language)."""
    from eventsys.i18n import localized

    if key == "":
        return _("(not given)") if by != "forum" else _("(no forum)")
    if by == "kind":
        return str(KIND_LABELS.get(key, key))
    if by == "status":
        return str(STATUS_LABELS.get(key, key))
    if by == "forum" and forums_by_code and key in forums_by_code:
        return localized(forums_by_code[key], "name")
    return key


def tally(conference: Conference, by: str, status: str | None = "signed") -> dict:
    """``{count, total_wan, total_display, groups: [{key, count, total_wan}]}``: one GROUP BY
    over the signed projects (``status`` None: all). Groups by amount, largest first; the
    groups add up to the totals exactly. ``key`` is the region, sector, forum code, date
    (ISO), kind or status; "" for projects without one."""
    if by not in TALLY_KEYS:
        raise ValidationError(
            _("Tally by one of: %(keys)s.", keys=", ".join(TALLY_KEYS)),
            {"by": _("one of %(keys)s", keys=", ".join(TALLY_KEYS))},
        )
    forums = _forum_codes(conference.id) if by == "forum" else {}
    groups = []
    count = 0
    yuan = 0
    for value, n, total in _group_rows(conference.id, by, status):
        total = int(total)
        count += n
        yuan += total
        groups.append({"key": _key_text(by, value, forums), "count": n, "yuan": total})
    if by == "date":
        groups.sort(key=lambda g: g["key"])
    else:
        groups.sort(key=lambda g: (-g["yuan"], -g["count"], g["key"]))
    total_wan = from_yuan(yuan)
    return {
        "by": by,
        "count": count,
        "total_wan": wan_text(total_wan),
        "total_display": display_wan(total_wan),
        "groups": [
            {"key": g["key"], "count": g["count"], "total_wan": wan_text(from_yuan(g["yuan"]))}
            for g in groups
        ],
    }


def _share(part, whole) -> Decimal:
    if not whole:
        return Decimal(0)
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def with_shares(result: dict) -> dict:
    """A tally with each group's share (per cent, one decimal) of the count and amount."""
    total = Decimal(result["total_wan"])
    for group in result["groups"]:
        group["count_share"] = _share(group["count"], result["count"])
        group["amount_share"] = _share(Decimal(group["total_wan"]), total)
    return result


def cross_table(conference: Conference, status: str | None = "signed") -> dict:
    """Region × sector: one GROUP BY over both. ``{regions, sectors, cells: {(region, sector):
    {count, total_wan}}, region_totals, sector_totals, count, total_wan}``."""
    query = (
        select(
            SignedProject.region,
            SignedProject.sector,
            func.count(),
            func.coalesce(func.sum(SignedProject.amount_yuan), 0),
        )
        .where(SignedProject.conference_id == conference.id)
        .group_by(SignedProject.region, SignedProject.sector)
    )
    if status:
        query = query.where(SignedProject.status == status)
    cells = {}
    region_totals: dict[str, list] = {}
    sector_totals: dict[str, list] = {}
    count = yuan = 0
    for region, sector, n, total in db.session.execute(query):
        total = int(total)
        cells[(region, sector)] = {"count": n, "total_wan": from_yuan(total)}
        for totals, key in ((region_totals, region), (sector_totals, sector)):
            entry = totals.setdefault(key, [0, 0])
            entry[0] += n
            entry[1] += total
        count += n
        yuan += total

    def ordered(totals):
        return sorted(totals, key=lambda k: (-totals[k][1], -totals[k][0], k))

    return {
        "regions": ordered(region_totals),
        "sectors": ordered(sector_totals),
        "cells": cells,
        "region_totals": {
            k: {"count": v[0], "total_wan": from_yuan(v[1])} for k, v in region_totals.items()
        },
        "sector_totals": {
            k: {"count": v[0], "total_wan": from_yuan(v[1])} for k, v in sector_totals.items()
        },
        "count": count,
        "total_wan": from_yuan(yuan),
    }


def totals(conference_id: int) -> dict:
    """Signed and intended projects, on site and counted only: one GROUP BY (status,
    on_site) answered from its index."""
    rows = db.session.execute(
        select(
            SignedProject.status,
            SignedProject.on_site,
            func.count(),
            func.coalesce(func.sum(SignedProject.amount_yuan), 0),
        )
        .where(SignedProject.conference_id == conference_id)
        .group_by(SignedProject.status, SignedProject.on_site)
    ).all()
    count = {"signed": 0, "intent": 0}
    yuan = {"signed": 0, "intent": 0}
    on_site = 0
    for status, site, n, total in rows:
        count[status] = count.get(status, 0) + n
        yuan[status] = yuan.get(status, 0) + int(total)
        if status == "signed" and site:
            on_site += n
    total_wan = from_yuan(yuan["signed"])
    intent_wan = from_yuan(yuan["intent"])
    return {
        "count": count["signed"],
        "total_wan": total_wan,
        "total_display": display_wan(total_wan),
        "intent_count": count["intent"],
        "intent_wan": intent_wan,
        "intent_display": display_wan(intent_wan),
        "on_site_count": on_site,
        "counted_only": count["signed"] - on_site,
    }


def summary(conference: Conference) -> dict:
    """Everything a report needs: the totals, each key's tally with shares, the region ×
    sector table and the comparison with the last edition (or None). The region and sector
    tallies are the cross table's margins: six statements in all, without a last edition."""
    cross = cross_table(conference)
    by = {"forum": tally(conference, "forum")}
    for key, margins in (("region", cross["region_totals"]), ("sector", cross["sector_totals"])):
        by[key] = _margin_tally(key, margins, cross)
    for key in ("kind", "date"):
        by[key] = tally(conference, key)
    return {
        "totals": totals(conference.id),
        "by": {key: with_shares(by[key]) for key in ("forum", "region", "sector", "kind", "date")},
        "cross": cross,
        "comparison": comparison(conference),
    }


def _margin_tally(by: str, margins: dict, cross: dict) -> dict:
    """A tally (as ``tally`` returns it) from the cross table's row or column totals."""
    groups = sorted(
        margins.items(), key=lambda item: (-item[1]["total_wan"], -item[1]["count"], item[0])
    )
    return {
        "by": by,
        "count": cross["count"],
        "total_wan": wan_text(cross["total_wan"]),
        "total_display": display_wan(cross["total_wan"]),
        "groups": [
            {"key": key or "", "count": value["count"], "total_wan": wan_text(value["total_wan"])}
            for key, value in groups
        ],
    }


def comparison(conference: Conference) -> dict | None:
    """This edition against the linked last one: totals and the region, sector and kind
    tallies side by side with the change, or None when no last edition is linked."""
    settings = settings_of(conference, create=False)
    if settings is None or settings.last_edition_id is None:
        return None
    last = db.session.get(Conference, settings.last_edition_id)
    if last is None:
        return None
    now_totals, then_totals = totals(conference.id), totals(last.id)
    result = {
        "last": last,
        "count": (now_totals["count"], then_totals["count"]),
        "total_wan": (now_totals["total_wan"], then_totals["total_wan"]),
        "change_pct": _change(now_totals["total_wan"], then_totals["total_wan"]),
        "count_change_pct": _change(now_totals["count"], then_totals["count"]),
        "by": {},
    }
    for by in ("region", "sector", "kind"):
        now_rows = {g["key"]: g for g in tally(conference, by)["groups"]}
        then_rows = {g["key"]: g for g in tally(last, by)["groups"]}
        rows = []
        for key in list(dict.fromkeys([*now_rows, *then_rows])):
            now_wan = Decimal(now_rows[key]["total_wan"]) if key in now_rows else Decimal(0)
            then_wan = Decimal(then_rows[key]["total_wan"]) if key in then_rows else Decimal(0)
            rows.append(
                {
                    "key": key,
                    "count": (
                        now_rows.get(key, {}).get("count", 0),
                        then_rows.get(key, {}).get("count", 0),
                    ),
                    "total_wan": (now_wan, then_wan),
                    "change_pct": _change(now_wan, then_wan),
                }
            )
        result["by"][by] = rows
    return result


def _change(now, then) -> Decimal | None:
    if not then:
        return None
    return ((Decimal(now) - Decimal(then)) * 100 / Decimal(then)).quantize(Decimal("0.1"))


def latest(conference_id: int, limit: int = 20) -> list[dict]:
    """The newest signed projects for the big screen (title, parties, amount)."""
    rows = db.session.execute(
        select(
            SignedProject.id,
            SignedProject.title,
            SignedProject.party_a,
            SignedProject.party_b,
            SignedProject.amount_yuan,
        )
        .where(SignedProject.conference_id == conference_id, SignedProject.status == "signed")
        .order_by(SignedProject.id.desc())
        .limit(limit)
    )
    return [
        {
            "id": row.id,
            "title": row.title,
            "party_a": row.party_a,
            "party_b": row.party_b,
            "amount": display_wan(from_yuan(row.amount_yuan)) if row.amount_yuan else "",
        }
        for row in rows
    ]


# --- the demo ---------------------------------------------------------------------------------


def seed_signings(conference: Conference, signings: list[dict]) -> int:
    """Record the demo's projects (dicts as ``demo.generators.demo_signings`` gives): the
    sector list is set from them when the conference has none. Returns how many."""
    settings = settings_of(conference)
    if not settings.sectors:
        settings.sectors = list(dict.fromkeys(s["sector"] for s in signings if s.get("sector")))
        db.session.flush()
    from eventsys.signing.imports import insert_projects

    lookup = Lookup.of(conference)
    rows = []
    for index, raw in enumerate(signings):
        errors: dict = {}
        values = check_values(raw, lookup, errors)
        if errors:
            raise ValidationError(_("Demo project %(n)s is invalid.", n=index + 1), errors)
        rows.append(values)
    insert_projects(conference, rows, Actor(label="seed-demo"), source="demo")
    return len(rows)


def forum_in_use(sender, part, **_kwargs) -> str | None:
    """Why a forum cannot be deleted: signed projects were recorded under it."""
    count = db.session.execute(
        select(func.count()).select_from(SignedProject).where(SignedProject.forum_id == part.id)
    ).scalar_one()
    if count:
        return _(
            "%(name)s has %(count)s signed project(s); move them to another forum first.",
            name=part.name,
            count=count,
        )
    return None
