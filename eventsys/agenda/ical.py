"""The attendee's own iCalendar feed: their agenda, in the conference's time zone."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event, Timezone

from eventsys.agenda.sessions import session_uid
from eventsys.db_types import utcnow
from eventsys.i18n import localized
from eventsys.schedule.published import latest_release
from eventsys.text import exportable
from eventsys.urls import base_url


@lru_cache(maxsize=64)
def zone_component(name: str, year: int) -> Timezone:
    """The VTIMEZONE of ``name`` for the years around ``year``, made once per process:
    icalendar's own ``add_missing_timezones`` works out 1970–2038 on every call (~100 ms)."""
    return Timezone.from_tzid(name, first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1))


def agenda_calendar(registration, items) -> bytes:
    """``items`` (``services.agenda_of``) as an iCalendar document: one event per session,
    its UID the session's own (the same as in the public feed, so calendars that have both
    see one event), times with the conference's time zone (VTIMEZONE included), the
    release's number as SEQUENCE (as in the public feed: calendars take the newer version)."""
    conference = registration.conference
    tz = conference.tz
    stamp = utcnow()
    release = latest_release(conference)
    with force_locale(registration.locale or "zh_CN"):
        title = localized(conference, "title")
        calendar = Calendar()
        calendar.add("prodid", "-//eventsys//agenda//EN")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("x-wr-calname", exportable(_("My agenda") + " · " + title))
        calendar.add("x-wr-timezone", conference.timezone)
        link = f"{base_url()}/r/{registration.manage_token}/agenda"
        why = {
            "enrolled": _("You are enrolled."),
            "forum": _("A forum you chose."),
            "everyone": _("For all attendees."),
        }
        for item in items:
            session = item.session
            event = Event()
            event.add("uid", session_uid(session))
            event.add("dtstamp", stamp)
            if release is not None:
                event.add("sequence", release.number)
            event.add("dtstart", session.starts_at.astimezone(tz))
            event.add("dtend", session.ends_at.astimezone(tz))
            event.add("summary", exportable(localized(session, "title")))
            where = [localized(session.room, "name")] if session.room else []
            if conference.venue:
                where.append(localized(conference, "venue"))
            if where:
                event.add("location", exportable(" · ".join(where)))
            lines = []
            if session.forum:
                lines.append(localized(session.forum, "name"))
            lines.append(why.get(item.why, ""))
            if session.description:
                lines.append(session.description)
            event.add("description", exportable("\n".join(line for line in lines if line)))
            event.add("url", link)
            if item.cancelled:
                event.add("status", "CANCELLED")
            else:
                event.add("status", "CONFIRMED")
            calendar.add_component(event)
        if items:
            calendar.subcomponents.insert(
                0, zone_component(conference.timezone, conference.starts_on.year)
            )
    return calendar.to_ical()
