"""The words for the timetable's kinds and roles, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eventsys.i18n import is_english

KIND_LABELS = {
    "opening": _l("Opening ceremony"),
    "plenary": _l("Plenary session"),
    "keynote": _l("Keynote"),
    "forum": _l("Forum"),
    "panel": _l("Panel discussion"),
    "talk": _l("Talk"),
    "workshop": _l("Workshop"),
    "signing": _l("Signing ceremony"),
    "ceremony": _l("Ceremony"),
    "visit": _l("Visit"),
    "break": _l("Break"),
    "other": _l("Other"),
}

ROLE_LABELS = {
    "speaker": _l("Speaker"),
    "chair": _l("Chair"),
    "host": _l("Host"),
    "moderator": _l("Moderator"),
    "panelist": _l("Panelist"),
    "guest": _l("Guest"),
}

CHANGE_LABELS = {
    "added": _l("added"),
    "moved": _l("moved"),
    "renamed": _l("renamed"),
    "cancelled": _l("cancelled"),
    "changed": _l("changed"),
}

CONFLICT_LABELS = {
    "room_overlap": _l("Room booked twice"),
    "speaker_double_booked": _l("Person in two places"),
    "capacity_exceeds_room": _l("More seats than the room"),
    "outside_conference": _l("Outside the conference"),
    "crosses_midnight": _l("Past midnight"),
}


def conflict_label(kind: str) -> str:
    return str(CONFLICT_LABELS.get(kind, kind))


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def loc(entry, field: str) -> str:
    """``entry[field + "_en"]`` (or the attribute) on an English page when filled, else
    ``entry[field]``: for the snapshot's dicts as well as for rows."""
    get = (
        entry.get
        if isinstance(entry, dict)
        else lambda key, default="": getattr(entry, key, default)
    )
    if is_english():
        english = get(f"{field}_en", "")
        if english:
            return english
    return get(field, "")


def change_label(change: str) -> str:
    return str(CHANGE_LABELS.get(change, change))


def describe_move(conference, change: dict) -> str:
    """ "12-18 09:00 A厅 → 12-18 10:00 B厅" for a moved session (snapshot entries)."""
    from eventsys.schedule.releases import parse_iso_utc

    names = {room.code: loc(room, "name") for room in conference.rooms}
    tz = conference.tz

    def where(entry: dict) -> str:
        start = parse_iso_utc(entry["starts_at"]).astimezone(tz)
        end = parse_iso_utc(entry["ends_at"]).astimezone(tz)
        text = f"{start:%m-%d %H:%M}–{end:%H:%M}"
        if entry["room"]:
            text += " " + names.get(entry["room"], entry["room"])
        return text

    return f"{where(change['before'])} → {where(change['after'])}"
