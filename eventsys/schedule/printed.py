"""The printed programme (``/c/<slug>/programme.pdf``): the latest release by day, then by
forum (the main programme first) with each session's time in the conference's time zone,
room, kind and people with their roles, in the page's language. Rendered through
``eventsys.pdf`` (its fetcher reads only data: URIs and the static folder), so a title like
``<img src="http://…">`` is text, and nothing is fetched.

A release never changes, so the bytes are built once per release, language and conference
details: kept in memory by the exports' cache and on disk under the instance folder
(``PROGRAMME_PDF_DIR``), where every worker process finds them.
"""

from __future__ import annotations

import os
import tempfile
from itertools import groupby
from pathlib import Path

from flask import current_app, render_template
from flask_babel import gettext as _

from eventsys import pdf
from eventsys.conferences.models import Conference
from eventsys.schedule.published import Programme


def _days(conference: Conference, programme: Programme) -> list[dict]:
    """``[{day, groups: [{forum, sessions}]}]``: each day's sessions by forum (the main
    programme, without a forum, first; then the forums in their order), in time order."""
    tz = conference.tz
    order = {code: index for index, code in enumerate(programme.forums)}

    def forum_order(session):
        forum = session["forum"]
        return -1 if forum is None else order.get(forum["code"], len(order))

    days = []
    for day, items in groupby(
        programme.sessions, key=lambda s: s["starts_at"].astimezone(tz).date()
    ):
        items = sorted(items, key=lambda s: (forum_order(s), s["starts_at"], s["code"]))
        groups = []
        for _key, sessions in groupby(items, key=forum_order):
            sessions = list(sessions)
            groups.append({"forum": sessions[0]["forum"], "sessions": sessions})
        days.append({"day": day, "groups": groups})
    return days


def build(conference: Conference, programme: Programme, _session_url=None) -> bytes:
    """The programme as an A4 PDF (``_session_url`` is the exports' common signature)."""
    tz = conference.tz
    html = render_template(
        "pdf/programme.html",
        conference=conference,
        release=programme.release,
        days=_days(conference, programme),
        local_time=lambda value: value.astimezone(tz).strftime("%H:%M"),
        published_at=programme.release.published_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        main_programme=_("Plenary and general sessions"),
    )
    return pdf.render_pdf(html, stylesheets=(pdf.stylesheet("common"), pdf.stylesheet("programme")))


def cached(name: str, make) -> bytes:
    """The bytes kept on disk as ``<PROGRAMME_PDF_DIR>/<name>.pdf`` (default
    instance/programme-pdf), made (and written atomically) when missing."""
    setting = current_app.config.get("PROGRAMME_PDF_DIR")
    if not setting:
        return make()
    folder = Path(setting)
    path = folder / f"{name}.pdf"
    try:
        return path.read_bytes()
    except OSError:
        pass
    data = make()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError as error:  # a read-only instance folder costs a re-render, nothing more
        current_app.logger.warning("Could not keep the programme PDF: %s", error)
    return data
