"""Check-in's section of the conference JSON: ``checkin_lists``."""

from __future__ import annotations

from sqlalchemy import select

from eventsys.checkin.models import CheckinList
from eventsys.conferences.extend import JsonSection
from eventsys.conferences.jsonio import (
    Checker,
    name_en,
    reference,
    set_columns,
    simple_parts,
    sync_rows,
    with_extras,
)
from eventsys.conferences.models import Conference
from eventsys.extensions import db


def parse_lists(checker: Checker, data: dict, context: dict) -> dict:
    rows = simple_parts(
        checker,
        data,
        "checkin_lists",
        lambda row, path: {
            "session": reference(checker, row, "session", path, context["session_codes"])
        },
    )
    return {"checkin_lists": rows}


def load_lists(conference: Conference, spec: dict, context: dict) -> None:
    sessions = context["sessions"]

    def apply(part: CheckinList, row: dict) -> None:
        set_columns(part, row, skip=("code", "session"))
        part.session = sessions.get(row["session"]) if row["session"] else None

    sync_rows(conference, CheckinList, spec["checkin_lists"], apply, "checkin_lists")


def export_lists(conference: Conference, out: dict) -> None:
    lists = db.session.execute(
        select(CheckinList)
        .where(CheckinList.conference_id == conference.id)
        .order_by(CheckinList.position, CheckinList.id)
    ).scalars()
    out["checkin_lists"] = [
        with_extras(
            {"code": cl.code, "name": cl.name, "session": cl.session.code if cl.session else None},
            name_en(cl),
            {"name_en": ""},
        )
        for cl in lists
    ]


SECTION = JsonSection("checkin_lists", parse_lists, load_lists, export_lists, order=30)
