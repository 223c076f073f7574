"""Notices: an e-mail an organizer or staff member writes to all attendees or a group of them
(by status and category), previewed and counted before it goes out.

A notice is saved as a draft; its page shows the rendered mail and how many people it will
reach. Sending starts a tracked job (``NOTICE_JOB``) that writes one outbox row per recipient,
in batches of ``NOTICE_BATCH`` committed together with the notice's cursor (the last
registration id done), so a job that is retried after a crash continues where it stopped and
nobody gets the notice twice. The outbox then delivers the rows as any other mail.
"""

from __future__ import annotations

import re
from datetime import datetime

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import JSON, ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from eventsys.conferences.models import Category, Conference
from eventsys.db_types import UTCDateTime, utcnow
from eventsys.errors import Conflict, NotFound, ValidationError
from eventsys.extensions import db
from eventsys.jobs import Job, job, report_progress, start_job
from eventsys.mail import Mail, queue_mail
from eventsys.registration.models import Registration
from eventsys.registration.statuses import Status
from eventsys.text import clean_text, paragraphs

NOTICE_JOB = "registration.send_notice"
NOTICE_BATCH = 200
SUBJECT_MAX = 200
BODY_MAX = 20_000
# Whom a notice may go to: never to rejected or cancelled people.
NOTICE_STATUSES = (Status.CONFIRMED, Status.PENDING, Status.WAITLISTED)
NOTICE_STATES = ("draft", "sending", "sent", "failed")


class Notice(db.Model):
    """A notice to a conference's attendees: what it says, to whom, and how far sending got."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    body: Mapped[str] = mapped_column(Text)
    # Status values and category ids (empty: every category).
    statuses: Mapped[list] = mapped_column(JSON, default=list)
    category_ids: Mapped[list] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(10), default="draft")
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    queued: Mapped[int] = mapped_column(Integer, default=0)
    last_registration_id: Mapped[int] = mapped_column(Integer, default=0)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --- the body ---------------------------------------------------------------------------------

# A web address, up to a space or the punctuation Chinese text puts right after one.
_URL = re.compile(
    r"https?://[^\s<>\"'，。；、！？）》」』【】]+[^\s<>\"'，。；、！？）》」』【】.,;:!?)]"
)


def linkify(line: str) -> Markup:
    """One line of the organizer's text, escaped, with its web addresses as links (also
    right after Chinese punctuation, where Jinja's urlize sees none)."""
    pieces = []
    position = 0
    for match in _URL.finditer(line):
        pieces.append(escape(line[position : match.start()]))
        url = escape(match.group())
        pieces.append(Markup('<a href="{0}" style="color:#1d4e89;">{0}</a>').format(url))
        position = match.end()
    pieces.append(escape(line[position:]))
    return Markup("").join(pieces)


# --- drafts -----------------------------------------------------------------------------------


def _check(conference: Conference, subject: str, body: str, statuses, category_ids) -> dict:
    errors: dict[str, str] = {}
    subject = clean_text(subject, SUBJECT_MAX, "subject", errors, required=True)
    body = clean_text(body, BODY_MAX, "body", errors, required=True, multiline=True)
    statuses = [s for s in dict.fromkeys(statuses or []) if s]
    if not statuses:
        errors["statuses"] = _("Choose at least one status.")
    elif any(s not in NOTICE_STATUSES for s in statuses):
        errors["statuses"] = _("Not a status a notice can go to.")
    own = {c.id for c in conference.categories}
    category_ids = sorted({int(c) for c in category_ids or []})
    if any(c not in own for c in category_ids):
        errors["category_ids"] = _("Not a category of this conference.")
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    return {
        "subject": subject,
        "body": body,
        "statuses": statuses,
        "category_ids": category_ids,
    }


def save_draft(
    conference: Conference,
    *,
    subject: str,
    body: str,
    statuses: list[str],
    category_ids: list[int],
    notice: Notice | None = None,
    created_by_id: int | None = None,
) -> Notice:
    """Create or change a draft notice (a notice being sent or sent cannot change)."""
    values = _check(conference, subject, body, statuses, category_ids)
    if notice is None:
        notice = Notice(conference_id=conference.id, created_by_id=created_by_id, state="draft")
        db.session.add(notice)
    elif notice.state != "draft":
        raise Conflict(_("This notice has been sent; it can no longer be changed."))
    for key, value in values.items():
        setattr(notice, key, value)
    notice.recipients = count_recipients(notice)
    db.session.flush()
    return notice


def get_notice(conference: Conference, notice_id: int) -> Notice:
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.conference_id != conference.id:
        raise NotFound(_("No such notice."))
    return notice


def conference_notices(conference: Conference, limit: int = 100) -> list[Notice]:
    return list(
        db.session.execute(
            select(Notice)
            .where(Notice.conference_id == conference.id)
            .order_by(Notice.id.desc())
            .limit(limit)
        ).scalars()
    )


