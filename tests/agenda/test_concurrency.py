"""Seats in sessions and places in forums under real concurrent requests.

Real servers, real databases, no mocks (as tests/checkin/test_concurrency.py):
``postgresql-gunicorn`` runs ``gunicorn app:app`` (4 workers x 4 threads) on the PostgreSQL
test database (skipped unless EVENTSYS_TEST_DATABASE_URL is set), ``sqlite-threaded`` the app
behind Werkzeug's threaded server on a file database. A barrier releases the client threads
together; each test checks what the clients were told and what the database holds.
"""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from sqlalchemy import func, select

from eventsys.agenda.models import ForumChoice, SessionEnrollment
from eventsys.conferences.models import Conference
from eventsys.extensions import db
from eventsys.registration.models import Registration
from tests.agenda.helpers import ask_forums, make_programme, release
from tests.conftest import PG_URL, LiveServer, build_app
from tests.factories import make_registration, make_token, make_user
from tests.registration.live import GunicornServer, call, fire

pytestmark = pytest.mark.slow

CLIENTS = 24
SERVERS = ["sqlite-threaded"] + (["postgresql-gunicorn"] if PG_URL else [])
_slugs = itertools.count(1)


@pytest.fixture(scope="module", params=SERVERS)
def live(request, tmp_path_factory):
    kind = request.param
    database = kind.split("-")[0]
    tmp_path = tmp_path_factory.mktemp(f"agenda-{kind}")
    # Mail goes to the outbox for the worker, as under gunicorn in production.
    app = build_app(database, tmp_path, MAIL_DELIVERY="queue")
    try:
        if kind == "sqlite-threaded":
            with LiveServer(app) as server:
                yield app, server.url
        else:
            server = GunicornServer(
                database_url=app.config["SQLALCHEMY_DATABASE_URI"],
                scratch=tmp_path / "gunicorn",
                workers=4,
                threads=4,
            )
            with server:
                yield app, server.url
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def setup(app, people: int, capacity: int):
    """A conference whose workshop has ``capacity`` seats, ``people`` confirmed attendees and
    a staff token: (slug, token, registration ids)."""
    slug = f"agenda-conc-{next(_slugs)}"
    with app.app_context():
        conference = make_programme(slug=slug)
        from eventsys.schedule.models import ScheduleSession

        workshop = db.session.execute(
            select(ScheduleSession).where(
                ScheduleSession.conference_id == conference.id, ScheduleSession.code == "ws-llm"
            )
        ).scalar_one()
        workshop.capacity = capacity
        db.session.commit()
        release(conference)  # the published capacity governs
        token = make_token(
            make_user(f"staff-{slug}@example.com", "staff", conference), conference, "staff"
        )
        ids = [make_registration(conference).id for _ in range(people)]
        ask_forums(conference, "optional", limits={"ai": capacity})
        db.session.remove()
    return slug, token, ids


def answers(replies) -> Counter:
    return Counter((r.status, r.error) for r in replies)


def stored(app, slug: str, model) -> int:
    with app.app_context():
        try:
            conference_id = db.session.execute(
                select(Conference.id).where(Conference.slug == slug)
            ).scalar_one()
            return db.session.execute(
                select(func.count()).select_from(model).where(model.conference_id == conference_id)
            ).scalar_one()
        finally:
            db.session.remove()


def test_the_last_seats_go_to_exactly_capacity_attendees(live):
    app, url = live
    slug, token, ids = setup(app, CLIENTS, capacity=7)
    path = f"/api/v1/conferences/{slug}/sessions/ws-llm/enrollments"
    replies = fire(
        lambda rid: call(url, "POST", path, {"registration": rid}, token=token), ids, CLIENTS
    )
    assert answers(replies) == {(201, None): 7, (409, "session_full"): CLIENTS - 7}
    assert stored(app, slug, SessionEnrollment) == 7
    listing = call(url, "GET", path, token=token).body
    assert listing["total"] == 7 and listing["session"]["left"] == 0


def test_one_attendee_clicking_many_times_holds_one_seat(live):
    app, url = live
    slug, token, ids = setup(app, 1, capacity=5)
    path = f"/api/v1/conferences/{slug}/sessions/ws-llm/enrollments"
    replies = fire(
        lambda _n: call(url, "POST", path, {"registration": ids[0]}, token=token),
        list(range(12)),
        12,
    )
    assert answers(replies) == {(201, None): 1, (200, None): 11}
    assert stored(app, slug, SessionEnrollment) == 1


def test_a_forum_limit_holds_under_concurrent_registrations(live):
    app, url = live
    slug, _token, _ids = setup(app, 0, capacity=6)
    path = f"/api/v1/conferences/{slug}/registrations"
    bodies = [
        {
            "category": "delegate",
            "name": f"并发{n}",
            "email": f"race{n}@{slug}.example.com",
            "phone": f"1360000{n:04d}",
            "forums": ["ai"],
        }
        for n in range(CLIENTS)
    ]
    replies = fire(lambda body: call(url, "POST", path, body), bodies, CLIENTS)
    assert answers(replies) == {(201, None): 6, (409, "forum_full"): CLIENTS - 6}
    assert stored(app, slug, ForumChoice) == 6
    # Refused registrations were refused whole: no registration without its forum.
    assert stored(app, slug, Registration) == 6


def test_a_forum_limit_holds_when_attendees_change_their_choice(live):
    app, url = live
    slug, token, ids = setup(app, CLIENTS, capacity=5)
    replies = fire(
        lambda rid: call(
            url,
            "PUT",
            f"/api/v1/conferences/{slug}/registrations/{rid}/forums",
            {"forums": ["ai", "bio"]},
            token=token,
        ),
        ids,
        CLIENTS,
    )
    assert answers(replies) == {(200, None): 5, (409, "forum_full"): CLIENTS - 5}
    # All or nothing: those refused did not keep "bio" either.
    assert stored(app, slug, ForumChoice) == 10
