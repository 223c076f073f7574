"""E-mails go out through a real SMTP server when one is configured."""

import socket
import time
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from eventsys.extensions import db
from tests.conftest import build_app
from tests.factories import applicant, make_conference


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_registration_mail_over_smtp_in_the_attendees_language(tmp_path, smtp):
    controller, inbox = smtp
    app = build_app(
        "sqlite",
        tmp_path,
        SMTP_URL=f"smtp://127.0.0.1:{controller.port}",
        MAIL_FROM="会务组 <meeting@example.org>",
        EVENTSYS_BASE_URL="https://meeting.example.org",
        MAIL_TICKET_PDF=True,
    )
    from eventsys.registration.services import register

    with app.app_context():
        conference = make_conference()
        register(conference, applicant(name="王敏", email="wm@example.com", locale="zh_CN"))
        register(conference, applicant(name="Alice", email="alice@example.com", locale="en"))
        db.session.commit()
    deadline = time.monotonic() + 5
    while len(inbox.messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(inbox.messages) == 2
    chinese, english = sorted(inbox.messages, key=lambda m: m["To"] != "wm@example.com")
    assert chinese["To"] == "wm@example.com"
    assert "报名已确认" in subject(chinese)
    # HTML with a plain-text part (the text is the first alternative), and the e-ticket
    # attached beside them.
    assert chinese.get_content_type() == "multipart/mixed"
    alternative = chinese.get_payload()[0]
    assert alternative.get_content_type() == "multipart/alternative"
    assert chinese.get_payload()[1].get_content_type() == "application/pdf"
    body = alternative.get_payload()[0].get_payload(decode=True).decode("utf-8")
    assert "王敏" in body and "https://meeting.example.org/r/" in body
    assert "confirmed" in subject(english)
    assert "meeting@example.org" in english["From"]


def test_a_down_mail_server_does_not_lose_the_registration(tmp_path):
    app = build_app("sqlite", tmp_path, SMTP_URL=f"smtp://127.0.0.1:{free_port()}")
    from eventsys.registration.models import Registration
    from eventsys.registration.services import register

    with app.app_context():
        conference = make_conference()
        register(conference, applicant())
        db.session.commit()
        assert db.session.query(Registration).count() == 1


def test_a_line_break_in_the_conference_title_does_not_break_registration(tmp_path, smtp):
    """Mail headers refuse line breaks: a title typed with one used to answer every
    registration with a bare 500 after it was stored (and the retry with 409)."""
    from email import message_from_bytes
    from pathlib import Path

    from eventsys.conferences.models import Conference
    from tests.conftest import submit

    app = build_app("sqlite", tmp_path)
    with app.app_context():
        conference = make_conference()
        conference.title = "第五届川渝\r\n科技学术大会"
        conference.title_en = "5th Sichuan-Chongqing\r\nConference"
        db.session.commit()
        assert db.session.get(Conference, conference.id).title.count("\r\n") == 1
    client = app.test_client()
    person = {
        "category": "delegate",
        "name": "王敏",
        "phone": "138 0013 8000",
        "email": "wangmin@example.com",
        "organization": "四川大学",
        "consent": "y",
    }
    response = submit(client, "/c/cy-2026/register", person)
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code == 200
    (path,) = Path(app.config["MAIL_OUTBOX"]).glob("*.eml")
    message = message_from_bytes(path.read_bytes())
    assert subject(message) == "报名已确认 · 第五届川渝 科技学术大会"
    assert message["To"] == "wangmin@example.com"

    api = client.post(
        "/api/v1/conferences/cy-2026/registrations",
        json={**person, "email": "alice@example.com", "phone": "13900000001", "name": "Alice"},
    )
    assert api.status_code == 201, api.get_json()
    assert len(list(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))) == 2
