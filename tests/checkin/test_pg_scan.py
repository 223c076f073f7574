"""PostgreSQL's one-statement scan (``eventsys_checkin``, pg_scan.py) against the Python rules.

On PostgreSQL every scan goes through the function; SQLite keeps the Python path. Here both
paths run the same scenarios on PostgreSQL, each on a conference of its own, in Chinese and
in English, and must give the same answers and leave the same rows. Then: a scan through the
API is one round trip to the database (counted in the wire protocol), the migration holds the
function as pg_scan has it, and a scan still succeeds after the database dropped every
connection (a restart).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event, select

from eventsys.checkin import pg_scan
from eventsys.checkin import services as checkin_services
from eventsys.checkin.codes import checkin_code
from eventsys.checkin.models import Checkin, CheckinList, CheckinState
from eventsys.conferences.models import Category
from eventsys.errors import ValidationError
from eventsys.extensions import db
from tests.conftest import PG_URL, Client, build_app
from tests.factories import make_conference, make_registration, make_token, make_user

needs_pg = pytest.mark.skipif(not PG_URL, reason="EVENTSYS_TEST_DATABASE_URL not set")

ROOT = Path(__file__).resolve().parent.parent.parent

CATEGORIES = [
    {"code": "delegate", "name": "正式代表", "capacity": None, "requires_approval": False,
     "invite_only": False},
    {"code": "student", "name": "学生", "capacity": 1, "requires_approval": True,
     "invite_only": False},
    {"code": "guest", "name": "特邀嘉宾", "capacity": None, "requires_approval": False,
     "invite_only": False},
]  # fmt: skip
LISTS = [
    {"code": code, "name": name, "session": None}
    for code, name in [
        ("main", "主会场入口"),
        ("vip", "贵宾通道"),
        ("hall", "展厅"),
        ("early", "早餐"),
        ("late", "晚宴"),
    ]
]
BASE = datetime(2026, 12, 18, 1, 30, 15, 250000, tzinfo=UTC)  # 09:30 in Shanghai

# (person, how the code is written, list, gate, type, nonce, seconds after BASE)
# person: an index into PEOPLE, or (form "literal") the scanned text itself.
PEOPLE = ["delegate", "delegate", "guest", "pending", "waitlisted", "cancelled", "rejected"]
STEPS = [
    (0, "url", "main", "east-1", "entry", "a1", 0),
    (0, "tail", "main", "west-2", "entry", "a2", 65),  # already, at east-1 09:30
    (0, "url", "main", "west-2", "entry", "a1", 70),  # the first nonce again: first answer
    (0, "url", "main", "east-1", "exit", "a3", 80),
    (0, "url", "main", "east-1", "entry", "a4", 90),  # no re-entry on main
    (1, "manual", "main", "desk", "entry", "b1", 100),
    (1, "url", "main", "desk", "exit", "b2", 110),
    (1, "url", "hall", "hall-1", "exit", "b3", 115),  # not in: no exit
    (1, "url", "hall", "hall-1", "entry", "b4", 120),
    (1, "url", "hall", "hall-1", "exit", "b5", 130),
    (1, "url", "hall", "hall-2", "entry", "b6", 140),  # re-entry
    (1, "url", "hall", "hall-2", "entry", "b7", 150),  # inside already
    (1, "url", "vip", "vip-1", "entry", "b8", 160),  # delegate: not on this list
    (2, "url", "vip", "vip-1", "entry", "c1", 170),
    (2, "url", "early", "e", "entry", "c2", 180),  # opens later
    (2, "url", "late", "l", "entry", "c3", 190),  # closed
    (3, "url", "main", "east-1", "entry", "d1", 200),
    (4, "url", "main", "east-1", "entry", "d2", 210),
    (5, "url", "main", "east-1", "entry", "d3", 220),
    (6, "url", "main", "east-1", "entry", "d4", 230),
    (5, "url", "main", "east-1", "exit", "d5", 235),
    ("junk", "literal", "main", "east-1", "entry", "f1", 240),
    ("junk", "literal", "main", "east-1", "entry", "f1", 245),  # same nonce, no lock
    ("x" * 3000, "literal", "main", "east-1", "entry", "f2", 250),
    ("ABCD-EFGH", "literal", "main", "east-1", "entry", "f3", 255),  # nobody's manual code
    (None, "literal", "main", "east-1", "entry", "f4", 260),
    (0, "forged", "main", "east-1", "entry", "f5", 270),
    (2, "url", "main", "  gate with spaces  ", "entry", "g1", 280.75),  # microseconds
    (2, "url", "main", "gate-x", "entry", "g2", 290),
    (0, "url", "nowhere", "east-1", "entry", "h1", 300),  # unknown list: refused
    (0, "url", "main", "", "entry", "h2", 310),  # no gate: refused
    (0, "url", "main", "east-1", "sideways", "h3", 320),  # bad type: refused
    (0, "url", " main ", "east-1", "entry", "h4", 330),
]

_slugs = itertools.count(1)


@pytest.fixture(scope="module")
def pg(tmp_path_factory):
    app = build_app("postgresql", tmp_path_factory.mktemp("pg-scan"))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def scenario(app, path: str, language: str):
    """Run STEPS through one path; (answers, scan rows, states), ids as person numbers."""
    with app.app_context():
        conference = make_conference(
            slug=f"pgscan-{next(_slugs)}", categories=CATEGORIES, checkin_lists=LISTS
        )
        lists = {cl.code: cl for cl in conference_lists(conference)}
        guest = db.session.execute(
            select(Category).where(
                Category.conference_id == conference.id, Category.code == "guest"
            )
        ).scalar_one()
        guest.name_en = "Invited guest"
        lists["vip"].categories = [guest]
        lists["hall"].allow_reentry = True
        lists["early"].opens_at = BASE + timedelta(hours=2)
        lists["late"].closes_at = BASE - timedelta(hours=3, microseconds=1)
        people = []
        for index, kind in enumerate(PEOPLE):
            category = kind if kind in ("delegate", "guest") else "delegate"
            person = make_registration(
                conference, category, name=f"参会者{index}", organization=f"单位 {index}"
            )
            if kind not in ("delegate", "guest"):
                person.status = kind
            people.append(person)
        db.session.commit()
        ids = {p.id: index for index, p in enumerate(people)}
        record = (
            checkin_services._record_checkin_python
            if path == "python"
            else checkin_services.record_checkin
        )
        answers = []
        headers = {"Accept-Language": language}
        with app.test_request_context("/api/v1/x", headers=headers):
            for who, form, list_code, gate, type, nonce, seconds in STEPS:
                if form == "literal":
                    code = who
                else:
                    person = people[who]
                    code = checkin_code(person.checkin_token)
                    if form == "tail":
                        code = code.rsplit("/", 1)[1]
                    elif form == "manual":
                        code = person.manual_code.lower()[:4] + "-" + person.manual_code[4:]
                    elif form == "forged":
                        code = code[:-3] + ("AAA" if not code.endswith("AAA") else "BBB")
                try:
                    with db.session.begin_nested():
                        answer = record(
                            conference,
                            code=code,
                            list_code=list_code,
                            gate=gate,
                            nonce=nonce,
                            type=type,
                            scanned_at=BASE + timedelta(seconds=seconds),
                        )
                except ValidationError as error:
                    answers.append(("refused", error.message, error.errors))
                    continue
                db.session.commit()
                answers.append(_numbered(answer, ids))
        scans = [
            (
                ids.get(row.registration_id),
                row.list_id and _code(lists, row.list_id),
                row.gate,
                row.type,
                row.status,
                row.nonce,
                row.offline,
                row.scanned_at,
                _numbered(row.answer, ids),
            )
            for row in db.session.execute(
                select(Checkin).where(Checkin.conference_id == conference.id).order_by(Checkin.id)
            ).scalars()
        ]
        states = sorted(
            (
                ids[row.registration_id],
                _code(lists, row.list_id),
                row.first_checked_in_at,
                row.first_gate,
                row.inside,
                row.last_scan_at,
            )
            for row in db.session.execute(
                select(CheckinState).where(CheckinState.conference_id == conference.id)
            ).scalars()
        )
        db.session.remove()
    return answers, scans, states


def conference_lists(conference):
    return db.session.execute(
        select(CheckinList).where(CheckinList.conference_id == conference.id)
    ).scalars()


def _code(lists: dict, list_id: int) -> str:
    return next(code for code, cl in lists.items() if cl.id == list_id)


def _numbered(answer: dict, ids: dict) -> dict:
    answer = dict(answer)
    if answer.get("registration"):
        answer["registration"] = {
            **answer["registration"],
            "id": ids[answer["registration"]["id"]],
        }
    return answer


@needs_pg
@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_the_function_answers_and_records_as_the_python_rules_do(pg, language):
    python = scenario(pg, "python", language)
    function = scenario(pg, "function", language)
    for step, (want, got) in enumerate(zip(python[0], function[0], strict=True)):
        assert got == want, f"step {step}: {STEPS[step]}"
    assert function[1] == python[1]
    assert function[2] == python[2]
    answers = python[0]
    # What the scenario was meant to show (so that it cannot pass by both paths failing).
    statuses = [a["status"] if isinstance(a, dict) else a[0] for a in answers]
    assert statuses == [
        "ok", "already_checked_in", "ok", "ok", "already_checked_in",
        "ok", "ok", "not_allowed", "ok", "ok", "ok", "already_checked_in", "not_allowed",
        "ok", "not_allowed", "not_allowed",
        "not_confirmed", "not_confirmed", "cancelled", "cancelled", "cancelled",
        "invalid", "invalid", "invalid", "invalid", "invalid", "invalid",
        "ok", "already_checked_in",
        "refused", "refused", "refused", "already_checked_in",
    ]  # fmt: skip
    english = language == "en"
    assert answers[1]["message"] == (
        "Already checked in at 09:30 at east-1: do not admit again."
        if english
        else "已于 09:30 在 east-1 签到：请勿重复放行。"
    )
    assert answers[2] == answers[0]  # the repeated nonce
    assert answers[10]["message"] == ("Admit: re-entry." if english else "放行：再次入场。")
    assert answers[13]["registration"]["category_name"] == (
        "Invited guest" if english else "特邀嘉宾"
    )
    assert "2026-12-18 11:30" in answers[14]["message"]
    assert "2026-12-18 06:30" in answers[15]["message"]
    assert answers[0]["first_checked_in_at"] == "2026-12-18T01:30:15.250000+00:00"
    assert answers[28]["first_checked_in_at"] == "2026-12-18T01:34:56+00:00"
    assert answers[28]["first_gate"] == "gate with spaces"


@needs_pg
def test_a_scan_through_the_api_is_one_round_trip(pg, tmp_path):
    """Counted on the wire (libpq's trace of every message the app sends): a scan with a
    token the worker already knows sends one Bind/Execute/Sync (or one Parse too, before the
    statement is prepared) on the scan connection, no BEGIN, no COMMIT, no ping, and does
    not touch the application's other connections."""
    with pg.app_context():
        conference = make_conference(slug=f"pgscan-{next(_slugs)}", checkin_lists=LISTS[:1])
        token = make_token(make_user(f"rt-{conference.slug}@example.com"), conference, "checkin")
        people = [make_registration(conference) for _ in range(12)]
        with pg.test_request_context():
            codes = [checkin_code(p.checkin_token) for p in people]
        slug = conference.slug
        db.session.remove()
    pg.test_client_class = Client
    client = pg.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/conferences/{slug}/checkins"

    def scan(index: int):
        body = {"code": codes[index], "list": "main", "gate": "g", "nonce": f"rt-{index}"}
        reply = client.post(path, json=body, headers=headers)
        assert reply.status_code == 200, reply.json
        assert reply.json["status"] == "ok"

    for index in range(8):  # warm: the token cached, the statement prepared
        scan(index)
    with pg.app_context():
        engines = {"scan": pg_scan.scan_engine(), "main": db.engine}
    trace = tmp_path / "libpq.trace"
    with open(trace, "w") as handle:
        checkouts = {"scan": 0, "main": 0}

        def watch(name):
            def on_checkout(dbapi_connection, _record, _proxy):
                checkouts[name] += 1
                dbapi_connection.pgconn.trace(handle.fileno())

            def on_checkin(dbapi_connection, _record):
                if dbapi_connection is not None and not dbapi_connection.closed:
                    dbapi_connection.pgconn.untrace()

            return on_checkout, on_checkin

        listeners = []
        for name, engine in engines.items():
            on_checkout, on_checkin = watch(name)
            event.listen(engine, "checkout", on_checkout)
            event.listen(engine, "checkin", on_checkin)
            listeners += [(engine, "checkout", on_checkout), (engine, "checkin", on_checkin)]
        try:
            scan(8)
            scan(9)
        finally:
            for listener in listeners:
                event.remove(*listener)
    sent = [
        line.split("\t")[3]
        for line in trace.read_text().splitlines()
        if line.split("\t")[1:2] == ["F"]
    ]
    assert checkouts == {"scan": 2, "main": 0}
    # Two scans, two round trips: each ends with one Sync, and nothing else is sent.
    assert sent.count("Sync") == 2, sent
    assert "Query" not in sent, sent  # no BEGIN, COMMIT or ping (simple queries)
    assert set(sent) <= {"Bind", "Describe", "Execute", "Sync", "Parse"}, sent


def test_the_migration_creates_the_function_as_pg_scan_has_it():
    migration = ROOT / "migrations" / "versions" / "0012_checkin_function.py"
    namespace: dict = {}
    exec(compile(migration.read_text(), str(migration), "exec"), namespace)  # noqa: S102
    assert namespace["CREATE_FUNCTION"] == pg_scan.CREATE_FUNCTION
    assert namespace["FUNCTION_SIGNATURE"] == pg_scan.FUNCTION_SIGNATURE


@needs_pg
def test_a_scan_succeeds_after_the_database_dropped_every_connection(pg):
    """A restart, as the scan endpoint sees it: every backend terminated. The scan's own
    connections are not pinged before use; the first attempt meets a dead connection, the
    pool is invalidated and the scan is sent again on a new one: the gate sees ``ok``, and
    the scan is recorded once."""
    with pg.app_context():
        conference = make_conference(slug=f"pgscan-{next(_slugs)}", checkin_lists=LISTS[:1])
        token = make_token(make_user(f"rs-{conference.slug}@example.com"), conference, "checkin")
        people = [make_registration(conference) for _ in range(6)]
        with pg.test_request_context():
            codes = [checkin_code(p.checkin_token) for p in people]
        slug = conference.slug
        db.session.remove()
    pg.test_client_class = Client
    client = pg.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/conferences/{slug}/checkins"

    def scan(index: int):
        body = {"code": codes[index], "list": "main", "gate": "g", "nonce": f"rs-{index}"}
        return client.post(path, json=body, headers=headers)

    assert [scan(i).json["status"] for i in range(3)] == ["ok"] * 3
    with pg.app_context():
        engine = pg_scan.scan_engine()
    invalidated = []
    event.listen(engine, "invalidate", lambda *args: invalidated.append(args))
    database = sa.engine.make_url(PG_URL).database
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        killed = connection.execute(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": database},
        ).scalar_one()
    admin.dispose()
    assert killed >= 1
    for index in range(3, 6):
        reply = scan(index)
        assert reply.status_code == 200, reply.json
        assert reply.json["status"] == "ok"
    assert invalidated, "the first scan after the restart should have met a dead connection"
    with pg.app_context():
        # The test's own pooled connection died too, a moment after its last use: pages'
        # connections are pinged only after lying idle (POOL_PING_IDLE_SECONDS), which a
        # restart's seconds of downtime ensure and this instant kill does not.
        db.engine.dispose()
        recorded = db.session.execute(
            select(Checkin.nonce)
            .join(Checkin.checkin_list)
            .where(CheckinList.code == "main", Checkin.nonce.like("rs-%"))
            .order_by(Checkin.nonce)
        ).scalars()
        assert list(recorded) == [f"rs-{i}" for i in range(6)]
        db.session.remove()


@needs_pg
def test_the_scan_engine_is_disposed_with_the_application_engine(tmp_path):
    app = build_app("postgresql", tmp_path)
    with app.app_context():
        engine = pg_scan.scan_engine()
        assert engine is pg_scan.scan_engine()  # one per application
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1
        assert engine.pool.checkedin() == 1
        db.engine.dispose()
        assert engine.pool.checkedin() == 0
        assert pg_scan.scan_engine() is not engine  # a new one on next use
        db.engine.dispose()


def test_no_function_on_sqlite(tmp_path):
    app = build_app("sqlite", tmp_path)
    with app.app_context():
        assert pg_scan.scan_engine() is None
        db.engine.dispose()


def test_the_scan_endpoint_has_no_rate_limit_for_the_limiter_to_skip(sqlite_app):
    """The limiter is told to skip the scan endpoint (api/views.py); that is only right while
    no limit is set on it, on its blueprint or by default."""
    from flask_limiter.util import get_qualified_name

    from eventsys.api import views as api_views
    from eventsys.extensions import limiter

    view = sqlite_app.view_functions[api_views.SCAN_ENDPOINT]
    assert get_qualified_name(view) not in limiter._marked_for_limiting
    assert not limiter.limit_manager.has_hints(api_views.SCAN_ENDPOINT)
    manager = limiter.limit_manager
    assert not manager._default_limits and not manager._application_limits
    assert not manager._blueprint_limits.get("api")
    limited = sqlite_app.view_functions["api.create_registration"]
    assert get_qualified_name(limited) in limiter._marked_for_limiting  # the check can fail
