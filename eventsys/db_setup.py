"""Engine settings that make SQLite behave like the production database where it matters."""

from __future__ import annotations

import time

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine


def configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL, and every transaction taking the write lock at BEGIN.

    SQLite has no row locks: two transactions that both read and then write deadlock, and one
    of them fails at once with "database is locked". BEGIN IMMEDIATE makes them queue instead
    (for up to the busy timeout), so the capacity and check-in rules that PostgreSQL decides
    with row locks hold on the embedded database too, one request at a time.
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # BEGIN is sent below, not by the driver
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def ping_idle_connections(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection before use only when it lay idle ``idle_seconds`` or more.

    ``pool_pre_ping`` pings on every checkout: a round trip per request, though a connection
    returned a moment ago is as alive as it was. A restarted or vanished server shows on
    connections that waited; those are pinged, and a dead one is replaced before the request
    uses it (the pool retries the checkout on ``DisconnectionError``)."""

    @event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection, record):
        record.info["eventsys_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection, record, _proxy):
        since = record.info.get("eventsys_idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return  # a new connection, or one in steady use
        try:
            engine.dialect.do_ping(dbapi_connection)  # what pool_pre_ping sends
        except Exception as error:
            raise exc.DisconnectionError(f"idle connection is gone: {error}") from error
