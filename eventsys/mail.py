"""E-mail: queued during a transaction, sent only once it commits.

With ``EVENTSYS_SMTP_URL`` (smtp://user:password@host:port, or smtps://) mail goes out by SMTP;
otherwise each message is written as an .eml file to the outbox folder (instance/outbox),
which an organizer can open with any mail program.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_QUEUE_KEY = "eventsys_outbox"


@dataclass
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None


def queue_mail(session: Session, mail: Mail) -> None:
    """Send ``mail`` when (and only if) the session's transaction commits."""
    session.info.setdefault(_QUEUE_KEY, []).append(mail)


def build_message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "eventsys.local")
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    return message


def deliver(mails: list[Mail]) -> None:
    """Send now: SMTP when configured, else the outbox folder. Failures are logged, not
    raised: the registration stands even when the mail server is down."""
    config = current_app.config
    sender = config.get("MAIL_FROM") or "eventsys <noreply@eventsys.local>"
    smtp_url = config.get("SMTP_URL")
    messages = [build_message(mail, sender) for mail in mails]
    if not smtp_url:
        outbox = Path(config["MAIL_OUTBOX"])
        outbox.mkdir(parents=True, exist_ok=True)
        for message in messages:
            name = f"{formatdate(usegmt=True)[5:25].replace(' ', '-').replace(':', '')}"
            path = outbox / f"{name}-{uuid.uuid4().hex[:8]}.eml"
            path.write_bytes(bytes(message))
        return
    parts = urlsplit(smtp_url)
    try:
        if parts.scheme == "smtps":
            server = smtplib.SMTP_SSL(
                parts.hostname, parts.port or 465, context=ssl.create_default_context()
            )
        else:
            server = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=20)
            if parts.scheme == "smtp+starttls":
                server.starttls(context=ssl.create_default_context())
        with server:
            if parts.username:
                server.login(unquote(parts.username), unquote(parts.password or ""))
            for message in messages:
                server.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.exception("sending %d e-mail(s) failed", len(messages))


def _send_queued(session):
    mails = session.info.pop(_QUEUE_KEY, None)
    if mails:
        deliver(mails)


def _drop_queued(session, previous_transaction):
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        session.info.pop(_QUEUE_KEY, None)


def init_mail() -> None:
    """Hook the queue to every session's commit and rollback (once per process)."""
    if not event.contains(Session, "after_commit", _send_queued):
        event.listen(Session, "after_commit", _send_queued)
        event.listen(Session, "after_soft_rollback", _drop_queued)
