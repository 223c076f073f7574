"""E-mail through a transactional outbox.

``queue_mail`` writes the message as a row of ``mail_outbox`` in the caller's transaction: it
exists exactly when the change that caused it was committed, and a crash, an SMTP outage or a
Redis outage cannot lose it. After the commit a delivery job is queued (``eventsys.jobs``),
and the worker's periodic sweep sends whatever is still due, so delivery never depends on the
queue alone.

Transport: with ``EVENTSYS_SMTP_URL`` (smtp://user:password@host:port, smtp+starttls://, or
smtps://) mail goes out by SMTP; otherwise each message is written as an .eml file to the
outbox folder (instance/outbox), which an organizer can open with any mail program.

Attachments are not stored with the row: the request writes *specs* (``{"kind": "qr_png",
"registration": 7}``) in the row's ``attachments`` JSON column, and the worker builds each file
at send time through the builder a domain registered for its kind
(``register_attachment(kind, builder)``). A builder that fails is recorded and retried like an
SMTP failure; one that raises ``PermanentFailure`` (or a kind nobody registered) fails the row.

Sending is safe with several workers: a row is claimed by a conditional UPDATE (on its
attempt count) before it is sent, and the claim holds it for ``MAIL_CLAIM_SECONDS``. A failed
send is retried with exponential back-off capped at ``MAIL_RETRY_MAX_SECONDS``; after
``MAIL_MAX_ATTEMPTS`` attempts, or at once when the server refuses the recipient or the
message for good (5xx), the row is marked failed and staff can send it again.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from eventsys.db_types import UTCDateTime, utcnow
from eventsys.extensions import db

log = logging.getLogger(__name__)

# Session.info key: the outbox rows written in the session's current transaction.
QUEUED_KEY = "eventsys_outbox"

MAIL_STATUSES = ("queued", "sent", "failed")
SMTP_TIMEOUT = 20  # seconds, for every SMTP operation (connect, TLS, each command)

# Defaults for the settings read at send time (app.config overrides each).
SETTINGS = {
    "MAIL_RETRY_BASE_SECONDS": 2,
    "MAIL_RETRY_MAX_SECONDS": 60,
    # With the one-minute cap, about a day of retries before a mail is given up.
    "MAIL_MAX_ATTEMPTS": 1440,
    # A claimed row is not sent by anyone else for this long; if the sender crashed meanwhile
    # the row becomes due again when the claim runs out.
    "MAIL_CLAIM_SECONDS": 300,
    "MAIL_BATCH_SIZE": 50,
}


@dataclass
class Mail:
    """A message to queue: a plain-text body, optionally an HTML alternative, and the specs
    of attachments the worker builds at send time (see ``attachment_spec``)."""

    to: str
    subject: str
    text: str
    html: str | None = None
    conference_id: int | None = None
    attachments: list[dict] = field(default_factory=list)


class Attachment(NamedTuple):
    """A built attachment: (filename, mimetype, bytes, inline cid or None). ``cid`` set: an
    inline part the HTML shows as ``<img src="cid:...">`` (multipart/related); None: a file
    attached to the message."""

    filename: str
    mimetype: str
    data: bytes
    cid: str | None = None


AttachmentBuilder = Callable[[dict, Session], Attachment]
_BUILDERS: dict[str, AttachmentBuilder] = {}


def register_attachment(kind: str, builder: AttachmentBuilder) -> None:
    """Let the worker build attachments of ``kind``: ``builder(spec, session)`` gets the
    spec as stored (a dict with at least ``kind``) and the sender's own database session (use
    it, not ``db.session``: delivery may run right after a request's commit) and returns an
    ``Attachment``. It runs in the
    worker's application context, outside any request; it raises ``PermanentFailure`` when
    retrying cannot help (the thing it shows is gone), anything else to be retried."""
    _BUILDERS[kind] = builder


def attachment_kinds() -> frozenset[str]:
    """The kinds a builder is registered for (a caller may offer an attachment only then)."""
    return frozenset(_BUILDERS)


def attachment_spec(kind: str, **params) -> dict:
    """A JSON-storable description of an attachment, built at send time."""
    return {"kind": kind, **params}


def inline_cid(name: str, key: object) -> str:
    """The Content-ID of an inline part, the same when the HTML is rendered (request) and
    when the part is built (worker): ``qr.7@eventsys``."""
    return f"{name}.{key}@eventsys"


class AttachmentError(Exception):
    """A builder failed for a reason that may pass (retried like an SMTP outage)."""


def build_attachments(specs: list[dict] | None, session: Session) -> list[Attachment]:
    """Every spec built by its kind's builder; raises ``PermanentFailure`` for an unknown
    kind or a builder that says so, ``AttachmentError`` for any other failure."""
    built = []
    for spec in specs or []:
        kind = spec.get("kind") if isinstance(spec, dict) else None
        builder = _BUILDERS.get(kind)
        if builder is None:
            raise PermanentFailure(f"no builder for attachments of kind {kind!r}")
        try:
            built.append(Attachment(*builder(spec, session)))
        except PermanentFailure:
            raise
        except Exception as error:  # a builder's fault must not stop the worker
            reason = f"attachment {kind}: {error.__class__.__name__}: {error}"
            raise AttachmentError(reason) from error
    return built


class OutboxMail(db.Model):
    """One e-mail to send: written with the change that caused it, sent by the worker."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'sent', 'failed')",
            name="status",
        ),
        Index("ix_mail_outbox_due", "status", "next_attempt_at"),
        Index("ix_mail_outbox_conference_status", "conference_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    # Specs of the attachments the worker builds at send time (register_attachment).
    attachments: Mapped[list | None] = mapped_column(JSON)
    # The spec of content the worker renders at send time (register_content; then None, and
    # subject, body, html and attachments hold what it rendered).
    content: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    conference_id: Mapped[int | None] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --- building ---------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def clean_header(value: str, limit: int = 500) -> str:
    """A header value on one line: CR, LF and other control characters become a space.

    A conference title typed with a line break must not make every registration's mail fail
    (e-mail headers refuse line breaks); the title simply reads on one line.
    """
    return " ".join(_CONTROL.sub(" ", value or "").split())[:limit]


def clean_address(value: str) -> str:
    """An address has no spaces or control characters at all."""
    return _CONTROL.sub("", value or "").strip()[:254]


def build_message(
    mail: Mail, sender: str, attachments: list[Attachment] | None = None
) -> EmailMessage:
    """The MIME message: text, or multipart/alternative (text, HTML); inline parts make the
    HTML part multipart/related; files make the whole multipart/mixed."""
    message = EmailMessage()
    message["From"] = clean_header(sender)
    message["To"] = clean_address(mail.to)
    message["Subject"] = clean_header(mail.subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(" >") or "eventsys")
    message.set_content(mail.text)
    attachments = attachments or []
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
        html_part = message.get_payload()[1]
        for item in attachments:
            if item.cid:
                maintype, _slash, subtype = item.mimetype.partition("/")
                html_part.add_related(
                    item.data,
                    maintype,
                    subtype,
                    cid=f"<{item.cid}>",
                    filename=item.filename,
                    disposition="inline",
                )
    for item in attachments:
        if item.cid and mail.html:
            continue
        maintype, _slash, subtype = item.mimetype.partition("/")
        message.add_attachment(item.data, maintype, subtype, filename=item.filename)
    return message


def render_mail_template(name: str, **context) -> str:
    """A mail's template rendered with the application's Jinja environment only: no context
    processors (they would load the signed-in user through the request's database session,
    which must stay untouched while a mail is rendered at send time: on SQLite it would wait
    for the sender's write lock). ``html_lang`` follows the current (forced) locale."""
    from flask_babel import get_locale

    locale = get_locale()
    context.setdefault("html_lang", "en" if locale and locale.language == "en" else "zh-CN")
    return current_app.jinja_env.get_template(name).render(**context)


ContentBuilder = Callable[[dict, Session], "Mail | None"]
_CONTENT_BUILDERS: dict[str, ContentBuilder] = {}


def register_content(kind: str, builder: ContentBuilder) -> None:
    """Let the worker render mails of ``kind`` (``queue_content``): ``builder(spec, session)``
    gets the spec as stored and the sender's own session, and returns the ``Mail`` (its
    ``to`` is not used: the address was fixed when it was queued), or None when there is
    nothing to send after all. Same rules as an attachment builder: it runs outside any
    request; ``PermanentFailure`` when retrying cannot help, anything else is retried."""
    _CONTENT_BUILDERS[kind] = builder


def queue_content(
    session: Session, to: str, kind: str, conference_id: int | None = None, **spec
) -> int:
    """Write a mail to the outbox whose subject and parts the worker renders at send time
    from ``spec`` (JSON values: ids, the event, the site's address …); its id. The request
    pays for one INSERT (without the unit of work: nothing reads the row back in the
    request), not for rendering templates; the address is checked here."""
    row_id = session.execute(
        _INSERT_CONTENT,
        {
            "to_address": clean_address(to),
            "subject": "",
            "body": "",
            "content": {"kind": kind, **spec},
            "status": "queued",
            "attempts": 0,
            "last_error": "",
            "next_attempt_at": utcnow(),
            "conference_id": conference_id,
        },
    ).scalar_one()
    session.info.setdefault(QUEUED_KEY, []).append(row_id)
    return row_id


# Built once: a statement made anew with its values costs more than sending it.
_INSERT_CONTENT = insert(OutboxMail.__table__).returning(OutboxMail.__table__.c.id)


class ContentError(Exception):
    """A content builder failed for a reason that may pass (retried)."""


def _render_content(session: Session, row: OutboxMail) -> None:
    """Render a queued row's content once and keep it on the row (a retry sends the same
    mail; the staff page shows it)."""
    spec = row.content
    kind = spec.get("kind") if isinstance(spec, dict) else None
    builder = _CONTENT_BUILDERS.get(kind)
    if builder is None:
        raise PermanentFailure(f"no builder for mails of kind {kind!r}")
    try:
        mail = builder(spec, session)
    except PermanentFailure:
        raise
    except Exception as error:  # a builder's fault must not stop the worker
        raise ContentError(f"content {kind}: {error.__class__.__name__}: {error}") from error
    if mail is None:
        raise PermanentFailure(f"nothing to send for {kind} {spec}")
    values = {
        "subject": clean_header(mail.subject),
        "body": mail.text,
        "html": mail.html,
        "attachments": list(mail.attachments) or None,
        "content": None,
    }
    session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == row.id, OutboxMail.attempts == row.attempts)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    for name, value in values.items():
        setattr(row, name, value)


