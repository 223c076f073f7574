"""Mail leaves the request: it is written to the outbox with the registration and the worker
(run for real, in threads of the test process) delivers it, through SMTP outages, Redis
outages and two workers at once."""

from __future__ import annotations

import time
import uuid
from email import message_from_bytes
from pathlib import Path

import pytest
import redis

from eventsys.extensions import db
from eventsys.jobs.worker import Worker
from tests.conftest import DATABASES, build_app, submit
from tests.factories import applicant, make_conference
from tests.jobs.helpers import SmtpServer, outbox_rows, wait_for
from tests.registration.test_mail import subject

QUEUED = {
    "MAIL_DELIVERY": "queue",  # as in production: the worker sends, not the request
    "MAIL_RETRY_BASE_SECONDS": 0.2,
    "MAIL_RETRY_MAX_SECONDS": 1,
    "MAIL_SWEEP_SECONDS": 0.5,
}

PERSON = {
    "category": "delegate",
    "name": "王敏",
    "phone": "138 0013 8000",
    "email": "wangmin@example.com",
    "organization": "四川大学",
    "position": "教授",
    "consent": "y",
}


@pytest.fixture
def smtp():
    server = SmtpServer()
    yield server
    server.stop()


def make_app(database, tmp_path, **extra):
    app = build_app(database, tmp_path, **{**QUEUED, **extra})
    return app


def dispose(app):
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def register_people(app, *emails):
    from eventsys.registration.services import register

    with app.app_context():
        conference = make_conference()
        for email in emails:
            register(conference, applicant(email=email))
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("database", DATABASES)
def test_mail_sent_while_the_smtp_server_is_down_arrives_once_it_is_back(database, tmp_path, smtp):
    app = make_app(database, tmp_path, SMTP_URL=smtp.url)
    try:
        with Worker(app):
            register_people(app, "down@example.com")
            # The server is down: the worker tries, fails, and keeps the mail.
            wait_for(lambda: outbox_rows(app)[0].attempts >= 2, message="failed attempts")
            (row,) = outbox_rows(app)
            assert row.status == "queued" and "Connection refused" in row.last_error
        # The worker restarts while the server is still down …
        time.sleep(0.3)
        with Worker(app):
            smtp.start()  # … and the server comes back.
            wait_for(lambda: smtp.inbox.messages, message="the mail to arrive")
            wait_for(lambda: outbox_rows(app)[0].status == "sent", message="status sent")
        (message,) = smtp.inbox.messages
        assert message["To"] == "down@example.com"
        assert "报名已确认" in subject(message)
        (row,) = outbox_rows(app)
        assert row.sent_at is not None and row.last_error == ""
    finally:
        dispose(app)


@pytest.mark.parametrize("database", DATABASES)
def test_two_workers_send_each_mail_exactly_once(database, tmp_path, smtp):
    smtp.start()
    app = make_app(database, tmp_path, SMTP_URL=smtp.url, MAIL_SWEEP_SECONDS=0.1)
    emails = [f"p{n}@example.com" for n in range(40)]
    try:
        with Worker(app, threads=3), Worker(app, threads=3):
            register_people(app, *emails)
            wait_for(
                lambda: all(row.status == "sent" for row in outbox_rows(app)),
                message="all sent",
            )
            time.sleep(1)  # a duplicate would arrive now
        received = sorted(message["To"] for message in smtp.inbox.messages)
        assert received == sorted(emails)
        assert all(row.attempts == 1 for row in outbox_rows(app))
    finally:
        dispose(app)


def test_the_queue_delivers_without_waiting_for_the_sweep(tmp_path):
    """The job queued at commit sends the mail; the sweep (once a minute here) is not needed."""
    app = make_app("sqlite", tmp_path, MAIL_SWEEP_SECONDS=60)
    outbox = Path(app.config["MAIL_OUTBOX"])
    try:
        with Worker(app):
            time.sleep(0.3)  # the sweep's first round is over
            register_people(app, "queued@example.com")
            (path,) = wait_for(lambda: list(outbox.glob("*.eml")), message="the .eml file")
        assert message_from_bytes(path.read_bytes())["To"] == "queued@example.com"
    finally:
        dispose(app)


def redis_url(db_number: int = 5) -> str:
    return f"redis://127.0.0.1:6379/{db_number}"


def test_the_redis_queue_delivers(tmp_path):
    try:
        redis.Redis.from_url(redis_url(), socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    name = f"eventsys-test-{uuid.uuid4().hex[:8]}"
    app = make_app(
        "sqlite",
        tmp_path,
        REDIS_URL=redis_url(),
        JOBS_QUEUE_NAME=name,
        MAIL_SWEEP_SECONDS=60,
        RATELIMIT_STORAGE_URI="memory://",
    )
    outbox = Path(app.config["MAIL_OUTBOX"])
    try:
        with Worker(app):
            time.sleep(0.3)
            register_people(app, "redis@example.com")
            wait_for(lambda: list(outbox.glob("*.eml")), message="the .eml file")
    finally:
        with app.app_context():
            from eventsys.jobs import huey_of

            huey_of().flush()
        dispose(app)


def test_a_redis_outage_neither_blocks_a_registration_nor_loses_its_mail(tmp_path):
    app = make_app(
        "sqlite",
        tmp_path,
        REDIS_URL="redis://127.0.0.1:1/5",  # nothing listens there
        # The rate limiter's own Redis fall-back is not what this test is about.
        RATELIMIT_ENABLED=False,
    )
    outbox = Path(app.config["MAIL_OUTBOX"])
    try:
        with app.app_context():
            make_conference()
            db.session.remove()
        client = app.test_client()
        started = time.monotonic()
        response = submit(client, "/c/cy-2026/register", PERSON)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        assert time.monotonic() - started < 5
        (row,) = outbox_rows(app)
        assert row.status == "queued" and row.to_address == "wangmin@example.com"
        # The worker cannot reach Redis either; its sweep sends the mail from the database.
        with Worker(app):
            (path,) = wait_for(lambda: list(outbox.glob("*.eml")), message="the .eml file")
        assert message_from_bytes(path.read_bytes())["To"] == "wangmin@example.com"
        assert outbox_rows(app)[0].status == "sent"
    finally:
        dispose(app)


def test_a_rolled_back_change_sends_no_mail(tmp_path):
    app = make_app("sqlite", tmp_path, MAIL_DELIVERY="immediate")
    from eventsys.registration.services import register

    try:
        with app.app_context():
            conference = make_conference()
            register(conference, applicant(email="never@example.com"))
            db.session.rollback()
            register(conference, applicant(email="kept@example.com"))
            db.session.commit()
            db.session.remove()
        assert [row.to_address for row in outbox_rows(app)] == ["kept@example.com"]
        assert len(list(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))) == 1
    finally:
        dispose(app)
