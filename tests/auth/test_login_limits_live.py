"""The per-account sign-in limit under gunicorn: 4 workers, guesses from 10 addresses at once.

Before the limit was kept in the database, each worker counted alone and per address, so 40
concurrent guesses from 10 addresses all had their password checked; now 10 are, whatever the
number of workers, addresses or concurrent requests (SQLite file and PostgreSQL).
"""

from __future__ import annotations

import http.client
from collections import Counter
from urllib.parse import urlencode

import pytest

from eventsys.extensions import db
from tests.conftest import CSRF_RE, PG_URL, build_app
from tests.factories import PASSWORD, make_user
from tests.registration.live import GunicornServer, fire

pytestmark = pytest.mark.slow

GUESSES = 40
ADDRESSES = [f"203.0.113.{n}" for n in range(1, 11)]


def sign_in(url: str, email: str, password: str, address: str) -> int:
    """A browser at ``address`` (behind the one trusted proxy) opens /login and signs in."""
    conn = http.client.HTTPConnection(url.removeprefix("http://"), timeout=60)
    try:
        headers = {"X-Forwarded-For": address}
        conn.request("GET", "/login", headers=headers)
        page = conn.getresponse()
        html = page.read().decode()
        cookie = page.getheader("Set-Cookie").split(";")[0]
        match = CSRF_RE.search(html)
        body = urlencode(
            {"email": email, "password": password, "csrf_token": match.group(1) or match.group(2)}
        )
        headers |= {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        conn.request("POST", "/login", body=body, headers=headers)
        answer = conn.getresponse()
        answer.read()
        return answer.status
    except (OSError, http.client.HTTPException):
        return 0
    finally:
        conn.close()


@pytest.mark.parametrize("database", ["sqlite"] + (["postgresql"] if PG_URL else []))
def test_concurrent_guesses_from_many_addresses_on_four_workers(database, tmp_path):
    app = build_app(database, tmp_path)
    with app.app_context():
        make_user("org@example.com")
        db.session.remove()
    server = GunicornServer(
        database_url=app.config["SQLALCHEMY_DATABASE_URI"],
        scratch=tmp_path / "gunicorn",
        workers=4,
        threads=4,
        env={"EVENTSYS_TRUSTED_PROXIES": "1"},
    )
    try:
        with server:
            guesses = [(f"guess-{n}", ADDRESSES[n % len(ADDRESSES)]) for n in range(GUESSES)]
            statuses = Counter(
                fire(lambda g: sign_in(server.url, "org@example.com", *g), guesses, max_workers=20)
            )
            # At most ten passwords were checked (401); the rest waited without a check (429).
            # Two attempts racing for the tenth place may both see eleven and both wait: the
            # limit errs towards refusing, never towards an eleventh guess.
            assert set(statuses) <= {401, 429}, (statuses, server.log())
            assert 8 <= statuses[401] <= 10, (statuses, server.log())
            assert statuses[401] + statuses[429] == GUESSES
            # After such a race fewer than ten places are held: wrong guesses fill them first
            # (checked: 401), so that the account is at its limit.
            for n in range(10 - statuses[401]):
                assert sign_in(server.url, "org@example.com", f"late-{n}", "198.51.100.8") == 401
            # and the right password waits too, from yet another address
            assert sign_in(server.url, "org@example.com", PASSWORD, "198.51.100.7") == 429
    finally:
        with app.app_context():
            db.engine.dispose()
