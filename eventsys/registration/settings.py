"""A conference's registration settings that registration owns (``registration_settings``):
today whether several people may register with one phone number (a secretary registering
two leaders). Without a row, the defaults apply: one standing registration per phone, which
the partial unique index guarantees."""

from __future__ import annotations

from sqlalchemy import event

from eventsys.extensions import db
from eventsys.registration.models import RegistrationSettings

_CACHE = "registration_settings"


def _cache() -> dict[int, bool]:
    return db.session.info.setdefault(_CACHE, {})


def shared_phone_allowed(conference_id: int) -> bool:
    """Whether this conference lets several standing registrations share a phone number.

    Read once per transaction (an import asks for every row)."""
    cache = _cache()
    if conference_id not in cache:
        row = db.session.get(RegistrationSettings, conference_id)
        cache[conference_id] = bool(row and row.shared_phone_allowed)
    return cache[conference_id]


def set_shared_phone_allowed(conference_id: int, allowed: bool) -> None:
    """Allow or forbid a shared phone from now on; registrations already made keep theirs
    (the rule applies when a registration is made or its phone changed)."""
    row = db.session.get(RegistrationSettings, conference_id)
    if row is None:
        row = RegistrationSettings(conference_id=conference_id, shared_phone_allowed=allowed)
        db.session.add(row)
    row.shared_phone_allowed = allowed
    db.session.flush()
    _cache()[conference_id] = allowed


def _forget(session, *_args) -> None:
    session.info.pop(_CACHE, None)


def listen() -> None:
    """Forget what was read when a transaction ends (another request may have changed it)."""
    session_class = db.session.session_factory.class_
    for name in ("after_commit", "after_soft_rollback"):
        if not event.contains(session_class, name, _forget):
            event.listen(session_class, name, _forget)
