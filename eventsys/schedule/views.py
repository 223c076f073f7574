"""The public programme (by day, forum or room, with search), each session's page, the
speakers, the changelog, the exports; and the timetable's parts of the conference pages.

Everything public reads the latest release (one row), never the draft: what organizers are
still editing is not shown until they publish it.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from itertools import groupby

from flask import Blueprint, Response, abort, current_app, json, render_template, request, url_for
from flask_babel import get_locale
from sqlalchemy import func, select

from eventsys.conferences.access import conference_view
from eventsys.conferences.models import Conference
from eventsys.extensions import db
from eventsys.schedule import exports, printed
from eventsys.schedule.labels import (
    change_label,
    conflict_label,
    describe_move,
    kind_label,
    loc,
    role_label,
)
from eventsys.schedule.models import ScheduleRelease, ScheduleSession, person_key
from eventsys.schedule.published import latest_release, published_programme
from eventsys.urls import base_url

bp = Blueprint("schedule", __name__, url_prefix="/c/<slug>")

VIEWS = ("day", "forum", "room")


def _local_day(conference, session):
    return session["starts_at"].astimezone(conference.tz).date()


def _matches(session: dict, needle: str) -> bool:
    """Search over titles, descriptions, room, forum and people, ignoring case, spaces and
    full-width forms (as people are matched)."""
    haystack = [
        session["title"],
        session["title_en"],
        session["description"],
        session["description_en"],
        session["code"],
    ]
    for part in (session["room"], session["forum"]):
        if part:
            haystack += [part["name"], part["name_en"]]
    for person in session["people"]:
        haystack += [person["name"], person["name_en"], person["organization"]]
    return any(needle in person_key(text) for text in haystack if text)


def _groups(conference: Conference, programme, sessions: list[dict], view: str):
    """``[(heading, sessions)]`` for the chosen view."""
    if view == "forum":
        order = {code: i for i, code in enumerate(programme.forums)}
        keyed = sorted(
            sessions,
            key=lambda s: (
                order.get(s["forum"]["code"], -1) if s["forum"] else -1,
                s["starts_at"],
            ),
        )
        return [
            (forum, list(items))
            for forum, items in groupby(
                keyed, key=lambda s: s["forum"]["code"] if s["forum"] else None
            )
        ], "forum"
    if view == "room":
        order = {code: i for i, code in enumerate(programme.rooms)}
        keyed = sorted(
            sessions,
            key=lambda s: (
                order.get(s["room"]["code"], len(order)) if s["room"] else len(order),
                s["starts_at"],
            ),
        )
        return [
            (room, list(items))
            for room, items in groupby(
                keyed, key=lambda s: s["room"]["code"] if s["room"] else None
            )
        ], "room"
    return [
        (day, list(items))
        for day, items in groupby(sessions, key=lambda s: _local_day(conference, s))
    ], "day"


@bp.get("/programme")
@conference_view(None)
def programme(conference: Conference):
    """The whole published programme, grouped by day (default), forum or room; ``q``
    searches; ``day`` narrows to one day."""
    programme = published_programme(conference)
    view = request.args.get("view", "day")
    if view not in VIEWS:
        view = "day"
    query = (request.args.get("q") or "").strip()[:100]
    sessions = programme.sessions
    days = sorted({_local_day(conference, s) for s in sessions})
    day = request.args.get("day") or ""
    if day and day not in {d.isoformat() for d in days}:
        day = ""
    if day:
        sessions = [s for s in sessions if _local_day(conference, s).isoformat() == day]
    if query:
        needle = person_key(query)
        sessions = [s for s in sessions if _matches(s, needle)]
    groups, group_by = _groups(conference, programme, sessions, view)
    return render_template(
        "schedule/programme.html",
        conference=conference,
        programme=programme,
        groups=groups,
        group_by=group_by,
        view=view,
        query=query,
        days=days,
        day=day,
        found=len(sessions),
    )


@bp.get("/programme/<int:session_id>")
@conference_view(None)
def session_page(conference: Conference, session_id: int):
    programme = published_programme(conference)
    session = programme.by_id().get(session_id)
    if session is None:
        abort(404)
    return render_template(
        "schedule/session.html", conference=conference, programme=programme, s=session
    )


@bp.get("/speakers")
@conference_view(None)
def speakers(conference: Conference):
    programme = published_programme(conference)
    people = sorted(
        (p for p in programme.people.values() if p["sessions"]),
        key=lambda p: person_key(p["name"]),
    )
    return render_template(
        "schedule/speakers.html", conference=conference, programme=programme, people=people
    )


@bp.get("/programme/changes")
@conference_view(None)
def changes(conference: Conference):
    releases = db.session.execute(
        select(
            ScheduleRelease.number,
            ScheduleRelease.version,
            ScheduleRelease.published_at,
            ScheduleRelease.comment,
            ScheduleRelease.changes,
        )
        .where(ScheduleRelease.conference_id == conference.id)
        .order_by(ScheduleRelease.number.desc())
    ).all()
    return render_template("schedule/changes.html", conference=conference, releases=releases)


def _session_url(conference: Conference):
    root = base_url()

    def build(session: dict) -> str:
        return root + url_for(
            "schedule.session_page", slug=conference.slug, session_id=session["id"]
        )

    return build


EXPORT_CACHE_SIZE = 32


def _export(conference: Conference, kind: str, build, mimetype: str) -> Response:
    """An export of the latest release, built once per worker: a release never changes, so
    the same release (with the same conference details, language and address) gives the same
    bytes. Answers 304 to a client that has them (ETag). The PDF is also kept on disk, built
    once for all the worker processes."""
    release = latest_release(conference)
    if release is None:
        abort(404, description="The programme has not been published yet.")
    root = base_url()
    key = (
        kind,
        release.id,
        release.number,
        release.published_at.isoformat(),
        conference.title,
        conference.timezone,
        conference.venue,
        conference.starts_on,
        conference.ends_on,
        root,
        str(get_locale()),
    )
    etag = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
    cache = current_app.extensions.setdefault("eventsys_schedule_exports", OrderedDict())
    body = cache.get(key)
    if body is None:

        def make():
            return build(conference, published_programme(conference), _session_url(conference))

        body = printed.cached(f"{conference.id}-{etag}", make) if kind == "pdf" else make()
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        cache[key] = body
        while len(cache) > EXPORT_CACHE_SIZE:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    response = Response(body, mimetype=mimetype)
    name = f"{conference.slug}-programme.pdf" if kind == "pdf" else f"{conference.slug}.{kind}"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "public, max-age=60"
    response.set_etag(etag)
    return response.make_conditional(request)


@bp.get("/schedule.ics")
@conference_view(None)
def schedule_ics(conference: Conference):
    return _export(conference, "ics", exports.ics, "text/calendar")


@bp.get("/schedule.xml")
@conference_view(None)
def schedule_xml(conference: Conference):
    return _export(conference, "xml", exports.frab_xml, "application/xml")


@bp.get("/programme.pdf")
@conference_view(None)
def programme_pdf(conference: Conference):
    """The printed programme of the latest release, in the page's language."""
    return _export(conference, "pdf", printed.build, "application/pdf")


