"""Telling attendees that their sessions changed when a new programme release is published.

``schedule_published`` (connected to ``signals.schedule_published``) runs in the publishing
transaction. What a mail says comes from the release's own change entries (``before`` and
``after``: the sessions as the two releases published them), not from the draft, which may
have moved on by the time a job writes the mails. Each attendee concerned gets one e-mail,
in their language, listing every change that touches them: sessions they enrolled in, and
the open sessions of forums they chose. For up to ``AGENDA_CHANGE_MAIL_INLINE_MAX``
attendees (default 200) the mails are written to the outbox right there, in that
transaction; for more, a tracked job is written instead (the conference's job page shows
it) and, once the release is committed, queued: the worker writes the mails in batches,
each batch committed with the job's progress (``done_through``), so a retry after a crash
continues where it stopped and nobody is mailed twice.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from datetime import datetime
from types import SimpleNamespace

from flask import current_app, has_app_context, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, joinedload

from eventsys.agenda.models import ForumChoice, SessionEnrollment
from eventsys.conferences.models import Conference
from eventsys.db_types import utcnow
from eventsys.errors import NotFound
from eventsys.extensions import db
from eventsys.i18n import date_range, is_english, localized
from eventsys.jobs import Job, job, report_progress, start_job
from eventsys.jobs.queue import enqueue
from eventsys.mail import Mail, queue_mail
from eventsys.registration.models import Registration
from eventsys.registration.statuses import SEAT_STATUSES
from eventsys.schedule.models import ScheduleSession
from eventsys.urls import mail_base_url

log = logging.getLogger(__name__)

#: The changes attendees are told about (an added session, or a changed description, is not
#: worth an e-mail; it shows on their agenda).
MAILED_CHANGES = ("moved", "renamed", "cancelled")
CHANGE_MAIL_JOB = "agenda.change_mails"
BATCH = 200

_PENDING_KEY = "eventsys_agenda_jobs"
_READY_KEY = "eventsys_agenda_jobs_ready"


def schedule_published(conference: Conference, release=None, changes=(), **_kwargs) -> None:
    """The receiver of ``signals.schedule_published``: mail (or a job to mail) everyone
    whose agenda holds a moved, renamed or cancelled session."""
    mailed = [c for c in changes or () if c.get("change") in MAILED_CHANGES and c.get("session_id")]
    if not mailed:
        return
    recipients = _recipients(conference, mailed)
    if not recipients:
        return
    inline_max = int(current_app.config.get("AGENDA_CHANGE_MAIL_INLINE_MAX", 200))
    if len(recipients) <= inline_max:
        write_change_mails(conference, mailed, recipients, _release_name(release))
        return
    row = start_job(
        CHANGE_MAIL_JOB,
        conference_id=conference.id,
        params={
            "changes": json.loads(json.dumps(mailed, default=str)),
            "release": _release_name(release),
            "recipients": len(recipients),
            "done_through": 0,
        },
    )
    db.session.info.setdefault(_PENDING_KEY, []).append(row.id)


def _release_name(release) -> str:
    for name in ("name", "version", "title"):
        value = getattr(release, name, None)
        if value:
            return str(value)
    return ""


def _recipients(conference: Conference, changes: list[dict]) -> dict[int, list[int]]:
    """{registration id: ids of the changed sessions on their agenda}: the sessions they
    enrolled in, and the open (no capacity) sessions of forums they chose (two queries)."""
    session_ids = [int(c["session_id"]) for c in changes]
    touched: dict[int, list[int]] = defaultdict(list)
    for registration_id, session_id in db.session.execute(
        select(SessionEnrollment.registration_id, SessionEnrollment.session_id)
        .where(SessionEnrollment.session_id.in_(session_ids))
        .order_by(SessionEnrollment.registration_id)
    ).all():
        touched[registration_id].append(session_id)
    by_forum: dict[int, list[int]] = defaultdict(list)
    forum_codes = {f.code: f.id for f in conference.forums}
    sessions = _sessions(session_ids)
    for change in changes:
        published = _published_entry(change)
        if published is not None:
            # On the attendees' agendas as the release before showed it (else as now shown).
            forum_id = forum_codes.get(published["forum"])
            capacity = published["capacity"]
        else:
            session = sessions.get(int(change["session_id"]))
            forum_id = session.forum_id if session is not None else None
            capacity = session.capacity if session is not None else None
        if forum_id is not None and capacity is None:
            by_forum[forum_id].append(int(change["session_id"]))
    if by_forum:
        for registration_id, forum_id in db.session.execute(
            select(ForumChoice.registration_id, ForumChoice.forum_id).where(
                ForumChoice.forum_id.in_(list(by_forum))
            )
        ).all():
            for session_id in by_forum[forum_id]:
                if session_id not in touched[registration_id]:
                    touched[registration_id].append(session_id)
    return dict(touched)


def _published_entry(change: dict) -> dict | None:
    """The session as a release published it: the release before's entry, else the new one's
    (None when the change carries neither in full)."""
    for key in ("before", "after"):
        entry = change.get(key)
        if isinstance(entry, dict) and "forum" in entry and "capacity" in entry:
            return entry
    return None


def _sessions(ids: list[int]) -> dict[int, ScheduleSession]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(ScheduleSession)
        .options(joinedload(ScheduleSession.room), joinedload(ScheduleSession.forum))
        .where(ScheduleSession.id.in_(ids))
    ).scalars()
    return {s.id: s for s in rows}


def write_change_mails(
    conference: Conference,
    changes: list[dict],
    recipients: dict[int, list[int]],
    release: str,
    registration_ids: list[int] | None = None,
) -> int:
    """Queue one mail to each of ``registration_ids`` (default: every recipient) that still
    holds a seat; returns how many were written. Flushes; the caller commits."""
    base = mail_base_url()
    if base is None:
        return 0  # logged by mail_base_url: no trusted address for the agenda link
    ids = registration_ids if registration_ids is not None else sorted(recipients)
    if not ids:
        return 0
    by_session = {int(c["session_id"]): c for c in changes}
    sessions = _sessions(list(by_session))
    people = db.session.execute(
        select(Registration)
        .where(Registration.id.in_(ids), Registration.status.in_(SEAT_STATUSES))
        .order_by(Registration.id)
    ).scalars()
    written = 0
    for registration in people:
        items = [
            (by_session[sid], sessions.get(sid))
            for sid in recipients.get(registration.id, [])
            if sid in by_session
        ]
        if not items:
            continue
        queue_mail(db.session, change_mail(conference, registration, items, release, base))
        written += 1
    db.session.flush()
    return written


def _when(value, tz) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:  # the contract's local times, in the conference's zone
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(tz)


def _span(start, end) -> str:
    if start is None:
        return ""
    text = start.strftime("%Y-%m-%d %H:%M")
    if end is not None:
        text += "–" + end.strftime("%H:%M" if end.date() == start.date() else "%Y-%m-%d %H:%M")
    return text


def _room_name(conference: Conference, value) -> str:
    if not value:
        return ""
    for room in conference.rooms:
        if value in (room.code, room.name):
            return localized(room, "name")
    return str(value)


def describe_change(conference: Conference, change: dict, session: ScheduleSession | None):
    """(title, lines) telling one change in the current language, from the release's entries
    (``after``: as now published; ``before``: as published before); the draft ``session`` is
    only a fall-back for an entry that lacks a field."""
    tz = conference.tz
    before = change.get("before") if isinstance(change.get("before"), dict) else {}
    after = change.get("after") if isinstance(change.get("after"), dict) else {}
    if after.get("title"):
        title = localized(
            SimpleNamespace(title=after["title"], title_en=after.get("title_en") or ""), "title"
        )
    elif session is not None:
        title = localized(session, "title")
    elif before.get("title"):
        title = localized(
            SimpleNamespace(title=before["title"], title_en=before.get("title_en") or ""), "title"
        )
    else:
        title = change.get("title") or ""
    kind = change.get("change")
    lines: list[str] = []
    if kind == "cancelled":
        lines.append(_("This session has been cancelled."))
    elif kind == "renamed":
        old = before.get("title_en") if before.get("title_en") and is_english() else None
        old = old or before.get("title") or ""
        if old and old != title:
            lines.append(_("New title (it was: %(old)s).", old=old))
        else:
            lines.append(_("The title has changed."))
    else:  # moved
        new_when = room = None
        if after.get("starts_at"):
            new_when = _span(_when(after.get("starts_at"), tz), _when(after.get("ends_at"), tz))
            room = _room_name(conference, after.get("room"))
        elif session is not None:
            new_when = _span(session.starts_at.astimezone(tz), session.ends_at.astimezone(tz))
            room = localized(session.room, "name") if session.room else ""
        if new_when:
            lines.append(
                _("Now: %(when)s, %(room)s.", when=new_when, room=room or _("room to be announced"))
            )
        old_when = _span(_when(before.get("starts_at"), tz), _when(before.get("ends_at"), tz))
        old_room = _room_name(conference, before.get("room"))
        if old_when or old_room:
            lines.append(
                _("Before: %(when)s, %(room)s.", when=old_when or "—", room=old_room or "—")
            )
    return title, lines


def change_mail(conference, registration, items, release: str, base: str) -> Mail:
    with force_locale(registration.locale or "zh_CN"):
        conference_title = localized(conference, "title")
        described = [describe_change(conference, change, session) for change, session in items]
        if len(described) == 1:
            subject = _("Programme change: %(session)s", session=described[0][0])
        else:
            subject = _("%(n)s changes to your programme", n=len(described))
        text = render_template(
            "mail/agenda_change.txt",
            registration=registration,
            conference=conference,
            conference_title=conference_title,
            release=release,
            changes=described,
            agenda_url=f"{base}/r/{registration.manage_token}/agenda",
            dates=date_range(conference.starts_on, conference.ends_on),
        )
        return Mail(
            to=registration.email,
            subject=f"{subject} · {conference_title}",
            text=text,
            conference_id=conference.id,
        )


# --- the job for large conferences ----------------------------------------------------------


@job(CHANGE_MAIL_JOB, retries=3, retry_delay=10, tracked=True)
def write_change_mails_job(row: Job) -> None:
    """Write the change mails of a release in batches; each batch commits with the job's
    ``done_through`` (the last registration id done), so a retry skips what was written."""
    conference = db.session.get(Conference, row.conference_id)
    if conference is None:
        raise NotFound(f"conference {row.conference_id} no longer exists")
    params = dict(row.params or {})
    changes = params.get("changes") or []
    release = params.get("release") or ""
    recipients = _recipients(conference, changes)
    todo = [rid for rid in sorted(recipients) if rid > int(params.get("done_through") or 0)]
    total = max(len(recipients), 1)
    done = len(recipients) - len(todo)
    for start in range(0, len(todo), BATCH):
        batch = todo[start : start + BATCH]
        write_change_mails(conference, changes, recipients, release, batch)
        params["done_through"] = batch[-1]
        db.session.execute(
            update(Job)
            .where(Job.id == row.id)
            .values(params=dict(params))
            .execution_options(synchronize_session=False)
        )
        db.session.commit()  # the batch's mails and the mark, together
        done += len(batch)
        report_progress(row, 100 * done // total)


# --- queueing the job once the release is committed -----------------------------------------


def _after_commit(session: Session) -> None:
    ids = session.info.pop(_PENDING_KEY, None)
    if ids:
        session.info.setdefault(_READY_KEY, []).extend(ids)


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is not None or _READY_KEY not in session.info:
        return
    ids = session.info.pop(_READY_KEY)
    if not has_app_context():
        return
    for job_id in ids:
        try:
            enqueue(CHANGE_MAIL_JOB, job_id)
        except Exception as error:
            log.exception("could not queue the change mails (job %s)", job_id)
            with Session(db.engine) as own:
                own.execute(
                    update(Job)
                    .where(Job.id == job_id)
                    .values(
                        status="failed",
                        error=f"queue unavailable: {error.__class__.__name__}: {error}"[:2000],
                        finished_at=utcnow(),
                    )
                )
                own.commit()


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING_KEY, None)


def install_listeners() -> None:
    """Queue the change-mail jobs after the publishing commit (once per process)."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_transaction_end", _after_transaction_end)
        event.listen(Session, "after_soft_rollback", _after_soft_rollback)