def delete_draft(notice: Notice) -> None:
    if notice.state != "draft":
        raise Conflict(_("This notice has been sent; it can no longer be changed."))
    db.session.delete(notice)
    db.session.flush()


# --- recipients -------------------------------------------------------------------------------


def _recipients_query(notice: Notice, with_address: bool = True):
    query = select(Registration).where(
        Registration.conference_id == notice.conference_id,
        Registration.status.in_(notice.statuses or ["-"]),
    )
    if with_address:  # a walk-in may have given no e-mail address
        query = query.where(Registration.email != "")
    if notice.category_ids:
        query = query.where(Registration.category_id.in_(notice.category_ids))
    return query


def count_recipients(notice: Notice) -> int:
    query = _recipients_query(notice).with_only_columns(func.count()).order_by(None)
    return db.session.execute(query).scalar_one()


def count_without_address(notice: Notice) -> int:
    """People the choice matches who gave no e-mail address (they cannot get the notice)."""
    query = (
        _recipients_query(notice, with_address=False)
        .where(Registration.email == "")
        .with_only_columns(func.count())
        .order_by(None)
    )
    return db.session.execute(query).scalar_one()


def audience(notice: Notice, categories: list[Category]) -> str:
    """Whom the notice goes to, in words: "Confirmed, Awaiting approval · 正式代表"."""
    from eventsys.i18n import localized
    from eventsys.registration.statuses import status_label

    names = [status_label(s) for s in notice.statuses]
    chosen = [localized(c, "name") for c in categories if c.id in (notice.category_ids or [])]
    return " · ".join(
        [_(", ").join(names), _(", ").join(chosen) if chosen else _("every category")]
    )


# --- the mail ---------------------------------------------------------------------------------


def notice_mail(notice: Notice, conference: Conference, name: str, to: str, locale: str) -> Mail:
    """The notice as one person's e-mail, in their language around the organizer's text."""
    from eventsys.i18n import localized

    with force_locale(locale or "zh_CN"):
        title = localized(conference, "title")
        context = {
            "conference": conference,
            "conference_title": title,
            "subject": notice.subject,
            "name": name,
            "paragraphs": paragraphs(notice.body),
            "body": notice.body,
            "linkify": linkify,
        }
        return Mail(
            to=to,
            subject=f"{notice.subject} · {title}",
            text=render_template("mail/notice.txt", **context),
            html=render_template("mail/notice.html", **context),
            conference_id=conference.id,
        )


def preview_mail(notice: Notice, conference: Conference, locale: str) -> Mail:
    """The notice as the first recipient will get it (a made-up name when there is none)."""
    first = db.session.execute(_recipients_query(notice).order_by(Registration.id).limit(1))
    person = first.scalar_one_or_none()
    if person is not None:
        return notice_mail(notice, conference, person.name, person.email, person.locale)
    with force_locale(locale):
        example = _("Wang Min")
    return notice_mail(notice, conference, example, "wangmin@example.com", locale)


# --- sending ----------------------------------------------------------------------------------


def start_sending(notice: Notice, requested_by_id: int | None) -> Job:
    """Lock the draft and start the job that writes its mails; the caller commits, then
    submits the job. A notice is sent once."""
    locked = db.session.execute(
        select(Notice)
        .where(Notice.id == notice.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if locked.state == "draft":
        locked.recipients = count_recipients(locked)
        if locked.recipients == 0:
            raise ValidationError(_("Nobody matches this choice: there is no one to send it to."))
    else:
        # Only a send whose job gave up may be continued (from where it stopped).
        previous = db.session.get(Job, locked.job_id) if locked.job_id else None
        if locked.state != "sending" or previous is None or previous.status != "failed":
            raise Conflict(_("This notice is already being sent or has been sent."))
    locked.state = "sending"
    row = start_job(
        NOTICE_JOB,
        conference_id=locked.conference_id,
        requested_by_id=requested_by_id,
        params={"notice": locked.id},
    )
    locked.job_id = row.id
    db.session.flush()
    return row


@job(NOTICE_JOB, retries=3, retry_delay=10, tracked=True)
def send_notice(run: Job) -> None:
    """Write the notice's mails, a batch per transaction with the cursor, then mark it sent."""
    notice = db.session.get(Notice, run.params["notice"])
    if notice is None or notice.state == "sent":
        return
    conference = db.session.get(Conference, notice.conference_id)
    total = max(notice.recipients, 1)
    while True:
        batch = list(
            db.session.execute(
                _recipients_query(notice)
                .where(Registration.id > notice.last_registration_id)
                .order_by(Registration.id)
                .limit(NOTICE_BATCH)
            ).scalars()
        )
        if not batch:
            break
        for person in batch:
            queue_mail(
                db.session,
                notice_mail(notice, conference, person.name, person.email, person.locale),
            )
        notice.last_registration_id = batch[-1].id
        notice.queued += len(batch)
        db.session.commit()  # the mails and the cursor together
        report_progress(run, 100 * notice.queued // total)
    notice.state = "sent"
    notice.sent_at = utcnow()
    db.session.commit()