@bp.get("/schedule.json")
@conference_view(None)
def schedule_json(conference: Conference):
    return _export(conference, "json", exports.programme_json, "application/json")


def programme_section(conference: Conference) -> str:
    """The public page's programme: the published one by day. A release never changes, so
    its section is rendered once per worker for each language (and conference details it
    shows), then served from memory."""
    programme = published_programme(conference)
    if programme.release is None:
        return ""
    key = (
        programme.release.id,
        str(get_locale()),
        conference.slug,
        conference.timezone,
        request.script_root,
    )
    cache = current_app.extensions.setdefault("eventsys_programme_sections", OrderedDict())
    html = cache.get(key)
    if html is None:
        days = [
            (day, list(items))
            for day, items in groupby(programme.sessions, key=lambda s: _local_day(conference, s))
        ]
        html = render_template(
            "schedule/_programme.html", conference=conference, days=days, programme=programme
        )
        cache[key] = html
        while len(cache) > EXPORT_CACHE_SIZE:
            cache.popitem(last=False)
    return html


def dashboard_section(conference: Conference) -> str:
    count = db.session.execute(
        select(func.count())
        .select_from(ScheduleSession)
        .where(ScheduleSession.conference_id == conference.id)
    ).scalar_one()
    latest = db.session.execute(
        select(ScheduleRelease.version)
        .where(ScheduleRelease.conference_id == conference.id)
        .order_by(ScheduleRelease.number.desc())
        .limit(1)
    ).first()
    return render_template(
        "schedule/_dashboard.html", conference=conference, sessions=count, latest=latest
    )


def template_helpers() -> dict:
    return {
        "loc": loc,
        "kind_label": kind_label,
        "role_label": role_label,
        "change_label": change_label,
        "conflict_label": conflict_label,
        "describe_move": describe_move,
    }
