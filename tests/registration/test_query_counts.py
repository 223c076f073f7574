"""Guards on the number of SQL statements of the hottest requests: a registration through the
API, the attendee's own page and the conference's public page. Each is a fixed, small number
that does not grow with the conference (categories, forums, sessions, speakers, questions,
registrations). A change that adds a query (a lazy load in a template, a second look-up)
fails here, with the statements listed; docs/PERFORMANCE.md says why each one is there."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from eventsys.extensions import db
from eventsys.registration.services import register
from eventsys.schedule.releases import publish
from tests.factories import applicant, conference_json, make_conference

API = "/api/v1/conferences/cy-2026/registrations"
# What the domains read with the conference (extend.Preload) instead of by queries of their own.
PRELOADED = ("questions", "registration_settings", "forum_choice_settings", "schedule_releases")
# A registration's statements: the conference with everything it needs, two seat UPDATEs,
# the registration, its queued e-mail, its history line.
REGISTRATION_STATEMENTS = ["SELECT", "UPDATE", "UPDATE", "INSERT", "INSERT", "INSERT"]


class Statement(str):
    """A statement's text, shown shortened in a failing assertion's list."""

    def __repr__(self) -> str:
        return repr(self[:160])


@contextmanager
def statements():
    """The statements sent meanwhile, without SQLite's ``BEGIN IMMEDIATE`` (PostgreSQL's
    BEGIN is not a statement the driver is given, so both databases count alike)."""
    sent: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith("BEGIN"):
            sent.append(Statement(" ".join(statement.split())))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def big_conference(ctx, size: int):
    """A conference with ``size`` categories, forums, sessions (two speakers each) and
    questions, and ``size * 5`` registrations."""
    data = conference_json()
    data["categories"] = [
        {"code": "delegate", "name": "正式代表", "capacity": 300},
        *({"code": f"c{i}", "name": f"类别{i}", "capacity": 50} for i in range(1, size)),
    ]
    data["forums"] = [{"code": f"f{i}", "name": f"分论坛{i}"} for i in range(size)]
    data["sessions"] = [
        {
            "code": f"s{i}",
            "title": f"报告{i}",
            "kind": "talk",
            "room": "hall-a",
            "forum": f"f{i}",
            "starts_at": f"2026-12-18T{8 + i % 10:02d}:00",
            "ends_at": f"2026-12-18T{8 + i % 10:02d}:30",
            "capacity": None,
            "speakers": [
                {"name": f"讲者{i}甲", "affiliation": "四川大学", "role": "speaker"},
                {"name": f"讲者{i}乙", "affiliation": "重庆大学", "role": "speaker"},
            ],
        }
        for i in range(size)
    ]
    data["questions"] = [
        {"code": f"q{i}", "label": f"问题{i}", "kind": "text", "required": False}
        for i in range(size)
    ]
    conference = make_conference(**{k: v for k, v in data.items() if k != "slug"})
    for _ in range(size * 5):
        register(conference, applicant(), by_staff=True, send_mail=False)
    publish(conference, "v1")  # the public sees the published programme only
    db.session.commit()
    return conference


def person() -> dict:
    who = applicant()
    return {
        "category": "delegate",
        "name": who.name,
        "email": who.email,
        "phone": who.phone,
        "organization": "四川大学",
    }


@pytest.mark.parametrize("size", [1, 6])
def test_a_registration_through_the_api_sends_six_statements(ctx, client, size):
    ctx.config["MAIL_DELIVERY"] = "queue"  # as in production: the worker sends it
    big_conference(ctx, size)
    client.post(API, json=person())  # warm up: templates, mappers
    with statements() as sent:
        response = client.post(API, json=person())
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "confirmed"
    # The conference with its categories, questions and the domains' settings (may one phone
    # be shared? are forums asked?); the conference's and the category's seats (two
    # conditional UPDATEs, the first one taking the conference's row lock); the registration;
    # its e-mail in the outbox; the history line. No duplicate query (the unique indexes
    # refuse), no re-read after the commit.
    assert len(sent) == 6, "\n".join(s[:160] for s in sent)
    assert [s.split()[0] for s in sent] == REGISTRATION_STATEMENTS
    assert all(f"FROM {table}" in sent[0] for table in PRELOADED)


def test_a_duplicate_is_still_refused_and_changes_nothing(ctx, client):
    big_conference(ctx, 1)
    first = person()
    assert client.post(API, json=first).status_code == 201
    again = {**person(), "email": first["email"].upper()}
    with statements() as sent:
        response = client.post(API, json=again)
    assert response.status_code == 409
    assert "already registered" in response.get_json()["message"]
    same_phone = {**person(), "phone": "+86 " + first["phone"]}
    assert client.post(API, json=same_phone).status_code == 409
    # The refused attempt took no seat: the seat counters and rows are as they were.
    from eventsys.conferences.models import Category, Conference

    db.session.expire_all()
    delegate = db.session.execute(
        db.select(Category).where(Category.code == "delegate")
    ).scalar_one()
    conference = db.session.execute(db.select(Conference)).scalar_one()
    assert delegate.seats_taken == conference.seats_taken == 5 + 1
    assert any("INSERT INTO registrations" in s for s in sent)  # the index decided


@pytest.mark.parametrize("size", [1, 6])
def test_the_attendee_page_sends_one_statement(ctx, client, size):
    conference = big_conference(ctx, size)
    token = register(conference, applicant(), by_staff=True, send_mail=False).manage_token
    db.session.commit()
    client.get(f"/r/{token}")
    with statements() as sent:
        response = client.get(f"/r/{token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<svg" in html and "正式代表" in html
    # The registration with its conference, its category and the domains' facts (the
    # questions, the forum-choice settings, the latest release, whether they were checked
    # in). The release itself was read and opened once by the worker (the first view).
    assert len(sent) == 1, "\n".join(s[:160] for s in sent)
    assert all(f"FROM {table}" in sent[0] for table in (*PRELOADED, "checkin_states"))
    assert all(f"问题{i}" in html for i in range(size))


@pytest.mark.parametrize("size", [1, 6])
def test_the_public_page_sends_one_statement(ctx, client, size):
    big_conference(ctx, size)
    client.get("/c/cy-2026/")
    with statements() as sent:
        response = client.get("/c/cy-2026/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"分论坛{size - 1}" in html and f"讲者{size - 1}乙" in html
    assert len(re.findall(r'class="session"', html)) == size
    # The conference with its categories, forums and the latest release's id. The release
    # (the programme with rooms, forums and speakers) was read, opened and its section
    # rendered once by the worker, on the first view.
    assert len(sent) == 1, "\n".join(s[:160] for s in sent)
    assert all(f"FROM {table}" in sent[0] for table in PRELOADED)


def test_a_new_release_shows_at_once_on_the_public_and_attendee_pages(ctx, client):
    from eventsys.schedule.models import ScheduleSession

    conference = big_conference(ctx, 2)
    token = register(conference, applicant(), by_staff=True, send_mail=False).manage_token
    db.session.commit()
    assert "第一场改名" not in client.get("/c/cy-2026/").get_data(as_text=True)
    client.get(f"/r/{token}")  # both pages have read and kept release v1
    session = db.session.execute(db.select(ScheduleSession).limit(1)).scalar_one()
    session.title = "第一场改名"
    publish(conference, "v2")
    db.session.commit()
    with statements() as sent:
        html = client.get("/c/cy-2026/").get_data(as_text=True)
    assert "第一场改名" in html
    assert len(sent) == 2, "\n".join(s[:160] for s in sent)  # the new release is read once
    with statements() as sent:
        assert client.get(f"/r/{token}").status_code == 200
    assert len(sent) == 1, "\n".join(s[:160] for s in sent)


def test_the_pages_that_only_read_send_no_begin_or_rollback_and_writes_stay_atomic(ctx, client):
    """On PostgreSQL the attendee's page and the public page run their statement outside a
    transaction (psycopg sends BEGIN and ROLLBACK as round trips of their own); the pooled
    connection they used is transactional again for the next request, so a registration's
    seat UPDATEs and INSERTs still commit or fail together. SQLite keeps its transaction."""
    ctx.config["MAIL_DELIVERY"] = "queue"  # as in production: the worker sends it
    conference = big_conference(ctx, 1)
    token = register(conference, applicant(), by_staff=True, send_mail=False).manage_token
    db.session.commit()
    postgresql = ctx.config["TEST_DATABASE"] == "postgresql"
    seen: list[tuple[str, bool]] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        driver = conn.connection.dbapi_connection
        autocommit = driver.autocommit if postgresql else driver.in_transaction is False
        kind = statement.split()[0].upper()
        if kind != "BEGIN":  # SQLite's BEGIN IMMEDIATE
            seen.append((kind, bool(autocommit)))

    client.get(f"/r/{token}")
    client.get("/c/cy-2026/")
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert client.get(f"/r/{token}").status_code == 200
        assert client.get("/c/cy-2026/").status_code == 200
        reads = list(seen)
        seen.clear()
        assert client.post(API, json=person()).status_code == 201
        writes = list(seen)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert [kind for kind, _ in reads] == ["SELECT", "SELECT"]
    assert all(autocommit == postgresql for _, autocommit in reads), reads
    assert [kind for kind, _ in writes] == REGISTRATION_STATEMENTS
    assert not any(autocommit for _, autocommit in writes), writes
