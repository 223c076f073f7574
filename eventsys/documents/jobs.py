"""Bulk badges in the background: the job staff start from the badges page."""

from __future__ import annotations

import secrets

from eventsys.conferences.models import Conference
from eventsys.documents import services
from eventsys.errors import NotFound
from eventsys.extensions import db
from eventsys.jobs import Job, job, job_files, report_progress

BADGES_JOB = "documents.badges"


def job_params(
    *, category: str | None, organization: str | None, not_printed: bool, layout: str
) -> dict:
    return {
        "category": category,
        "organization": organization,
        "not_printed": not_printed,
        "layout": layout,
    }


@job(BADGES_JOB, retries=1, retry_delay=5, tracked=True)
def build_badges(row: Job) -> tuple[str, str]:
    """The batch's badges as one PDF among the job files; the badges are then marked printed.
    Returns the file's path (relative to that folder) and its download name."""
    conference = db.session.get(Conference, row.conference_id)
    if conference is None:
        raise NotFound(f"conference {row.conference_id} no longer exists")
    params = row.params or {}
    registrations = services.badge_registrations(
        conference,
        category=params.get("category"),
        organization=params.get("organization"),
        not_printed=bool(params.get("not_printed")),
    )
    ids = [r.id for r in registrations]
    last = [-1]

    def progress(done: int, total: int) -> None:
        percent = int(done * 95 / total)
        if percent != last[0]:
            last[0] = percent
            report_progress(row, percent)

    data = services.badges_pdf(conference, registrations, params.get("layout"), progress=progress)
    folder = job_files()
    folder.mkdir(parents=True, exist_ok=True)
    relative = f"badges-{row.id}-{secrets.token_hex(8)}.pdf"
    (folder / relative).write_bytes(data)
    services.mark_printed(conference, ids)
    db.session.commit()
    layout = params.get("layout") or "a6"
    return relative, f"{conference.slug}-badges-{layout}-{len(ids)}.pdf"
