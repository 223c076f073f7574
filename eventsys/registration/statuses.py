"""A registration's status and the moves between them, in one table.

The statuses are stored as their plain strings (a ``StrEnum`` compares equal to them), so the
database and the API see exactly what they saw before. Every change of status in the services
goes through ``apply``: it refuses a move the table does not allow with a ``Conflict`` whose
message says why, stamps the times, and tells the other domains (``eventsys.signals``) when a
registration comes to hold a confirmed seat or stops admitting its holder.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import gettext as _

from eventsys import signals
from eventsys.db_types import utcnow
from eventsys.errors import Conflict


class Status(StrEnum):
    CONFIRMED = "confirmed"
    PENDING = "pending"  # awaiting the organizers' approval; holds a seat
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Action(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    CANCEL = "cancel"
    PROMOTE = "promote"  # a seat came free: off the waitlist, confirmed
    PROMOTE_FOR_APPROVAL = "promote_for_approval"  # … into a category that needs approval
    BACK_TO_APPROVAL = "back_to_approval"  # the attendee changed a registration that needs it


STATUSES = tuple(Status)
# Statuses that hold a seat of the category (and of the conference-wide limit).
SEAT_STATUSES = (Status.CONFIRMED, Status.PENDING)
# Statuses of a registration that still stands: its e-mail and phone are taken.
ACTIVE_STATUSES = (Status.CONFIRMED, Status.PENDING, Status.WAITLISTED)
# Statuses that no longer admit anyone: the end of the road.
ENDED_STATUSES = (Status.REJECTED, Status.CANCELLED)

#: action -> {from: to}. A new registration starts confirmed, pending or waitlisted (decided by
#: the seats, see ``services.register``); from then on, only these moves exist.
TRANSITIONS: dict[Action, dict[Status, Status]] = {
    Action.APPROVE: {Status.PENDING: Status.CONFIRMED},
    Action.REJECT: {Status.PENDING: Status.REJECTED, Status.WAITLISTED: Status.REJECTED},
    Action.CANCEL: {
        Status.CONFIRMED: Status.CANCELLED,
        Status.PENDING: Status.CANCELLED,
        Status.WAITLISTED: Status.CANCELLED,
    },
    Action.PROMOTE: {Status.WAITLISTED: Status.CONFIRMED},
    Action.PROMOTE_FOR_APPROVAL: {Status.WAITLISTED: Status.PENDING},
    Action.BACK_TO_APPROVAL: {Status.CONFIRMED: Status.PENDING},
}

#: Asking again for what is already so changes nothing and is no error (a double click).
_ALREADY_DONE: dict[Action, Status] = {
    Action.APPROVE: Status.CONFIRMED,
    Action.REJECT: Status.REJECTED,
    Action.CANCEL: Status.CANCELLED,
}


class TransitionRefused(Conflict):
    """The registration's status does not allow this action."""


def status_labels() -> dict[str, str]:
    """The statuses as people read them, in the current language."""
    return {status: status_label(status) for status in Status}


def status_label(status: str) -> str:
    """One status as people read it (one sentence translated: a ticket shows one)."""
    if status == Status.CONFIRMED:
        return _("Confirmed")
    if status == Status.PENDING:
        return _("Awaiting approval")
    if status == Status.WAITLISTED:
        return _("On the waitlist")
    if status == Status.REJECTED:
        return _("Rejected")
    if status == Status.CANCELLED:
        return _("Cancelled")
    return status


def _refusal(action: Action, status: str) -> str:
    label = status_label(status)
    if action is Action.APPROVE:
        return _(
            "Only registrations awaiting approval can be approved; this one is %(status)s.",
            status=label,
        )
    if action is Action.REJECT:
        return _(
            "Only registrations awaiting approval or on the waitlist can be rejected; "
            "this one is %(status)s.",
            status=label,
        )
    if action is Action.CANCEL and status == Status.REJECTED:
        return _("This registration was rejected; there is nothing to cancel.")
    if action is Action.BACK_TO_APPROVAL:
        return _("A cancelled or rejected registration cannot be changed.")
    return _("This cannot be done to a registration that is %(status)s.", status=label)


def target(action: Action, status: str) -> Status | None:
    """Where ``action`` takes a registration in ``status``: None when it is already there;
    ``TransitionRefused`` when the table has no such move."""
    if _ALREADY_DONE.get(action) == status:
        return None
    moved = TRANSITIONS[action].get(Status(status) if status in STATUSES else status)
    if moved is None:
        raise TransitionRefused(_refusal(action, status))
    return moved


def apply(registration, action: Action) -> bool:
    """Move ``registration`` by ``action`` (under its row lock, see ``services._lock``).

    Returns False when it was already so (nothing changed). Stamps ``updated_at`` and the
    time of the new status. The caller flushes and then calls ``announce``.
    """
    old = registration.status
    new = target(action, old)
    if new is None:
        return False
    now = utcnow()
    registration.status = new
    registration.updated_at = now
    if new == Status.CONFIRMED:
        registration.confirmed_at = now
    elif new == Status.CANCELLED:
        registration.cancelled_at = now
    return True


def announce(registration, old: str | None) -> None:
    """Tell the other domains what the move from ``old`` (None: just registered) means."""
    new = registration.status
    if new == old:
        return
    if new == Status.CONFIRMED:
        signals.registration_confirmed.send(registration)
    elif new in ENDED_STATUSES:
        signals.registration_cancelled.send(registration)
