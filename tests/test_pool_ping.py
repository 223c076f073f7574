"""Pooled PostgreSQL connections: one that lay idle is pinged before use, so a database
restart (here: every connection of the database terminated) costs no request; one in steady
use is not pinged (a round trip saved per request)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eventsys.extensions import db
from tests.conftest import PG_URL, build_app
from tests.factories import conference_json

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL only")


def make(tmp_path, idle_seconds: float):
    app = build_app("postgresql", tmp_path, POOL_PING_IDLE_SECONDS=idle_seconds)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a failing request answers 500, as served
    with app.app_context():
        from eventsys.conferences.jsonio import load_conference

        load_conference(conference_json())
        db.session.commit()
        slug = db.session.execute(sa.text("SELECT slug FROM conferences")).scalar_one()
        db.session.remove()
    return app, f"/c/{slug}/"


def terminate_connections(app) -> int:
    """What a database restart does to the pool: every connection of the database is gone."""
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.connect() as conn:
        killed = conn.execute(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    engine.dispose()
    return killed


def count_pings(app, monkeypatch) -> list:
    pings = []
    with app.app_context():
        dialect = db.engine.dialect
        ping = dialect.do_ping

        def counted(dbapi_connection):
            pings.append(dbapi_connection)
            return ping(dbapi_connection)

        monkeypatch.setattr(dialect, "do_ping", counted)
    return pings


def test_a_connection_killed_while_idle_is_replaced_before_a_request_uses_it(tmp_path, monkeypatch):
    app, page = make(tmp_path, idle_seconds=0)
    pings = count_pings(app, monkeypatch)
    client = app.test_client()
    assert client.get(page).status_code == 200
    assert terminate_connections(app) >= 1
    assert client.get(page).status_code == 200
    assert pings  # the dead connection was found by the ping, not by the request
    with app.app_context():
        db.engine.dispose()


def test_without_the_ping_the_same_request_fails(tmp_path):
    """The control: a connection in steady use is not pinged, so a server gone meanwhile
    shows as one failed request (then the pool starts afresh)."""
    app, page = make(tmp_path, idle_seconds=3600)
    client = app.test_client()
    assert client.get(page).status_code == 200
    assert terminate_connections(app) >= 1
    assert client.get(page).status_code == 500
    assert client.get(page).status_code == 200
    with app.app_context():
        db.engine.dispose()


def test_a_connection_in_steady_use_is_not_pinged(tmp_path, monkeypatch):
    app, page = make(tmp_path, idle_seconds=3600)
    pings = count_pings(app, monkeypatch)
    client = app.test_client()
    for _ in range(3):
        assert client.get(page).status_code == 200
    assert pings == []
    with app.app_context():
        db.engine.dispose()
