"""Staff see the mails of their conference that could not be delivered, and send them again."""

from __future__ import annotations

import re

import pytest

from eventsys.extensions import db
from tests.conftest import build_app, login, submit
from tests.factories import PASSWORD, make_conference, make_registration, make_user
from tests.jobs.helpers import SmtpServer, outbox_rows
from tests.registration.test_mail import subject


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def app(tmp_path, smtp):
    app = build_app("sqlite", tmp_path, SMTP_URL=smtp.url)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def sign_in(client, conference, role="staff", email=None):
    email = email or f"{role}@example.com"
    with client.application.app_context():
        make_user(email, role, db.session.merge(conference))
    assert login(client, email, PASSWORD).status_code == 302
    submit(client, "/manage/", {"next": "/manage/"}, action="/language/en")


def text(response) -> str:
    return response.get_data(as_text=True)


def test_failed_mail_is_listed_with_its_error_and_can_be_resent(app, smtp):
    smtp.inbox.refuse = True  # the server refuses the address for good
    with app.app_context():
        conference = make_conference()
        make_registration(conference, name="王敏", email="wm@example.com")
        make_registration(conference, name="李雷", email="ll@example.com")
        other = make_conference(slug="other-2026")
        make_registration(other, email="elsewhere@example.com")
        db.session.remove()
    rows = outbox_rows(app)
    assert [row.status for row in rows] == ["failed"] * 3
    assert smtp.inbox.messages == []

    client = app.test_client()
    sign_in(client, conference)
    page = text(client.get("/manage/cy-2026/mail"))
    assert "wm@example.com" in page and "ll@example.com" in page
    assert "elsewhere@example.com" not in page  # another conference's mail
    assert "550" in page and "mailbox unavailable" in page
    assert "Failed" in page and "Resend all failed" in page
    assert 'href="/manage/cy-2026/mail"' in page  # in the conference's navigation

    # Without the form's CSRF token nothing happens.
    first = rows[0]
    assert client.post(f"/manage/cy-2026/mail/{first.id}/resend").status_code == 400
    # Another conference's mail cannot be resent from this one.
    other_row = rows[2]
    refused = submit(
        client, "/manage/cy-2026/mail", {}, action=f"/manage/cy-2026/mail/{other_row.id}/resend"
    )
    assert refused.status_code == 302
    assert outbox_rows(app)[2].status == "failed"

    smtp.inbox.refuse = False  # the address was fixed on the server's side
    response = submit(
        client, "/manage/cy-2026/mail", {}, action=f"/manage/cy-2026/mail/{first.id}/resend"
    )
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "The e-mail is queued to be sent again." in page
    assert [m["To"] for m in smtp.inbox.messages] == ["wm@example.com"]
    assert "报名已确认" in subject(smtp.inbox.messages[0])
    assert "wm@example.com" not in page and "ll@example.com" in page

    response = submit(
        client, "/manage/cy-2026/mail", {}, action="/manage/cy-2026/mail/resend-failed"
    )
    page = text(client.get(response.headers["Location"]))
    assert "E-mails queued to be sent again: 1." in page
    assert sorted(m["To"] for m in smtp.inbox.messages) == ["ll@example.com", "wm@example.com"]
    assert "Every e-mail of this conference has been sent." in page
    assert re.search(r"Sent: 2\b", page)
    assert [row.status for row in outbox_rows(app)] == ["sent", "sent", "failed"]


def test_the_mail_page_is_for_staff_of_the_conference(app):
    with app.app_context():
        conference = make_conference()
        make_conference(slug="other-2026")
        db.session.remove()
    client = app.test_client()
    assert client.get("/manage/cy-2026/mail").status_code == 302  # to the login page
    sign_in(client, conference, role="checkin")
    assert client.get("/manage/cy-2026/mail").status_code == 403
    assert client.get("/manage/other-2026/mail").status_code == 403
