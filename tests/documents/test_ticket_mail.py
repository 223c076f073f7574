"""The e-ticket travels with the confirmation mail: a PDF file attached by the worker (the
documents domain registers the builder), for confirmed registrations only."""

from __future__ import annotations

import subprocess

from tests.conftest import submit
from tests.registration.test_mail_content import (  # noqa: F401
    app,
    last_to,
    register,
    staff_client,
)


def pdfs(message) -> list:
    return [p for p in message.walk() if p.get_content_type() == "application/pdf"]


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "ticket.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_a_confirmed_registration_gets_its_e_ticket_as_a_pdf(app, tmp_path):  # noqa: F811
    _id, email = register(app, name="王敏", organization="四川大学")
    message = last_to(app, email)
    (ticket,) = pdfs(message)
    assert ticket.get_filename().endswith(".pdf") and "ticket" in ticket.get_filename()
    assert ticket.get_content_disposition() == "attachment"
    data = ticket.get_content()
    assert data.startswith(b"%PDF")
    text = pdf_text(data, tmp_path)
    assert "王敏" in text and "四川大学" in text
    text_part = message.get_body(("plain",)).get_content()
    html_part = message.get_body(("html",)).get_content()
    assert (
        "电子票已作为 PDF 附在本邮件中" in text_part
        and "电子票已作为 PDF 附在本邮件中" in html_part
    )
    # The QR code inline is still there beside it.
    assert [p.get_content_type() for p in message.walk() if p.get_content_maintype() == "image"]


def test_an_english_ticket_for_an_english_registration(app, tmp_path):  # noqa: F811
    _id, email = register(app, name="Alice Smith", locale="en")
    message = last_to(app, email)
    assert "Your e-ticket is attached as a PDF" in message.get_body(("plain",)).get_content()
    (ticket,) = pdfs(message)
    assert "Alice Smith" in pdf_text(ticket.get_content(), tmp_path)


def test_pending_and_waitlisted_registrations_get_no_ticket(app):  # noqa: F811
    _id, pending = register(app, "guest")
    message = last_to(app, pending)
    assert pdfs(message) == []
    assert "电子票" not in message.get_body(("plain",)).get_content()
    register(app, "student")  # the one place
    _id, waiting = register(app, "student")
    message = last_to(app, waiting)
    assert "候补" in message["Subject"]
    assert pdfs(message) == []


def test_approval_mail_carries_the_ticket(app, tmp_path):  # noqa: F811
    person_id, email = register(app, "guest", name="李雷")
    client = staff_client(app)
    page = f"/manage/cy-2026/registrations/{person_id}"
    assert submit(client, page, {}, action=f"{page}/approve").status_code == 302
    (ticket,) = pdfs(last_to(app, email))
    assert "李雷" in pdf_text(ticket.get_content(), tmp_path)


def test_no_ticket_attached_when_the_setting_is_off(app):  # noqa: F811
    app.config["MAIL_TICKET_PDF"] = False
    _id, email = register(app, name="王敏")
    message = last_to(app, email)
    assert pdfs(message) == []
    for part in ("plain", "html"):
        assert "电子票已作为 PDF 附在本邮件中" not in message.get_body((part,)).get_content()
    # The QR code inline is still there.
    assert [p.get_content_type() for p in message.walk() if p.get_content_maintype() == "image"]
