"""Links in e-mails never take their host from a forged Host header.

A reset link or a private registration link goes to someone other than whoever sent the
request, so its host comes only from EVENTSYS_BASE_URL or from a host Flask has checked against
TRUSTED_HOSTS (EVENTSYS_TRUSTED_HOSTS); without either, no such link is sent.
"""

from __future__ import annotations

import logging
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from eventsys import create_app
from eventsys.extensions import db
from eventsys.registration.services import register
from tests.conftest import CSRF_RE, Client, build_app
from tests.factories import applicant, make_conference, make_user


def mails(app) -> list[str]:
    outbox = Path(app.config["MAIL_OUTBOX"])
    bodies = []
    for path in sorted(outbox.iterdir()) if outbox.exists() else []:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        bodies.append(message.get_body(preferencelist=("plain",)).get_content())
    return bodies


def links(app) -> list[str]:
    return [link for body in mails(app) for link in re.findall(r"https?://\S+", body)]


def post_form(client, page: str, data: dict, host: str):
    """A browser on ``host`` (the Host header it sends) fills in the form on ``page``."""
    base = f"http://{host}"
    html = client.get(page, base_url=base).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, html[:500]
    data = {**data, "csrf_token": match.group(1) or match.group(2)}
    return client.post(page, data=data, base_url=base)


def forgot_and_resend(app, host: str):
    """Ask for a reset link and for the registration link again, from ``host``."""
    app.test_client_class = Client
    client = app.test_client()
    with app.app_context():
        make_user("org@example.com")
        conference = make_conference()
        register(conference, applicant(email="wm@example.com"), send_mail=False)
        db.session.commit()
    first = post_form(client, "/password/forgot", {"email": "org@example.com"}, host)
    second = post_form(client, "/c/cy-2026/resend", {"email": "wm@example.com"}, host)
    return first, second


@pytest.fixture
def make(tmp_path):
    def make(**config):
        return build_app("sqlite", tmp_path, **config)

    return make


def test_forged_host_without_configuration_gets_no_link(make, caplog):
    app = make()
    with caplog.at_level(logging.ERROR):
        forgot, resend = forgot_and_resend(app, "evil.example")
    # The same answers as ever (they must not tell who has an account or a registration) ...
    assert forgot.status_code == 302 and resend.status_code == 302
    # ... but nothing was mailed to a link on the forged host, nor anywhere else.
    assert not any("evil.example" in body for body in mails(app))
    assert links(app) == []
    assert "EVENTSYS_BASE_URL" in caplog.text and "evil.example" in caplog.text


def test_configured_base_url_wins_over_the_host_header(make):
    app = make(EVENTSYS_BASE_URL="https://meeting.example.org")
    forgot_and_resend(app, "evil.example")
    found = links(app)
    assert len(found) == 2
    assert all(link.startswith("https://meeting.example.org/") for link in found)
    assert any("/password/reset/" in link for link in found)
    assert any("/r/" in link for link in found)


def test_trusted_hosts_refuse_other_hosts_and_link_to_the_trusted_one(make):
    app = make(TRUSTED_HOSTS=["meeting.example.org"])
    app.test_client_class = Client
    forged = app.test_client().get("/password/forgot", base_url="http://evil.example")
    assert forged.status_code == 400
    forgot, resend = forgot_and_resend(app, "meeting.example.org")
    assert forgot.status_code == 302 and resend.status_code == 302
    found = links(app)
    assert len(found) == 2
    assert all(link.startswith("http://meeting.example.org/") for link in found)


def test_registration_still_works_when_its_mail_cannot_carry_a_link(make):
    """A web registration from an untrusted host is stored and shown; only the mail is held."""
    app = make()
    app.test_client_class = Client
    client = app.test_client()
    with app.app_context():
        make_conference()
    data = {
        "category": "delegate",
        "name": "王敏",
        "email": "wm@example.com",
        "phone": "13912345678",
        "consent": "y",
    }
    response = post_form(client, "/c/cy-2026/register", data, "evil.example")
    assert response.status_code == 302 and "/r/" in response.headers["Location"]
    assert mails(app) == []


def test_local_addresses_are_fine_in_testing(make):
    """The tests' own client (host ``localhost``) and the dev server get links as before."""
    app = make()
    forgot_and_resend(app, "localhost")
    assert len(links(app)) == 2
    assert all(link.startswith("http://localhost/") for link in links(app))


def test_trusted_hosts_and_cookie_settings_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("EVENTSYS_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("EVENTSYS_SECRET_KEY", "a-secret-key-for-this-test-only")
    monkeypatch.setenv("EVENTSYS_TRUSTED_HOSTS", "meeting.example.org, .example.net")
    monkeypatch.setenv("EVENTSYS_SESSION_COOKIE_SECURE", "1")
    monkeypatch.delenv("EVENTSYS_BASE_URL", raising=False)
    monkeypatch.delenv("EVENTSYS_REDIS_URL", raising=False)
    app = create_app()
    assert app.config["TRUSTED_HOSTS"] == ["meeting.example.org", ".example.net"]
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
