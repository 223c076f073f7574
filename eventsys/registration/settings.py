"""A conference's registration settings that registration owns (``registration_settings``):
today whether several people may register with one phone number (a secretary registering
two leaders). Without a row, the defaults apply: one standing registration per phone, which
the partial unique index guarantees."""

from __future__ import annotations

from sqlalchemy import select

from eventsys.extensions import db
from eventsys.registration.models import RegistrationSettings
from eventsys.txcache import transaction_cache


def _cache() -> dict[int, tuple[bool, bool]]:
    return transaction_cache("registration.settings")


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


def preload_columns(conference_id) -> list:
    """The settings as a column of the query that loads the conference (NULL: no row)."""
    return [
        select(RegistrationSettings.shared_phone_allowed)
        .where(RegistrationSettings.conference_id == conference_id)
        .scalar_subquery()
        .label("registration_shared_phone")
    ]


def remember_preloaded(conference_id: int, values: dict) -> None:
    allowed = values["registration_shared_phone"]
    _cache()[conference_id] = (allowed is not None, bool(allowed))
