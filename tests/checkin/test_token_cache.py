"""The scan endpoint keeps a resolved token per worker for API_TOKEN_CACHE_SECONDS: a change
made in the same process counts at once, one made elsewhere (another worker, another server,
a psql session) by the time the entry expires (docs/SECURITY.md)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select, update

from eventsys.auth import services as auth_services
from eventsys.auth.models import ApiToken, Membership
from eventsys.checkin.codes import checkin_code
from eventsys.checkin.models import Checkin
from eventsys.extensions import db
from tests.factories import make_conference, make_registration, make_token, make_user

LISTS = [{"code": "main", "name": "主会场入口", "session": None}]


@pytest.fixture
def conference(ctx):
    return make_conference(checkin_lists=LISTS)


@pytest.fixture
def gate(conference):
    user = make_user("gate@example.com", "checkin", conference)
    return {"Authorization": "Bearer " + make_token(user, conference, "checkin")}


def scan(client, headers, person, nonce):
    body = {
        "code": checkin_code(person.checkin_token),
        "list": "main",
        "gate": "east-1",
        "nonce": nonce,
    }
    return client.post("/api/v1/conferences/cy-2026/checkins", json=body, headers=headers)


def elsewhere(statement) -> None:
    """A change as another worker makes it: straight to the database, no ORM flush here."""
    with db.engine.begin() as connection:
        connection.execute(statement)


def test_revoked_here_refused_at_once(client, conference, gate):
    assert scan(client, gate, make_registration(conference), "n1").json["status"] == "ok"
    token = db.session.execute(select(ApiToken)).scalar_one()
    auth_services.revoke_api_token(conference, token.id)
    db.session.commit()
    answer = scan(client, gate, make_registration(conference), "n2")
    assert answer.status_code == 401
    assert db.session.execute(select(func.count()).select_from(Checkin)).scalar_one() == 1


def test_removed_from_the_team_here_refused_at_once(client, conference, gate):
    assert scan(client, gate, make_registration(conference), "n1").status_code == 200
    membership = db.session.execute(select(Membership)).scalar_one()
    auth_services.remove_membership(conference, membership.id)
    db.session.commit()
    assert scan(client, gate, make_registration(conference), "n2").status_code == 401


def test_revoked_elsewhere_refused_once_the_entry_expires(app, client, conference, gate):
    app.config["API_TOKEN_CACHE_SECONDS"] = 0.5
    assert scan(client, gate, make_registration(conference), "n1").status_code == 200
    elsewhere(update(ApiToken).values(revoked_at=func.now()))
    # Within the entry's life this worker still knows the token as it was...
    assert scan(client, gate, make_registration(conference), "n2").status_code == 200
    time.sleep(0.6)
    # ...and no longer once it expired.
    assert scan(client, gate, make_registration(conference), "n3").status_code == 401


def test_without_the_cache_every_scan_resolves_the_token(app, client, conference, gate):
    app.config["API_TOKEN_CACHE_SECONDS"] = 0
    assert scan(client, gate, make_registration(conference), "n1").status_code == 200
    elsewhere(update(ApiToken).values(revoked_at=func.now()))
    assert scan(client, gate, make_registration(conference), "n2").status_code == 401


def test_cached_scan_records_token_and_operator(client, conference, gate):
    for nonce in ("n1", "n2"):
        assert scan(client, gate, make_registration(conference), nonce).json["status"] == "ok"
    rows = db.session.execute(select(Checkin).order_by(Checkin.id)).scalars().all()
    token = db.session.execute(select(ApiToken)).scalar_one()
    assert [(r.api_token_id, r.operator_user_id) for r in rows] == [(token.id, token.user_id)] * 2
