"""Engine settings that make SQLite behave like the production database where it matters."""

from __future__ import annotations

from sqlalchemy import event
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
