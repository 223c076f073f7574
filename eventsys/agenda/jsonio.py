"""The agenda's section of the conference JSON: ``forum_choice`` (optional).

    "forum_choice": {"mode": "optional", "max_choices": 2, "changes_open": true,
                     "limits": {"ai": 120, "energy": null}}

``mode``: "off", "optional" or "required"; ``max_choices``: a whole number >= 1 or null (no
limit); ``limits``: places per forum code (null or absent: no limit). Written only when the
organizer asks for forums or set a limit; a document without it leaves forums unasked.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from eventsys.agenda import services
from eventsys.agenda.models import FORUM_CHOICE_MODES, ForumChoiceSettings, ForumLimit
from eventsys.conferences.extend import JsonSection
from eventsys.conferences.jsonio import Checker
from eventsys.conferences.models import Conference, Forum
from eventsys.extensions import db

KEY = "forum_choice"


def parse_forum_choice(checker: Checker, data: dict, context: dict) -> dict:
    value = data.get(KEY)
    if value is None:
        return {KEY: None}
    block = checker.obj(value, KEY)
    path = f"{KEY}."
    mode = block.get("mode", "optional")
    if mode not in FORUM_CHOICE_MODES:
        checker.fail(
            f"{path}mode", _("must be one of %(values)s", values=", ".join(FORUM_CHOICE_MODES))
        )
        mode = "off"
    max_choices = block.get("max_choices")
    if max_choices is not None and (
        isinstance(max_choices, bool) or not isinstance(max_choices, int) or max_choices < 1
    ):
        checker.fail(f"{path}max_choices", _("must be a whole number >= 1, or null"))
        max_choices = None
    limits = block.get("limits") or {}
    if not isinstance(limits, dict):
        checker.fail(f"{path}limits", _("must be an object of limits by forum code"))
        limits = {}
    known = context.get("forum_codes", set())
    parsed: dict[str, int | None] = {}
    for code in limits:
        if code not in known:
            checker.fail(f"{path}limits.{code}", _("no forum with this code"))
            continue
        parsed[code] = checker.capacity(limits, code, f"{path}limits.")
    return {
        KEY: {
            "mode": mode,
            "max_choices": max_choices,
            "changes_open": checker.boolean(block, "changes_open", path, default=True),
            "limits": parsed,
        }
    }


def load_forum_choice(conference: Conference, spec: dict, context: dict) -> None:
    rules = spec.get(KEY)
    forums = context.get("forums") or {
        f.code: f
        for f in db.session.execute(
            select(Forum).where(Forum.conference_id == conference.id)
        ).scalars()
    }
    if rules is None:
        if db.session.get(ForumChoiceSettings, conference.id) is None:
            return  # never asked: nothing to write
        rules = {"mode": "off", "max_choices": None, "changes_open": True, "limits": {}}
    limits = {forum.id: rules["limits"].get(code) for code, forum in forums.items()}
    services.save_forum_settings(
        conference, rules["mode"], rules["max_choices"], rules["changes_open"], limits
    )


def export_forum_choice(conference: Conference, out: dict) -> None:
    settings = db.session.get(ForumChoiceSettings, conference.id)
    limits = {
        code: capacity
        for code, capacity in db.session.execute(
            select(Forum.code, ForumLimit.capacity)
            .join(ForumLimit, ForumLimit.forum_id == Forum.id)
            .where(Forum.conference_id == conference.id, ForumLimit.capacity.is_not(None))
            .order_by(Forum.position, Forum.id)
        ).all()
    }
    if (settings is None or settings.mode == "off") and not limits:
        return
    out[KEY] = {
        "mode": settings.mode if settings else "off",
        "max_choices": settings.max_choices if settings else None,
        "changes_open": settings.changes_open if settings else True,
        "limits": limits,
    }


SECTION = JsonSection(KEY, parse_forum_choice, load_forum_choice, export_forum_choice, order=35)
