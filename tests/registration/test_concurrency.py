"""Capacity, duplicates, invitation codes and the waitlist under real concurrent requests.

Every scenario runs against real servers and real databases, with no mocks:

- ``sqlite-threaded``: the app in this process behind Werkzeug's threaded server, on a file
  database (many threads, one process);
- ``sqlite-gunicorn``: ``gunicorn app:app`` with 2 worker processes x 4 threads on the same
  SQLite file (the harder case: the processes share nothing but the file);
- ``postgresql-gunicorn``: ``gunicorn app:app`` with 4 workers x 4 threads on the
  PostgreSQL test database (skipped unless EVENTSYS_TEST_DATABASE_URL is set).

Requests leave together from 32 client threads (a barrier releases them), and each test checks
both what the clients were told and what the database holds afterwards.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from eventsys.conferences.models import Category, Conference
from eventsys.extensions import db
from eventsys.registration.invitations import create_invitations
from eventsys.registration.models import InvitationCode, Registration
from tests.conftest import PG_URL, LiveServer, build_app
from tests.factories import make_conference, make_token, make_user
from tests.registration.live import (
    GunicornServer,
    Reply,
    call,
    fire,
    max_in_flight,
    status_counts,
)

pytestmark = pytest.mark.slow

CLIENT_THREADS = 32
NO_RATE_LIMITS = {
    "REGISTRATION_RATE_LIMIT": "1000000 per minute",
    "REGISTRATION_RATE_LIMIT_PER_CONFERENCE": "1000000 per minute",
}
SERVERS = ["sqlite-threaded", "sqlite-gunicorn"] + (["postgresql-gunicorn"] if PG_URL else [])


@dataclass
class Live:
    """A running server and an app (same database) to set up data and look at the rows."""

    kind: str
    app: object
    url: str
    server: object = None

    def log(self) -> str:
        return self.server.log() if isinstance(self.server, GunicornServer) else ""


@pytest.fixture(scope="module", params=SERVERS)
def live(request, tmp_path_factory):
    kind = request.param
    database = kind.split("-")[0]
    tmp_path = tmp_path_factory.mktemp(kind)
    # Thousands of registrations from one address: the public rate limits set out of the way.
    # Mail goes to the outbox for the worker, as under gunicorn in production (the tests'
    # default sends it inside the request, e-ticket PDF and all).
    app = build_app(database, tmp_path, MAIL_DELIVERY="queue", **NO_RATE_LIMITS)
    try:
        if kind == "sqlite-threaded":
            with LiveServer(app) as server:
                yield Live(kind, app, server.url, server)
        else:
            workers = 2 if database == "sqlite" else 4
            server = GunicornServer(
                database_url=app.config["SQLALCHEMY_DATABASE_URI"],
                scratch=tmp_path / "gunicorn",
                workers=workers,
                threads=4,
                env={f"EVENTSYS_{key}": value for key, value in NO_RATE_LIMITS.items()},
            )
            with server:
                yield Live(kind, app, server.url, server)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


_slugs = itertools.count(1)
_people = itertools.count(1)


def new_slug(name: str) -> str:
    return f"conc-{name}-{next(_slugs)}"


def person(category: str, **changes) -> dict:
    """A registration body for someone no one else in these tests is."""
    n = next(_people)
    body = {
        "category": category,
        "name": f"并发测试{n}",
        "email": f"conc{n}@example.com",
        "phone": f"137{n:08d}",
        "organization": "电子科技大学",
        "position": "研究员",
    }
    body.update(changes)
    return body


def setup_conference(live: Live, categories: list[dict], **changes) -> str:
    slug = new_slug(categories[0]["code"])
    with live.app.app_context():
        make_conference(slug=slug, categories=categories, **changes)
        db.session.remove()
    return slug


def register_all(live: Live, slug: str, bodies: list[dict], token: str | None = None):
    path = f"/api/v1/conferences/{slug}/registrations"
    return fire(
        lambda body: call(live.url, "POST", path, body, token=token), bodies, CLIENT_THREADS
    )


@dataclass
class State:
    """What the database holds for one conference after the requests."""

    capacity: int | None
    seats_taken: int
    statuses: Counter  # status -> number
    by_category: dict  # code -> {"capacity", "seats_taken", "statuses": Counter}
    invitation_uses: dict  # code -> (uses, max_uses)
    invited: int  # registrations that used an invitation code


def db_state(live: Live, slug: str) -> State:
    with live.app.app_context():
        conference = db.session.execute(
            select(Conference).where(Conference.slug == slug)
        ).scalar_one()
        rows = db.session.execute(
            select(Registration.category_id, Registration.status, func.count())
            .where(Registration.conference_id == conference.id)
            .group_by(Registration.category_id, Registration.status)
        ).all()
        categories = db.session.execute(
            select(Category).where(Category.conference_id == conference.id)
        ).scalars()
        by_category = {}
        for category in categories:
            by_category[category.code] = {
                "capacity": category.capacity,
                "seats_taken": category.seats_taken,
                "statuses": Counter({s: n for cid, s, n in rows if cid == category.id}),
            }
        statuses: Counter = Counter()
        for _cid, status, n in rows:
            statuses[status] += n
        invitations = {
            i.code: (i.uses, i.max_uses)
            for i in db.session.execute(
                select(InvitationCode).where(InvitationCode.conference_id == conference.id)
            ).scalars()
        }
        invited = db.session.execute(
            select(func.count())
            .select_from(Registration)
            .where(
                Registration.conference_id == conference.id,
                Registration.invitation_id.is_not(None),
            )
        ).scalar_one()
        state = State(
            conference.capacity, conference.seats_taken, statuses, by_category, invitations, invited
        )
        db.session.remove()
    return state


def holding(statuses: Counter) -> int:
    return statuses["confirmed"] + statuses["pending"]


def assert_seats_consistent(state: State) -> None:
    """The counters agree with the rows, no limit is exceeded, and nobody waits while a seat
    they could take is free."""
    conference_full = state.capacity is not None and state.seats_taken >= state.capacity
    for code, cat in state.by_category.items():
        assert cat["seats_taken"] == holding(cat["statuses"]), (code, cat)
        if cat["capacity"] is not None:
            assert cat["seats_taken"] <= cat["capacity"], (code, cat)
        if cat["statuses"]["waitlisted"]:
            category_full = cat["capacity"] is not None and cat["seats_taken"] >= cat["capacity"]
            assert category_full or conference_full, f"{code}: people wait beside free seats"
    assert state.seats_taken == holding(state.statuses), state
    if state.capacity is not None:
        assert state.seats_taken <= state.capacity, state


def assert_no_server_errors(live: Live, replies: list[Reply]) -> None:
    bad = [r for r in replies if r.status == 0 or r.status >= 500]
    assert not bad, f"{len(bad)} failed requests, e.g. {bad[:3]}\n{live.log()}"


# --- the scenarios ------------------------------------------------------------------------


def test_category_capacity_never_exceeded(live):
    slug = setup_conference(live, [{"code": "delegate", "name": "正式代表", "capacity": 20}])
    replies = register_all(live, slug, [person("delegate") for _ in range(120)])

    assert_no_server_errors(live, replies)
    # The requests really overlapped (as the clients saw them), not one after another.
    assert max_in_flight(replies) >= CLIENT_THREADS // 2
    assert status_counts(replies) == Counter({(201, "confirmed"): 20, (201, "waitlisted"): 100})
    assert len({r.body["id"] for r in replies}) == 120
    state = db_state(live, slug)
    assert state.statuses == Counter({"confirmed": 20, "waitlisted": 100})
    assert state.by_category["delegate"]["seats_taken"] == 20
    assert state.seats_taken == 20
    assert_seats_consistent(state)


def test_conference_wide_capacity_never_exceeded(live):
    slug = setup_conference(
        live,
        [
            {"code": "delegate", "name": "正式代表", "capacity": 10},
            {"code": "student", "name": "学生代表", "capacity": 10},
        ],
        capacity=15,
    )
    bodies = [person("delegate" if i % 2 else "student") for i in range(60)]
    replies = register_all(live, slug, bodies)

    assert_no_server_errors(live, replies)
    counts = status_counts(replies)
    assert counts[(201, "confirmed")] == 15, counts
    assert counts[(201, "waitlisted")] == 45, counts
    state = db_state(live, slug)
    assert state.statuses == Counter({"confirmed": 15, "waitlisted": 45}), state
    assert state.seats_taken == 15, state
    for code in ("delegate", "student"):
        assert state.by_category[code]["seats_taken"] <= 10, state
    assert_seats_consistent(state)


def test_same_email_concurrently_registers_once(live):
    slug = setup_conference(live, [{"code": "delegate", "name": "正式代表", "capacity": 100}])
    one = person("delegate")
    # The same person pressing "register" 30 times, with the e-mail in varying case.
    bodies = [
        {**one, "email": one["email"].upper() if i % 3 == 0 else one["email"]} for i in range(30)
    ]
    replies = register_all(live, slug, bodies)

    assert_no_server_errors(live, replies)
    counts = status_counts(replies)
    assert counts == Counter({(201, "confirmed"): 1, (409, "already_registered"): 29}), counts
    state = db_state(live, slug)
    assert state.statuses == Counter({"confirmed": 1}), state
    assert state.seats_taken == 1
    assert_seats_consistent(state)


def test_same_phone_concurrently_registers_once(live):
    slug = setup_conference(live, [{"code": "delegate", "name": "正式代表", "capacity": 100}])
    phone = person("delegate")["phone"]
    # Different e-mails, one phone written three ways (+86, spaces, dashes).
    spellings = [phone, f"+86 {phone}", f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"]
    bodies = [person("delegate", phone=spellings[i % 3]) for i in range(30)]
    replies = register_all(live, slug, bodies)

    assert_no_server_errors(live, replies)
    counts = status_counts(replies)
    assert counts == Counter({(201, "confirmed"): 1, (409, "already_registered"): 29}), counts
    state = db_state(live, slug)
    assert state.statuses == Counter({"confirmed": 1}), state
    assert_seats_consistent(state)


def test_invitation_code_uses_never_exceed_max_uses(live):

    slug = setup_conference(
        live,
        [
            {"code": "delegate", "name": "正式代表", "capacity": 100},
            {"code": "vip", "name": "特邀嘉宾", "capacity": 100, "invite_only": True},
        ],
    )
    with live.app.app_context():
        conference = db.session.execute(
            select(Conference).where(Conference.slug == slug)
        ).scalar_one()
        vip = next(c for c in conference.categories if c.code == "vip")
        create_invitations(conference, vip, count=1, max_uses=5, code="VIP2026")
        db.session.commit()
        db.session.remove()

    replies = register_all(live, slug, [person("vip", invite_code="VIP2026") for _ in range(40)])

    assert_no_server_errors(live, replies)
    counts = status_counts(replies)
    assert counts == Counter({(201, "confirmed"): 5, (403, "invitation_required"): 35}), counts
    state = db_state(live, slug)
    assert state.invitation_uses == {"VIP2026": (5, 5)}
    assert state.invited == 5
    assert state.statuses == Counter({"confirmed": 5})
    assert_seats_consistent(state)


def test_concurrent_cancellations_promote_each_waiting_person_once(live):
    from eventsys.registration.services import register
    from tests.factories import applicant

    slug = setup_conference(live, [{"code": "delegate", "name": "正式代表", "capacity": 10}])
    with live.app.app_context():
        conference = db.session.execute(
            select(Conference).where(Conference.slug == slug)
        ).scalar_one()
        registrations = [
            register(conference, applicant("delegate"), send_mail=False) for _ in range(20)
        ]
        db.session.commit()
        confirmed = [r.id for r in registrations if r.status == "confirmed"]
        waitlisted = [r.id for r in registrations if r.status == "waitlisted"]
        user = make_user(f"staff-{slug}@example.com")
        token = make_token(user, conference, "staff")
        db.session.remove()
    assert len(confirmed) == 10 and len(waitlisted) == 10

    def cancel(registration_id: int) -> Reply:
        path = f"/api/v1/conferences/{slug}/registrations/{registration_id}/cancel"
        return call(live.url, "POST", path, {"reason": "并发取消"}, token=token)

    replies = fire(cancel, confirmed, CLIENT_THREADS)

    assert_no_server_errors(live, replies)
    assert [r.status for r in replies] == [200] * 10, [(r.status, r.body) for r in replies]
    assert all(r.body["status"] == "cancelled" for r in replies)
    promoted = [r.body["promoted"] for r in replies]
    assert None not in promoted, promoted
    assert len(set(promoted)) == 10, promoted
    assert set(promoted) == set(waitlisted)
    state = db_state(live, slug)
    assert state.statuses == Counter({"confirmed": 10, "cancelled": 10}), state
    assert state.by_category["delegate"]["seats_taken"] == 10
    assert state.seats_taken == 10
    assert_seats_consistent(state)
    with live.app.app_context():
        now_confirmed = set(
            db.session.execute(
                select(Registration.id).where(
                    Registration.id.in_(confirmed + waitlisted),
                    Registration.status == "confirmed",
                )
            ).scalars()
        )
        db.session.remove()
    assert now_confirmed == set(waitlisted)


def test_cancellations_racing_new_registrations(live):
    """Seats freed while newcomers arrive: the waitlist, not a newcomer, gets each freed seat
    unless nobody waits; the counters always match the rows."""
    from eventsys.registration.services import register
    from tests.factories import applicant

    slug = setup_conference(live, [{"code": "delegate", "name": "正式代表", "capacity": 10}])
    with live.app.app_context():
        conference = db.session.execute(
            select(Conference).where(Conference.slug == slug)
        ).scalar_one()
        registrations = [
            register(conference, applicant("delegate"), send_mail=False) for _ in range(15)
        ]
        db.session.commit()
        confirmed = [r.id for r in registrations if r.status == "confirmed"]
        user = make_user(f"staff-{slug}@example.com")
        token = make_token(user, conference, "staff")
        db.session.remove()

    def act(item) -> Reply:
        if isinstance(item, int):
            path = f"/api/v1/conferences/{slug}/registrations/{item}/cancel"
            return call(live.url, "POST", path, {}, token=token)
        return call(live.url, "POST", f"/api/v1/conferences/{slug}/registrations", item)

    items: list = []
    for i in range(40):
        items.append(confirmed[i // 4] if i % 4 == 0 else person("delegate"))
    replies = fire(act, items, CLIENT_THREADS)

    assert_no_server_errors(live, replies)
    assert all(r.status in (200, 201) for r in replies), [r.body for r in replies]
    state = db_state(live, slug)
    assert state.statuses["cancelled"] == 10
    assert holding(state.statuses) == 10, state
    assert state.statuses["waitlisted"] == 15 + 30 - 10 - 10, state
    assert_seats_consistent(state)


def test_pending_and_staff_registrations_share_the_capacity(live):
    """In a category that needs approval, pending registrations hold seats too; registrations
    made with a staff token (confirmed at once) obey the same limit."""
    slug = setup_conference(
        live,
        [{"code": "expert", "name": "评审专家", "capacity": 12, "requires_approval": True}],
    )
    with live.app.app_context():
        conference = db.session.execute(
            select(Conference).where(Conference.slug == slug)
        ).scalar_one()
        user = make_user(f"staff-{slug}@example.com")
        token = make_token(user, conference, "staff")
        db.session.remove()
    path = f"/api/v1/conferences/{slug}/registrations"
    items = [(person("expert"), token if i % 3 == 0 else None) for i in range(60)]
    replies = fire(lambda item: call(live.url, "POST", path, item[0], token=item[1]), items)

    assert_no_server_errors(live, replies)
    counts = status_counts(replies)
    assert counts[(201, "confirmed")] + counts[(201, "pending")] == 12, counts
    assert counts[(201, "waitlisted")] == 48, counts
    staff_statuses = {r.body["status"] for r, (_b, t) in zip(replies, items, strict=True) if t}
    assert "pending" not in staff_statuses
    state = db_state(live, slug)
    assert holding(state.statuses) == 12, state
    assert state.by_category["expert"]["seats_taken"] == 12
    assert_seats_consistent(state)


WAITLIST_TRIALS = 40


def test_a_freed_seat_goes_to_the_waitlist_while_people_register(live):
    """Issue 7: capacity 1, A confirmed; A is cancelled while B and C register. Once all three
    have ended, the seat is never empty beside someone waiting, nobody got a seat on arrival
    after someone still waiting had joined the waitlist, and a later newcomer D waits behind
    them: when the seat is freed again, the one who waited longer gets it, not D."""
    from eventsys.registration.services import register
    from tests.factories import applicant

    slug = setup_conference(
        live,
        [
            {"code": f"c{trial}", "name": f"类别{trial}", "capacity": 1}
            for trial in range(WAITLIST_TRIALS)
        ],
    )
    with live.app.app_context():
        conference = db.session.execute(
            select(Conference).where(Conference.slug == slug)
        ).scalar_one()
        firsts = [
            register(conference, applicant(f"c{trial}"), send_mail=False).id
            for trial in range(WAITLIST_TRIALS)
        ]
        db.session.commit()
        token = make_token(make_user(f"staff-{slug}@example.com"), conference, "staff")
        db.session.remove()
    base = f"/api/v1/conferences/{slug}/registrations"

    def act(item) -> Reply:
        if isinstance(item, int):
            return call(live.url, "POST", f"{base}/{item}/cancel", {}, token=token)
        return call(live.url, "POST", base, item)

    failures = []
    for trial, first in enumerate(firsts):
        code = f"c{trial}"
        racing = [first, person(code), person(code)]
        replies = fire(act, racing, 3)
        assert_no_server_errors(live, replies)
        assert [r.status for r in replies] == [200, 201, 201], [r.body for r in replies]
        newcomer = call(live.url, "POST", base, person(code))
        assert newcomer.status == 201, newcomer.body
        with live.app.app_context():
            rows = db.session.execute(
                select(Registration)
                .join(Category)
                .where(Category.code == code, Registration.conference_id == Category.conference_id)
                .where(Category.conference.has(Conference.slug == slug))
                .order_by(Registration.id)
            ).scalars()
            by_id = {r.id: r for r in rows}
            category = db.session.execute(
                select(Category).where(
                    Category.code == code, Category.conference.has(Conference.slug == slug)
                )
            ).scalar_one()
            seats_taken = category.seats_taken
            db.session.remove()
        b, c = (by_id[r.body["id"]] for r in replies[1:])
        d = by_id[newcomer.body["id"]]
        waiting = [r for r in (b, c, d) if r.status == "waitlisted"]
        problems = []
        if seats_taken == 0 and waiting:
            problems.append("the seat is empty while people wait")
        if seats_taken != sum(r.status == "confirmed" for r in by_id.values()):
            problems.append(f"seats_taken {seats_taken} does not match the rows")
        if d.status != "waitlisted":
            problems.append("the newcomer D got the seat while B or C waited")
        for arrived in (b, c):
            if arrived.status == "confirmed" and arrived.confirmed_at == arrived.created_at:
                ahead = [w for w in waiting if w.waitlisted_at < arrived.created_at]
                if ahead:
                    problems.append("a seat was given on arrival while someone waited")
        if problems:
            failures.append((trial, [(r.status, r.created_at) for r in (b, c, d)], problems))
            continue
        # The seat is freed again: the longest waiting of B and C moves up, not D.
        holder = b if b.status == "confirmed" else c
        waited = c if holder is b else b
        again = call(live.url, "POST", f"{base}/{holder.id}/cancel", {}, token=token)
        assert again.status == 200, again.body
        if again.body["promoted"] != waited.id:
            failures.append((trial, "promoted", again.body["promoted"], waited.id, d.id))
    assert not failures, f"{len(failures)} of {WAITLIST_TRIALS} trials failed: {failures[:5]}"
