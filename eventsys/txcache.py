"""Facts read once per database transaction and forgotten when it ends.

A domain keeps a conference's settings here after reading them (or after the query that
loaded the conference brought them along, see ``conferences.extend.add_preload``), so the
rest of the request asks the database nothing more; the next transaction reads them afresh,
since another request may have changed them meanwhile.

    from eventsys.txcache import transaction_cache
    cache = transaction_cache("agenda.forum_settings")   # a dict, empty in a new transaction
"""

from __future__ import annotations

from sqlalchemy import event

from eventsys.extensions import db

_KEY = "eventsys.txcache"


def transaction_cache(name: str) -> dict:
    """The dict called ``name`` in the current session's transaction."""
    caches = db.session.info.setdefault(_KEY, {})
    cache = caches.get(name)
    if cache is None:
        cache = caches[name] = {}
    return cache


def _forget(session, *_args) -> None:
    session.info.pop(_KEY, None)


def listen() -> None:
    """Forget every cache when a transaction ends (commit or rollback)."""
    session_class = db.session.session_factory.class_
    for name in ("after_commit", "after_soft_rollback"):
        if not event.contains(session_class, name, _forget):
            event.listen(session_class, name, _forget)
