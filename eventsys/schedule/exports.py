"""The published programme for other programs: iCalendar, frab XML (Giggity, EventFahrplan …)
and JSON. Each is built from the latest release only, and keeps a session's identity across
releases: the ICS UID is ``<uuid>@eventsys`` and the frab event keeps its ``guid`` (the same
uuid) and its integer ``id`` (the session's row id), so apps follow moves and renames."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree as ET

from icalendar import Calendar, Event

from eventsys.conferences.models import Conference
from eventsys.schedule.labels import kind_label, role_label
from eventsys.schedule.published import Programme
from eventsys.schedule.releases import iso_utc
from eventsys.text import exportable

UID_DOMAIN = "eventsys"


def ics_uid(session_uuid: str) -> str:
    """A session's iCalendar UID, in every feed (the public programme's, an attendee's
    agenda) and every release: calendars holding both see one event."""
    return f"{session_uuid}@{UID_DOMAIN}"


def _text(value: str) -> str:
    return exportable(value or "", xml=True)


def _people_line(session: dict) -> str:
    return "、".join(f"{p['name']}（{role_label(p['role'])}）" for p in session["people"])


def ics(conference: Conference, programme: Programme, url_for_session) -> bytes:
    """The programme as iCalendar: times with the conference's TZID and its VTIMEZONE,
    cancelled sessions as STATUS:CANCELLED (so calendars remove them), stable UIDs."""
    tz = conference.tz
    cal = Calendar()
    cal.add("prodid", "-//eventsys//schedule//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _text(conference.title))
    cal.add("x-wr-timezone", conference.timezone)
    release = programme.release
    for session in programme.sessions:
        event = Event()
        event.add("uid", ics_uid(session["uuid"]))
        event.add("dtstamp", release.published_at)
        event.add("last-modified", release.published_at)
        event.add("sequence", release.number)
        event.add("dtstart", session["starts_at"].astimezone(tz))
        event.add("dtend", session["ends_at"].astimezone(tz))
        event.add("summary", _text(session["title"]))
        if session["room"]:
            event.add("location", _text(session["room"]["name"]))
        description = [session["description"]] if session["description"] else []
        if session["people"]:
            description.append(_people_line(session))
        if description:
            event.add("description", _text("\n\n".join(description)))
        event.add("categories", [_text(kind_label(session["kind"]))])
        event.add("url", url_for_session(session))
        event.add("status", "CANCELLED" if session["cancelled"] else "CONFIRMED")
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def _duration(session: dict) -> str:
    minutes = int((session["ends_at"] - session["starts_at"]).total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def frab_xml(conference: Conference, programme: Programme, url_for_session) -> bytes:
    """The programme in the frab schedule format (``../shared/data/frab-schedule.xsd``).
    Cancelled sessions are left out: the apps drop an event that disappears."""
    tz = conference.tz
    root = ET.Element("schedule")
    ET.SubElement(root, "version").text = programme.release.version
    conf = ET.SubElement(root, "conference")
    ET.SubElement(conf, "title").text = _text(conference.title)
    ET.SubElement(conf, "acronym").text = conference.slug
    ET.SubElement(conf, "start").text = conference.starts_on.isoformat()
    ET.SubElement(conf, "end").text = conference.ends_on.isoformat()
    days_count = (conference.ends_on - conference.starts_on).days + 1
    ET.SubElement(conf, "days").text = str(days_count)
    ET.SubElement(conf, "timeslot_duration").text = "00:05"

    sessions = [s for s in programme.sessions if not s["cancelled"]]
    by_day: dict = {}
    for session in sessions:
        by_day.setdefault(session["starts_at"].astimezone(tz).date(), []).append(session)
    room_order = {code: i for i, code in enumerate(programme.rooms)}
    for index, day in enumerate(sorted(by_day), start=1):
        items = by_day[day]
        day_el = ET.SubElement(
            root,
            "day",
            index=str(index),
            date=day.isoformat(),
            start=min(s["starts_at"] for s in items).astimezone(tz).isoformat(),
            end=max(s["ends_at"] for s in items).astimezone(tz).isoformat(),
        )
        rooms: dict = {}
        for session in items:
            key = session["room"]["code"] if session["room"] else ""
            rooms.setdefault(key, []).append(session)
        for key in sorted(rooms, key=lambda code: (room_order.get(code, len(room_order)), code)):
            room_name = rooms[key][0]["room"]["name"] if key else conference.venue or "-"
            room_el = ET.SubElement(day_el, "room", name=_text(room_name))
            for session in rooms[key]:
                event = ET.SubElement(room_el, "event", id=str(session["id"]), guid=session["uuid"])
                local = session["starts_at"].astimezone(tz)
                ET.SubElement(event, "date").text = local.isoformat()
                ET.SubElement(event, "start").text = local.strftime("%H:%M")
                ET.SubElement(event, "duration").text = _duration(session)
                ET.SubElement(event, "room").text = _text(room_name)
                ET.SubElement(event, "slug").text = f"{conference.slug}-{session['id']}"
                ET.SubElement(event, "title").text = _text(session["title"])
                ET.SubElement(event, "subtitle").text = _text(session["title_en"])
                track = (
                    session["forum"]["name"] if session["forum"] else kind_label(session["kind"])
                )
                ET.SubElement(event, "track").text = _text(track)
                ET.SubElement(event, "type").text = session["kind"]
                ET.SubElement(event, "language").text = "zh"
                ET.SubElement(event, "abstract").text = _text(session["description"])
                ET.SubElement(event, "description").text = _text(session["description_en"])
                persons = ET.SubElement(event, "persons")
                for person in session["people"]:
                    ET.SubElement(persons, "person", id=str(person["id"])).text = _text(
                        person["name"]
                    )
                links = ET.SubElement(event, "links")
                ET.SubElement(links, "link", href=url_for_session(session)).text = _text(
                    session["title"]
                )
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def programme_json(conference: Conference, programme: Programme, url_for_session) -> dict:
    """The programme as JSON: the release, rooms, forums, people (no contact details) and
    sessions with UTC and local times."""
    tz = conference.tz
    release = programme.release
    return {
        "conference": {
            "slug": conference.slug,
            "title": conference.title,
            "title_en": conference.title_en,
            "starts_on": conference.starts_on.isoformat(),
            "ends_on": conference.ends_on.isoformat(),
            "timezone": conference.timezone,
        },
        "release": {
            "version": release.version,
            "number": release.number,
            "published_at": iso_utc(release.published_at),
        },
        "rooms": list(programme.rooms.values()),
        "forums": list(programme.forums.values()),
        "people": [
            {k: v for k, v in person.items() if k != "sessions"}
            for person in programme.people.values()
        ],
        "sessions": [
            {
                "id": s["id"],
                "guid": s["uuid"],
                "code": s["code"],
                "title": s["title"],
                "title_en": s["title_en"],
                "description": s["description"],
                "description_en": s["description_en"],
                "kind": s["kind"],
                "starts_at": iso_utc(s["starts_at"]),
                "ends_at": iso_utc(s["ends_at"]),
                "local_start": s["starts_at"].astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
                "local_end": s["ends_at"].astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
                "duration_minutes": (s["ends_at"] - s["starts_at"]) // timedelta(minutes=1),
                "room": s["room"]["code"] if s["room"] else None,
                "forum": s["forum"]["code"] if s["forum"] else None,
                "capacity": s["capacity"],
                "cancelled": s["cancelled"],
                "people": [{"id": p["id"], "role": p["role"]} for p in s["people"]],
                "url": url_for_session(s),
            }
            for s in programme.sessions
        ],
    }