def queue_mail(session: Session, mail: Mail) -> OutboxMail:
    """Write ``mail`` to the outbox in the session's transaction; it is sent after the commit
    (and never if the transaction rolls back). Headers are cleaned here, so nothing about the
    message can fail once the caller has committed."""
    row = OutboxMail(
        to_address=clean_address(mail.to),
        subject=clean_header(mail.subject),
        body=mail.text,
        html=mail.html,
        attachments=list(mail.attachments) or None,
        status="queued",
        attempts=0,
        last_error="",
        next_attempt_at=utcnow(),
        conference_id=mail.conference_id,
    )
    session.add(row)
    session.info.setdefault(QUEUED_KEY, []).append(row)
    return row


def requeue_mail(session: Session, row: OutboxMail) -> None:
    """Send a mail again (staff asked): due now, with a fresh count of attempts."""
    row.status = "queued"
    row.attempts = 0
    row.next_attempt_at = utcnow()
    session.info.setdefault(QUEUED_KEY, []).append(row)


# --- sending ----------------------------------------------------------------------------------


def _setting(name: str):
    return current_app.config.get(name, SETTINGS[name])


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the ``attempts``-th failed attempt: 2, 4, 8 … seconds, capped."""
    base = float(_setting("MAIL_RETRY_BASE_SECONDS"))
    cap = float(_setting("MAIL_RETRY_MAX_SECONDS"))
    return timedelta(seconds=min(cap, base * 2 ** max(attempts - 1, 0)))


class PermanentFailure(Exception):
    """The server refused the message for good (5xx): retrying cannot help."""


class Transport:
    """Where messages go: an SMTP connection (opened on first use) or the outbox folder."""

    def __init__(self, config):
        self.smtp_url = config.get("SMTP_URL")
        self.outbox = Path(config["MAIL_OUTBOX"]) if config.get("MAIL_OUTBOX") else None
        self.server: smtplib.SMTP | None = None
        # A server that cannot be reached is not tried again for every mail of the batch.
        self.connect_error: BaseException | None = None

    def _connect(self) -> smtplib.SMTP:
        parts = urlsplit(self.smtp_url)
        context = ssl.create_default_context()
        if parts.scheme == "smtps":
            server = smtplib.SMTP_SSL(
                parts.hostname, parts.port or 465, context=context, timeout=SMTP_TIMEOUT
            )
        else:
            server = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=SMTP_TIMEOUT)
            if parts.scheme == "smtp+starttls":
                server.starttls(context=context)
        if parts.username:
            server.login(unquote(parts.username), unquote(parts.password or ""))
        return server

    def send(self, message: EmailMessage) -> None:
        if not self.smtp_url:
            if self.outbox is None:
                raise RuntimeError("neither SMTP_URL nor MAIL_OUTBOX is set")
            self.outbox.mkdir(parents=True, exist_ok=True)
            name = formatdate(usegmt=True)[5:25].replace(" ", "-").replace(":", "")
            path = self.outbox / f"{name}-{uuid.uuid4().hex[:8]}.eml"
            path.write_bytes(bytes(message))
            return
        if self.connect_error is not None:
            raise self.connect_error
        if self.server is None:
            try:
                self.server = self._connect()
            except (OSError, smtplib.SMTPException) as error:
                self.connect_error = error
                raise
        try:
            self.server.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            if codes and all(500 <= code < 600 for code in codes):
                raise PermanentFailure(_describe(error)) from error
            raise
        except smtplib.SMTPDataError as error:
            # The message itself refused (5xx): no retry helps. A refused sender or a failed
            # login is the server's set-up, fixed there: those are retried like an outage.
            self.close()
            if 500 <= error.smtp_code < 600:
                raise PermanentFailure(_describe(error)) from error
            raise
        except (OSError, smtplib.SMTPException):
            self.close()  # the connection is in an unknown state: start afresh
            raise

    def close(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            try:
                server.quit()
            except (OSError, smtplib.SMTPException):
                server.close()


def _describe(error: BaseException) -> str:
    text = str(error) or error.__class__.__name__
    if isinstance(error, smtplib.SMTPResponseException):
        detail = error.smtp_error
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        text = f"{error.smtp_code} {detail}"
    elif isinstance(error, smtplib.SMTPRecipientsRefused):
        parts = []
        for address, (code, detail) in error.recipients.items():
            if isinstance(detail, bytes):
                detail = detail.decode("utf-8", "replace")
            parts.append(f"{address}: {code} {detail}")
        text = "; ".join(parts)
    return f"{error.__class__.__name__}: {text}"[:2000]


def _claim(
    session: Session, ids: list[int] | None, limit: int, tried: set[int]
) -> list[OutboxMail]:
    """Take due rows for this sender: each by a conditional UPDATE on its attempt count, so
    two workers never both send one mail. Committed at once (SQLite's write lock must not be
    held while a mail server answers)."""
    now = utcnow()
    query = (
        select(OutboxMail.id, OutboxMail.attempts)
        .where(OutboxMail.status == "queued", OutboxMail.next_attempt_at <= now)
        .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
        .limit(limit)
    )
    if ids is not None:
        query = query.where(OutboxMail.id.in_(ids))
    if tried:  # one attempt per mail and call, even when the back-off is zero
        query = query.where(OutboxMail.id.not_in(tried))
    candidates = session.execute(query).all()
    claim_until = now + timedelta(seconds=float(_setting("MAIL_CLAIM_SECONDS")))
    claimed = []
    for mail_id, attempts in candidates:
        result = session.execute(
            update(OutboxMail)
            .where(
                OutboxMail.id == mail_id,
                OutboxMail.status == "queued",
                OutboxMail.attempts == attempts,
            )
            .values(attempts=attempts + 1, next_attempt_at=claim_until)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(mail_id)
    session.commit()
    if not claimed:
        return []
    tried.update(claimed)
    rows = session.execute(
        select(OutboxMail)
        .where(OutboxMail.id.in_(claimed))
        .execution_options(populate_existing=True)
    ).scalars()
    found = sorted(rows, key=lambda row: row.id)
    session.commit()
    return found


def _record(session: Session, row: OutboxMail, error: BaseException | None) -> str:
    now = utcnow()
    values: dict
    if error is None:
        values = {"status": "sent", "sent_at": now, "last_error": ""}
    else:
        message = _describe(error)
        permanent = isinstance(error, PermanentFailure)
        if permanent or row.attempts >= int(_setting("MAIL_MAX_ATTEMPTS")):
            values = {"status": "failed", "last_error": message}
            log.error("e-mail %s to %s failed for good: %s", row.id, row.to_address, message)
        else:
            values = {"last_error": message, "next_attempt_at": now + retry_delay(row.attempts)}
            log.warning(
                "e-mail %s to %s: attempt %d failed (%s); retrying",
                row.id,
                row.to_address,
                row.attempts,
                message,
            )
    # Only the claim this sender holds may be settled (nobody else took the row meanwhile).
    session.execute(
        update(OutboxMail)
        .where(
            OutboxMail.id == row.id,
            OutboxMail.status == "queued",
            OutboxMail.attempts == row.attempts,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return values.get("status", "queued")


def deliver_outbox(ids: list[int] | None = None) -> dict[str, int]:
    """Send the due outbox rows (all of them, or those of ``ids``); returns how many were
    sent, failed for good, or left for a retry. Never raises for a mail server's fault.

    Uses a session of its own, so it may run right after another session's commit.
    """
    config = current_app.config
    sender = config.get("MAIL_FROM") or "eventsys <noreply@eventsys.local>"
    batch_size = int(_setting("MAIL_BATCH_SIZE"))
    counts = {"sent": 0, "failed": 0, "queued": 0}
    tried: set[int] = set()
    with Session(db.engine, expire_on_commit=False) as session:
        while True:
            rows = _claim(session, ids, batch_size, tried)
            if not rows:
                break
            transport = Transport(config)
            try:
                for row in rows:
                    error: BaseException | None = None
                    try:
                        if row.content:
                            _render_content(session, row)
                        mail = Mail(row.to_address, row.subject, row.body, row.html)
                        files = build_attachments(row.attachments, session)
                        message = build_message(mail, sender, files)
                        transport.send(message)
                    except (
                        OSError,
                        smtplib.SMTPException,
                        PermanentFailure,
                        AttachmentError,
                        ContentError,
                        ValueError,
                    ) as exc:
                        error = exc
                    counts[_record(session, row, error)] += 1
            finally:
                transport.close()
            if ids is not None:
                break
    return counts


# --- for the staff page -----------------------------------------------------------------------


def undelivered_mail(conference_id: int, limit: int = 200) -> list[OutboxMail]:
    """A conference's mails not sent yet: failed ones first, newest first."""
    from sqlalchemy import case

    return list(
        db.session.execute(
            select(OutboxMail)
            .where(
                OutboxMail.conference_id == conference_id,
                OutboxMail.status.in_(("queued", "failed")),
            )
            .order_by(case((OutboxMail.status == "failed", 0), else_=1), OutboxMail.id.desc())
            .limit(limit)
        ).scalars()
    )


def mail_counts(conference_id: int) -> dict[str, int]:
    from sqlalchemy import func

    counts = dict.fromkeys(MAIL_STATUSES, 0)
    rows = db.session.execute(
        select(OutboxMail.status, func.count())
        .where(OutboxMail.conference_id == conference_id)
        .group_by(OutboxMail.status)
    ).all()
    counts.update({status: number for status, number in rows})
    return counts


def resend_failed_mail(conference_id: int, mail_id: int | None = None) -> int:
    """Queue a conference's failed mail again (one, or all of them); returns how many.
    Flushes; the caller commits, after which delivery starts."""
    from eventsys.errors import NotFound

    query = select(OutboxMail).where(
        OutboxMail.conference_id == conference_id, OutboxMail.status == "failed"
    )
    if mail_id is not None:
        query = query.where(OutboxMail.id == mail_id)
    rows = list(db.session.execute(query.with_for_update()).scalars())
    if mail_id is not None and not rows:
        from flask_babel import gettext as _

        raise NotFound(_("This e-mail was not found, or it is not a failed one."))
    for row in rows:
        requeue_mail(db.session, row)
    db.session.flush()
    return len(rows)
