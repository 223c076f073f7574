"""Check-in's section of the conference JSON: ``checkin_lists``.

Each list: ``code``, ``name``, ``session`` (the contract's keys, always written), and, written
only when set: ``name_en``, ``categories`` (the codes of the categories it admits; absent or
empty: every category), ``opens_at`` / ``closes_at`` (local times), ``allow_reentry``.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from eventsys.checkin.models import CheckinList
from eventsys.conferences.extend import JsonSection
from eventsys.conferences.jsonio import (
    Checker,
    format_local,
    name_en,
    reference,
    set_columns,
    simple_parts,
    sync_rows,
    with_extras,
)
from eventsys.conferences.models import Category, Conference
from eventsys.extensions import db


def _category_codes(data: dict) -> set[str]:
    rows = data.get("categories")
    if not isinstance(rows, list):
        return set()
    return {row.get("code") for row in rows if isinstance(row, dict)}


def parse_lists(checker: Checker, data: dict, context: dict) -> dict:
    tz = context["tz"]
    category_codes = _category_codes(data)

    def extra(row: dict, path: str) -> dict:
        categories = row.get("categories")
        if categories is None:
            categories = []
        if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
            checker.fail(f"{path}categories", _("must be a list of category codes"))
            categories = []
        for code in categories:
            if code not in category_codes:
                checker.fail(
                    f"{path}categories",
                    _("no %(what)s with code %(code)r", what="category", code=code),
                )
        opens_at = checker.local_time(row, "opens_at", path, tz, required=False)
        closes_at = checker.local_time(row, "closes_at", path, tz, required=False)
        if opens_at and closes_at and closes_at <= opens_at:
            checker.fail(f"{path}closes_at", _("must be after the opening time"))
        return {
            "session": reference(checker, row, "session", path, context["session_codes"]),
            "categories": list(dict.fromkeys(categories)),
            "opens_at": opens_at,
            "closes_at": closes_at,
            "allow_reentry": checker.boolean(row, "allow_reentry", path),
        }

    rows = simple_parts(checker, data, "checkin_lists", extra)
    return {"checkin_lists": rows}


def load_lists(conference: Conference, spec: dict, context: dict) -> None:
    sessions = context["sessions"]
    categories = {
        c.code: c
        for c in db.session.execute(
            select(Category).where(Category.conference_id == conference.id)
        ).scalars()
    }

    def apply(part: CheckinList, row: dict) -> None:
        set_columns(part, row, skip=("code", "session", "categories"))
        part.session = sessions.get(row["session"]) if row["session"] else None
        part.categories = [categories[code] for code in row["categories"]]

    sync_rows(conference, CheckinList, spec["checkin_lists"], apply, "checkin_lists")


def export_lists(conference: Conference, out: dict) -> None:
    tz = conference.tz
    lists = db.session.execute(
        select(CheckinList)
        .where(CheckinList.conference_id == conference.id)
        .order_by(CheckinList.position, CheckinList.id)
    ).scalars()
    out["checkin_lists"] = [
        with_extras(
            {"code": cl.code, "name": cl.name, "session": cl.session.code if cl.session else None},
            {
                **name_en(cl),
                "categories": [c.code for c in cl.categories],
                "opens_at": format_local(cl.opens_at, tz),
                "closes_at": format_local(cl.closes_at, tz),
                "allow_reentry": cl.allow_reentry,
            },
            {
                "name_en": "",
                "categories": [],
                "opens_at": None,
                "closes_at": None,
                "allow_reentry": False,
            },
        )
        for cl in lists
    ]


SECTION = JsonSection("checkin_lists", parse_lists, load_lists, export_lists, order=30)
