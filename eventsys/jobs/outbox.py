"""Delivery of the mail outbox: a job queued after each commit, and the worker's sweep.

``MAIL_DELIVERY`` says what happens right after a commit that wrote outbox rows:
``"queue"`` (the default) puts a delivery job on the queue; if that fails (Redis down) it is
logged and the worker's sweep sends the rows a few seconds later. ``"immediate"`` sends them in
the same process at once (tests, and a single-process set-up without a worker); a failure
leaves them queued for the sweep. Nothing here raises into the request: the change that
caused the mail is already committed.
"""

from __future__ import annotations

import logging

from flask import current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from eventsys.jobs.queue import enqueue, job
from eventsys.mail import QUEUED_KEY, deliver_outbox

log = logging.getLogger(__name__)

DELIVER_JOB = "mail.deliver"
_SEND_NOW_KEY = "eventsys_outbox_send_now"


@job(DELIVER_JOB)
def deliver_mail(ids: list[int]) -> None:
    """Send the given outbox rows if they are still due (the sweep may have been first)."""
    deliver_outbox(ids)


def sweep_outbox() -> dict[str, int]:
    """Send every due row, whoever queued it: the safety net under the queue."""
    return deliver_outbox()


def _queued_ids(session: Session) -> list[int]:
    rows = session.info.pop(QUEUED_KEY, None) or []
    ids = []
    for row in rows:
        if isinstance(row, int):  # written without the unit of work (``queue_content``)
            ids.append(row)
            continue
        identity = inspect(row).identity  # known after the flush, without a query
        if identity is not None:
            ids.append(identity[0])
    return ids


def _after_commit(session: Session) -> None:
    if QUEUED_KEY not in session.info:
        return
    ids = _queued_ids(session)
    if not ids or not has_app_context():
        return
    if current_app.config.get("MAIL_DELIVERY") == "immediate":
        # Sent once the session has given its connection back (below): taking a second one
        # while every request holds its first could exhaust the pool.
        session.info.setdefault(_SEND_NOW_KEY, []).extend(ids)
        return
    try:
        enqueue(DELIVER_JOB, ids)
    except Exception:
        # The mail is safe in the database; the worker's sweep will send it.
        log.exception(
            "could not queue delivery of %d e-mail(s); the sweep will send them", len(ids)
        )


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is not None or _SEND_NOW_KEY not in session.info:
        return
    ids = session.info.pop(_SEND_NOW_KEY)
    if not has_app_context():
        return
    try:
        deliver_outbox(ids)
    except Exception:
        log.exception("could not send %d e-mail(s) now; the sweep will send them", len(ids))


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        session.info.pop(QUEUED_KEY, None)


def install_listeners() -> None:
    """Hook delivery to every session's commit and rollback (once per process)."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_transaction_end", _after_transaction_end)
        event.listen(Session, "after_soft_rollback", _after_soft_rollback)
