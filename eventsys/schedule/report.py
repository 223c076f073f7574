"""The programme's part of the summary report (order 35): the release it describes, the
sessions per day and per forum, and the people on the programme. Read from the latest
release (one row); a conference that has published nothing leaves the section out."""

from __future__ import annotations

from collections import Counter
from itertools import groupby

from flask_babel import gettext as _

from eventsys.charts import bar_chart
from eventsys.conferences.models import Conference
from eventsys.schedule.labels import loc
from eventsys.schedule.published import published_programme


def report_data(conference: Conference) -> dict | None:
    programme = published_programme(conference)
    release = programme.release
    if release is None:
        return None
    tz = conference.tz
    held = [s for s in programme.sessions if not s["cancelled"]]
    days = []
    for day, items in groupby(held, key=lambda s: s["starts_at"].astimezone(tz).date()):
        items = list(items)
        people = {person["id"] for s in items for person in s["people"]}
        days.append({"day": day, "sessions": len(items), "people": len(people)})
    per_forum = Counter(s["forum"]["code"] if s["forum"] else None for s in held)
    forums = [
        {"name": loc(forum, "name"), "sessions": per_forum[code]}
        for code, forum in programme.forums.items()
        if per_forum[code]
    ]
    if per_forum[None]:
        forums.append({"name": _("Plenary and general sessions"), "sessions": per_forum[None]})
    roles = Counter(link["role"] for s in held for link in s["people"])
    people = {person["id"] for s in held for person in s["people"]}
    return {
        "release": release,
        "published_at": release.published_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "sessions": len(held),
        "cancelled": len(programme.sessions) - len(held),
        "people": len(people),
        "roles": sorted(roles.items(), key=lambda item: (-item[1], item[0])),
        "days": days,
        "forums": forums,
    }


def report_section(conference: Conference):
    data = report_data(conference)
    if data is None:
        return ""
    chart = bar_chart(
        [(forum["name"], forum["sessions"]) for forum in data["forums"]],
        _("Sessions per forum"),
    )
    return "schedule/_report.html", {"data": data, "chart": chart}
