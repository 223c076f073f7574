"""A Redis outage does not stop sign-in or registration: limits count in memory (and the
per-account sign-in limit in the database) meanwhile, and the switch is logged."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import Client, build_app, login, submit
from tests.factories import PASSWORD, make_conference, make_user
from tests.registration.live import free_port


@pytest.fixture
def app_without_redis(tmp_path):
    # Nothing listens on this port: every Redis call fails at once, as in an outage.
    url = f"redis://127.0.0.1:{free_port()}/0"
    app = build_app("sqlite", tmp_path, REDIS_URL=url)
    assert app.config["RATELIMIT_STORAGE_URI"] == url
    app.test_client_class = Client
    with app.app_context():
        make_user("org@example.com")
        make_conference()
    return app


def test_sign_in_works_while_redis_is_down(app_without_redis, caplog):
    client = app_without_redis.test_client()
    with caplog.at_level(logging.WARNING):
        assert login(client, "org@example.com", "wrong-password").status_code == 401
        assert login(client, "org@example.com", PASSWORD).status_code == 302
    assert client.get("/manage/").status_code == 200
    assert "falling back to in-memory storage" in caplog.text
    assert "Redis unavailable for the sign-in limit" in caplog.text


def test_registration_works_while_redis_is_down(app_without_redis):
    client = app_without_redis.test_client()
    data = {
        "category": "delegate",
        "name": "王敏",
        "email": "wm@example.com",
        "phone": "13912345678",
        "consent": "y",
    }
    response = submit(client, "/c/cy-2026/register", data)
    assert response.status_code == 302 and "/r/" in response.headers["Location"]
    assert "王敏" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_limits_still_hold_while_redis_is_down(app_without_redis):
    client = app_without_redis.test_client()
    statuses = [login(client, "org@example.com", "nope-nope").status_code for _ in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    assert login(client, "org@example.com", PASSWORD).status_code == 429
