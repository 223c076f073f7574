"""The JSON API under /api/v1: parse, check the token, call a service, answer."""

from __future__ import annotations

from flask import Blueprint, jsonify

from eventsys.auth.permissions import api_conference
from eventsys.conferences.jsonio import export_conference
from eventsys.conferences.models import Conference

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def conference_summary(conference: Conference) -> dict:
    return {
        "slug": conference.slug,
        "title": conference.title,
        "title_en": conference.title_en,
        "starts_on": conference.starts_on.isoformat(),
        "ends_on": conference.ends_on.isoformat(),
        "timezone": conference.timezone,
        "venue": conference.venue,
        "venue_en": conference.venue_en,
        "categories": [
            {
                "code": c.code,
                "name": c.name,
                "name_en": c.name_en,
                "capacity": c.capacity,
                "requires_approval": c.requires_approval,
                "invite_only": c.invite_only,
            }
            for c in conference.categories
        ],
        "forums": [
            {"code": f.code, "name": f.name, "name_en": f.name_en} for f in conference.forums
        ],
        "rooms": [
            {"code": r.code, "name": r.name, "name_en": r.name_en, "capacity": r.capacity}
            for r in conference.rooms
        ],
    }


@bp.get("/conferences/<slug>")
@api_conference(None)
def get_conference(conference: Conference):
    return jsonify(conference_summary(conference))


@bp.get("/conferences/<slug>/export")
@api_conference("organizer")
def export(conference: Conference):
    """The whole conference as the JSON that load-conference reads."""
    return jsonify(export_conference(conference))
