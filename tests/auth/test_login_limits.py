"""The per-account limit on failed sign-ins holds across addresses, workers and servers: in
the database without Redis, in Redis with it."""

from __future__ import annotations

import re
import time
import uuid

import pytest
from sqlalchemy import func, select

from eventsys.auth.models import LoginFailure
from eventsys.extensions import db
from tests.conftest import Client, build_app, login, submit
from tests.factories import PASSWORD, make_user


def browser(app, address: str):
    """A browser at its own address (so per-address limits never apply)."""
    app.test_client_class = Client
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def addresses():
    number = 0
    while True:
        number += 1
        yield f"10.0.{number // 250}.{number % 250 + 1}"


def two_workers(tmp_path, **config):
    """Two app instances on one database stand for two gunicorn workers (or two servers)."""
    first = build_app("sqlite", tmp_path, **config)
    second = build_app("sqlite", tmp_path, **config)
    return first, second


def test_failures_from_many_addresses_and_workers_add_up_per_account(tmp_path):
    first, second = two_workers(tmp_path)
    with first.app_context():
        make_user("org@example.com")
        make_user("colleague@example.com")
    where = addresses()
    statuses = [
        login(browser(worker, next(where)), "org@example.com", f"guess-{n}").status_code
        for n, worker in enumerate([first, second] * 5)
    ]
    assert statuses == [401] * 10
    # The 11th, from a new address on either worker, waits, even with the right password.
    refused = login(browser(second, next(where)), "org@example.com", PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    page = refused.get_data(as_text=True)
    assert "此账号登录失败次数过多" in page and "即使密码正确" in page
    assert login(browser(first, next(where)), "org@example.com", PASSWORD).status_code == 429
    # Other accounts are not affected.
    assert login(browser(first, next(where)), "colleague@example.com", PASSWORD).status_code == 302


def test_the_message_in_english(tmp_path):
    (app,) = two_workers(tmp_path)[:1]
    with app.app_context():
        make_user("org@example.com")
    where = addresses()
    for _ in range(10):
        login(browser(app, next(where)), "org@example.com", "nope-nope")
    client = browser(app, next(where))
    submit(client, "/login", {"next": "/login"}, action="/language/en")
    page = login(client, "org@example.com", PASSWORD).get_data(as_text=True)
    assert "Too many failed sign-ins for this account" in page
    assert re.search(r"Wait \d+ minute", page)
    assert "even the right password is refused" in page


def test_a_successful_sign_in_does_not_wipe_out_the_failures(tmp_path):
    first, second = two_workers(tmp_path)
    with first.app_context():
        make_user("org@example.com")
    where = addresses()
    for _ in range(9):
        assert login(browser(first, next(where)), "org@example.com", "nope").status_code == 401
    # The real user signs in in between (from the office) ...
    assert login(browser(second, next(where)), "org@example.com", PASSWORD).status_code == 302
    # ... and the guesser has one try left, not ten fresh ones.
    assert login(browser(first, next(where)), "org@example.com", "nope").status_code == 401
    assert login(browser(first, next(where)), "org@example.com", "nope").status_code == 429


def test_unknown_accounts_are_limited_alike(tmp_path):
    """The limit does not tell which e-mail addresses have an account."""
    (app,) = two_workers(tmp_path)[:1]
    where = addresses()
    statuses = [
        login(browser(app, next(where)), "nobody@example.com", "nope").status_code
        for _ in range(11)
    ]
    assert statuses == [401] * 10 + [429]


def test_failures_expire_with_the_window(tmp_path):
    (app,) = two_workers(tmp_path, LOGIN_FAILURE_LIMIT="3 per 2 seconds")[:1]
    with app.app_context():
        make_user("org@example.com")
    where = addresses()
    for _ in range(3):
        login(browser(app, next(where)), "org@example.com", "nope")
    assert login(browser(app, next(where)), "org@example.com", PASSWORD).status_code == 429
    time.sleep(2.1)
    assert login(browser(app, next(where)), "org@example.com", PASSWORD).status_code == 302


def test_with_redis_the_count_lives_in_redis(tmp_path):
    import redis

    url = "redis://127.0.0.1:6379/13"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    first, second = two_workers(tmp_path, REDIS_URL=url)
    email = f"org-{uuid.uuid4().hex[:8]}@example.com"  # parallel runs share this Redis
    with first.app_context():
        make_user(email)
    where = addresses()
    for worker in [first, second] * 5:
        assert login(browser(worker, next(where)), email, "nope").status_code == 401
    assert login(browser(second, next(where)), email, PASSWORD).status_code == 429
    with first.app_context():
        assert db.session.execute(select(func.count()).select_from(LoginFailure)).scalar() == 0
    keys = redis.Redis.from_url(url).keys("eventsys:login-failures:*")
    assert keys
    redis.Redis.from_url(url).delete(*keys)
