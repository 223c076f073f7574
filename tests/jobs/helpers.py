"""Shared by the job tests: a real SMTP server that can be stopped, refuse, and start again,
and a wait that polls the database."""

from __future__ import annotations

import time

from aiosmtpd.controller import Controller
from sqlalchemy import select

from eventsys.extensions import db
from eventsys.mail import OutboxMail
from tests.registration.test_mail import Inbox, free_port


class Mailbox(Inbox):
    """Accepts mail, or refuses every recipient for good (550) while ``refuse`` is set."""

    def __init__(self):
        super().__init__()
        self.refuse = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class SmtpServer:
    """An aiosmtpd server on a fixed port, so it can be down for a while and come back."""

    def __init__(self):
        self.port = free_port()
        self.inbox = Mailbox()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpServer:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def wait_for(condition, timeout: float = 20, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(0.1)


def outbox_rows(app) -> list[OutboxMail]:
    with app.app_context():
        rows = list(db.session.execute(select(OutboxMail).order_by(OutboxMail.id)).scalars())
        db.session.remove()
        return rows
