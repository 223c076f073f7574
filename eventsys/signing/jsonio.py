"""The signing section of the conference JSON: the sector list and the signing settings.

    "signing": {"sectors": ["电子信息", "生物医药"], "last_edition": "cy-2025",
                "screen_enabled": false}

Exported only when something is set; loading a document without it clears the settings (the
big-screen link's token is never exported: it is a secret of this server)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from eventsys.conferences.extend import JsonSection
from eventsys.conferences.jsonio import Checker
from eventsys.conferences.models import Conference
from eventsys.extensions import db
from eventsys.signing import services
from eventsys.signing.rules import word_key

MAX_SECTORS = 200


def parse_signing(checker: Checker, data: dict, context: dict) -> dict:
    raw = data.get("signing")
    if raw is None:
        return {"signing": None}
    section = checker.obj(raw, "signing")
    sectors = []
    raw_sectors = section.get("sectors", [])
    if not isinstance(raw_sectors, list):
        checker.fail("signing.sectors", _("must be a list"))
        raw_sectors = []
    if len(raw_sectors) > MAX_SECTORS:
        checker.fail("signing.sectors", _("at most %(n)s sectors", n=MAX_SECTORS))
    seen = set()
    for index, value in enumerate(raw_sectors[:MAX_SECTORS]):
        text = checker.text({"s": value}, "s", f"signing.sectors[{index}].", max_len=60)
        if text and word_key(text) in seen:
            checker.fail(f"signing.sectors[{index}]", _("listed twice"))
        seen.add(word_key(text))
        sectors.append(text)
    last = section.get("last_edition")
    if last is not None and not isinstance(last, str):
        checker.fail("signing.last_edition", _("must be a string"))
        last = None
    if last:
        found = db.session.execute(
            select(Conference.id).where(Conference.slug == last.strip())
        ).scalar_one_or_none()
        if found is None:
            checker.fail("signing.last_edition", _("no conference with this slug"))
    screen = checker.boolean(section, "screen_enabled", "signing.", default=False)
    return {
        "signing": {
            "sectors": sectors,
            "last_edition": (last or "").strip() or None,
            "screen_enabled": screen,
        }
    }


def load_signing(conference: Conference, spec: dict, context: dict) -> None:
    wanted = spec.get("signing")
    settings = services.settings_of(conference, create=wanted is not None)
    if settings is None:
        return
    if wanted is None:
        wanted = {"sectors": [], "last_edition": None, "screen_enabled": False}
    settings.sectors = list(wanted["sectors"])
    last = None
    if wanted["last_edition"]:
        last = db.session.execute(
            select(Conference).where(Conference.slug == wanted["last_edition"])
        ).scalar_one()
    services.set_last_edition(conference, last)
    services.set_screen(conference, wanted["screen_enabled"])


def export_signing(conference: Conference, out: dict) -> None:
    settings = services.settings_of(conference, create=False)
    if settings is None:
        return
    last = (
        settings.last_edition.slug if settings.last_edition_id and settings.last_edition else None
    )
    if not settings.sectors and last is None and not settings.screen_enabled:
        return
    out["signing"] = {
        "sectors": list(settings.sectors or []),
        "last_edition": last,
        "screen_enabled": settings.screen_enabled,
    }


SECTION = JsonSection("signing", parse_signing, load_signing, export_signing, order=35)
