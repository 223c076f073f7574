"""Check-in under real concurrent requests: one code scanned at 20 gates at the same moment.

Real servers, real databases, no mocks (as tests/registration/test_concurrency.py):
``postgresql-gunicorn`` runs ``gunicorn app:app`` (4 workers x 4 threads) on the PostgreSQL
test database (skipped unless EVENTSYS_TEST_DATABASE_URL is set), ``sqlite-threaded`` the app
behind Werkzeug's threaded server on a file database. A barrier releases the 20 client
threads together; each test checks what the gates were told and what the database holds.
"""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from sqlalchemy import func, select

from eventsys.checkin.models import Checkin, CheckinState
from eventsys.conferences.models import Conference
from eventsys.extensions import db
from tests.conftest import PG_URL, LiveServer, build_app
from tests.factories import make_conference, make_registration, make_token, make_user
from tests.registration.live import GunicornServer, call, fire

pytestmark = pytest.mark.slow

GATES = 20
SERVER_SECRET = "concurrency-test-secret-key-0123456789"  # what GunicornServer runs with
SERVERS = ["sqlite-threaded"] + (["postgresql-gunicorn"] if PG_URL else [])
LISTS = [{"code": "main", "name": "主会场入口", "session": None}]

_slugs = itertools.count(1)


class Live:
    def __init__(self, kind, app, url, server):
        self.kind, self.app, self.url, self.server = kind, app, url, server

    def log(self) -> str:
        return self.server.log() if isinstance(self.server, GunicornServer) else ""


@pytest.fixture(scope="module", params=SERVERS)
def live(request, tmp_path_factory):
    kind = request.param
    database = kind.split("-")[0]
    tmp_path = tmp_path_factory.mktemp(f"checkin-{kind}")
    # The same secret as the server, so that the codes made here are the server's codes.
    app = build_app(database, tmp_path, SECRET_KEY=SERVER_SECRET)
    try:
        if kind == "sqlite-threaded":
            with LiveServer(app) as server:
                yield Live(kind, app, server.url, server)
        else:
            server = GunicornServer(
                database_url=app.config["SQLALCHEMY_DATABASE_URI"],
                scratch=tmp_path / "gunicorn",
                workers=4,
                threads=4,
            )
            with server:
                yield Live(kind, app, server.url, server)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def setup(live: Live, people: int) -> tuple[str, str, list[str]]:
    """A conference with ``people`` confirmed registrations: (slug, gate token, their codes:
    the last part of each QR code, as a scanner may send it)."""
    from eventsys.checkin.codes import checkin_code

    slug = f"chk-conc-{next(_slugs)}"
    with live.app.app_context():
        conference = make_conference(slug=slug, checkin_lists=LISTS)
        token = make_token(
            make_user(f"gate-{slug}@example.com", "checkin", conference), conference, "checkin"
        )
        registrations = [make_registration(conference) for _ in range(people)]
        with live.app.test_request_context():
            codes = [checkin_code(r.checkin_token).rsplit("/", 1)[1] for r in registrations]
        db.session.remove()
    return slug, token, codes


def scan_all(live: Live, slug: str, token: str, bodies: list[dict]):
    path = f"/api/v1/conferences/{slug}/checkins"
    return fire(lambda body: call(live.url, "POST", path, body, token=token), bodies, GATES)


def answers(replies) -> Counter:
    return Counter(
        reply.body.get("status") if reply.status == 200 else (reply.status, reply.error)
        for reply in replies
    )


def stored(live: Live, slug: str) -> tuple[int, int, Counter]:
    with live.app.app_context():
        conference_id = db.session.execute(
            select(Conference.id).where(Conference.slug == slug)
        ).scalar_one()
        rows = db.session.execute(
            select(func.count()).select_from(Checkin).where(Checkin.conference_id == conference_id)
        ).scalar_one()
        states = db.session.execute(
            select(func.count())
            .select_from(CheckinState)
            .where(CheckinState.conference_id == conference_id)
        ).scalar_one()
        by_status = Counter(
            dict(
                db.session.execute(
                    select(Checkin.status, func.count())
                    .where(Checkin.conference_id == conference_id)
                    .group_by(Checkin.status)
                ).all()
            )
        )
        db.session.remove()
    return rows, states, by_status


def test_one_code_at_twenty_gates_at_once_is_admitted_once(live):
    slug, token, (code,) = setup(live, 1)
    bodies = [
        {"code": code, "list": "main", "gate": f"gate-{i}", "nonce": f"same-code-{i}"}
        for i in range(GATES)
    ]
    replies = scan_all(live, slug, token, bodies)
    assert answers(replies) == {"ok": 1, "already_checked_in": GATES - 1}, live.log()
    admitted = next(r.body for r in replies if r.body["status"] == "ok")
    for reply in replies:
        # Every refused gate is told where and when the person was admitted.
        assert reply.body["first_gate"] == admitted["first_gate"]
        assert reply.body["first_checked_in_at"] == admitted["first_checked_in_at"]
    rows, states, by_status = stored(live, slug)
    assert (rows, states) == (GATES, 1)
    assert by_status == {"ok": 1, "already_checked_in": GATES - 1}


def test_twenty_people_at_twenty_gates_are_all_admitted(live):
    slug, token, codes = setup(live, GATES)
    bodies = [
        {"code": code, "list": "main", "gate": f"gate-{i}", "nonce": f"person-{i}"}
        for i, code in enumerate(codes)
    ]
    replies = scan_all(live, slug, token, bodies)
    assert answers(replies) == {"ok": GATES}, live.log()
    assert len({r.body["registration"]["id"] for r in replies}) == GATES
    rows, states, _by_status = stored(live, slug)
    assert (rows, states) == (GATES, GATES)


def test_one_nonce_sent_twenty_times_at_once_is_recorded_once(live):
    slug, token, (code,) = setup(live, 1)
    body = {"code": code, "list": "main", "gate": "flaky-wifi", "nonce": "retry-me"}
    replies = scan_all(live, slug, token, [body] * GATES)
    assert answers(replies) == {"ok": GATES}, live.log()
    assert len({str(r.body) for r in replies}) == 1  # all the very same answer
    rows, states, _by_status = stored(live, slug)
    assert (rows, states) == (1, 1)
    # The same for a nonce whose code is no code: no row lock to queue on, the unique
    # constraint decides.
    junk = {"code": "junk", "list": "main", "gate": "flaky-wifi", "nonce": "retry-junk"}
    replies = scan_all(live, slug, token, [junk] * GATES)
    assert answers(replies) == {"invalid": GATES}, live.log()
    rows, _states, by_status = stored(live, slug)
    assert rows == 2 and by_status["invalid"] == 1
