"""A conference's registration settings that registration owns (``registration_settings``):
today whether several people may register with one phone number (a secretary registering
two leaders). Without a row, the defaults apply: one standing registration per phone, which
the partial unique index guarantees."""

from __future__ import annotations

from sqlalchemy import event

from eventsys.extensions import db
from eventsys.registration.models import RegistrationSettings

_CACHE = "registration_settings"


def _cache() -> dict[int, tuple[bool, bool]]:
    return db.session.info.setdefault(_CACHE, {})


def _read(conference_id: int) -> tuple[bool, bool]:
    """(whether the conference has settings, whether a phone may be shared), read once per
    transaction (an import asks for every row)."""
    cache = _cache()
    if conference_id not in cache:
        row = db.session.get(RegistrationSettings, conference_id)
        cache[conference_id] = (row is not None, bool(row and row.shared_phone_allowed))
    return cache[conference_id]


def shared_phone_allowed(conference_id: int) -> bool:
    """Whether this conference lets several standing registrations share a phone number."""
    return _read(conference_id)[1]


def phones_may_be_shared_already(conference_id: int) -> bool:
    """Whether standing registrations may share a phone today: sharing is allowed, or was
    allowed once (rows made then are outside the unique index, which therefore cannot be
    relied on alone)."""
    return _read(conference_id)[0]


def set_shared_phone_allowed(conference_id: int, allowed: bool) -> None:
    """Allow or forbid a shared phone from now on; registrations already made keep theirs
    (the rule applies when a registration is made or its phone changed)."""
    row = db.session.get(RegistrationSettings, conference_id)
    if row is None:
        row = RegistrationSettings(conference_id=conference_id, shared_phone_allowed=allowed)
        db.session.add(row)
    row.shared_phone_allowed = allowed
    db.session.flush()
    _cache()[conference_id] = (True, allowed)


def _forget(session, *_args) -> None:
    session.info.pop(_CACHE, None)


def listen() -> None:
    """Forget what was read when a transaction ends (another request may have changed it)."""
    session_class = db.session.session_factory.class_
    for name in ("after_commit", "after_soft_rollback"):
        if not event.contains(session_class, name, _forget):
            event.listen(session_class, name, _forget)
