"""A registration's history: who registered, approved, rejected, cancelled or changed what,
and when (``registration_events``), written by the services in the same transaction as the
change itself, so the history never tells of a change that was rolled back.

Services do not know who is asking (they never read the request); the web layer installs an
*actor resolver* once (``registration.init_app``) that names the signed-in staff member, the
API token's owner, or nobody (the attendee on their own page, the waitlist moving up). A
caller outside a request (the CLI, a job) may say who acts with ``acting_as``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import insert, select

from eventsys.db_types import utcnow
from eventsys.extensions import db
from eventsys.registration.models import Registration, RegistrationEvent


@dataclass(frozen=True)
class Actor:
    """Who acts: a user (id and how they are shown) or nobody, and where (``via``)."""

    user_id: int | None = None
    name: str = ""
    via: str = ""


NOBODY = Actor()
_explicit: ContextVar[Actor | None] = ContextVar("registration_actor", default=None)
_resolver: Callable[[], Actor] = lambda: NOBODY  # noqa: E731


def set_actor_resolver(resolver: Callable[[], Actor]) -> None:
    """How to find who acts when no caller said so (installed once by the web layer)."""
    global _resolver
    _resolver = resolver


@contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    """Record the changes made inside the block as made by ``actor``."""
    token = _explicit.set(actor)
    try:
        yield
    finally:
        _explicit.reset(token)


def current_actor() -> Actor:
    explicit = _explicit.get()
    if explicit is not None:
        return explicit
    try:
        return _resolver()
    except RuntimeError:  # outside a request or application context
        return NOBODY


def _plain(value: Any) -> Any:
    """A value as JSON keeps it (answers are already plain; anything else as text)."""
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    return str(value)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """{field: [old, new]} for the fields whose value differs; answers field by field."""
    changes: dict[str, list] = {}
    for key in before.keys() | after.keys():
        old, new = before.get(key), after.get(key)
        if key == "answers" and isinstance(old, dict) and isinstance(new, dict):
            for code in sorted(old.keys() | new.keys()):
                if old.get(code) != new.get(code):
                    changes[f"answers.{code}"] = [_plain(old.get(code)), _plain(new.get(code))]
        elif old != new:
            changes[key] = [_plain(old), _plain(new)]
    return dict(sorted(changes.items()))


def record(
    registration: Registration,
    action: str,
    *,
    changes: dict[str, list] | None = None,
    note: str = "",
    via: str = "",
) -> None:
    """Add one line to the registration's history, in the caller's transaction (the
    registration has its id: it was flushed). One INSERT, without the unit of work: every
    registration writes one, and nothing reads the line back in the same request."""
    actor = current_actor()
    db.session.execute(
        _INSERT_EVENT,
        {
            "conference_id": registration.conference_id,
            "registration_id": registration.id,
            "actor_id": actor.user_id,
            "actor": actor.name[:254],
            "action": action,
            "changes": changes or {},
            "note": (note or "")[:1000],
            "via": (via or actor.via)[:20],
            "created_at": utcnow(),
        },
    )


# Built once: a statement made anew with its values costs more than sending it.
_INSERT_EVENT = insert(RegistrationEvent.__table__)


def record_many(registrations: list[Registration], action: str, *, via: str = "") -> None:
    """The same line for several registrations (a group, an import), with one insert."""
    actor = current_actor()
    now = utcnow()
    db.session.add_all(
        RegistrationEvent(
            conference_id=r.conference_id,
            registration_id=r.id,
            actor_id=actor.user_id,
            actor=actor.name[:254],
            action=action,
            changes={},
            note="",
            via=(via or actor.via)[:20],
            created_at=now,
        )
        for r in registrations
    )


def events_of(registration: Registration) -> list[RegistrationEvent]:
    """The registration's history, oldest first."""
    return list(
        db.session.execute(
            select(RegistrationEvent)
            .where(RegistrationEvent.registration_id == registration.id)
            .order_by(RegistrationEvent.id)
        ).scalars()
    )


def action_labels() -> dict[str, str]:
    """The actions as people read them, in the current language."""
    return {
        "registered": _("Registration received"),
        "approved": _("Approved"),
        "rejected": _("Rejected"),
        "cancelled": _("Cancelled"),
        "promoted": _("Moved up from the waitlist"),
        "edited": _("Details changed"),
        "category": _("Category changed"),
        "resent": _("Confirmation sent again"),
        "back_to_approval": _("Back to approval after a change"),
    }


def via_labels() -> dict[str, str]:
    return {
        "web": _("online form"),
        "desk": _("desk"),
        "api": _("API"),
        "import": _("import"),
        "delegation": _("group form"),
        "staff": _("staff pages"),
        "attendee": _("attendee's own page"),
        "system": _("automatic"),
    }
