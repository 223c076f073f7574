"""The attendee's e-ticket: a PDF and a picture of it, both scannable at the gate."""

from __future__ import annotations

import io

from PIL import Image

from eventsys.checkin.codes import checkin_code
from eventsys.documents.services import ticket_attachment, ticket_pdf
from eventsys.extensions import db
from eventsys.registration import services as registration_services
from tests.documents.helpers import (
    decode_qr_codes,
    decode_qr_image,
    embedded_fonts,
    page_count,
    pdf_text,
)
from tests.factories import make_conference, make_registration


def test_the_ticket_pdf_carries_the_name_and_a_code_that_scans(client, app):
    app.config["EVENTSYS_BASE_URL"] = "https://meet.example.org"
    with app.app_context():
        conference = make_conference(title_en="Sichuan-Chongqing Conference")
        registration = make_registration(conference, name="欧阳䶮 Ada", organization="重庆大学")
        token, code = registration.manage_token, checkin_code(registration.checkin_token)
        manual = registration.manual_code
    response = client.get(f"/r/{token}/ticket.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    assert page_count(response.data) == 1
    text = pdf_text(response.data)
    assert "欧阳䶮 Ada" in text  # Chinese and English on one line
    assert "重庆大学" in text and "第五届川渝科技学术大会" in text
    assert f"{manual[:4]} {manual[4:]}" in text
    assert "电子票" in text and "入场时请出示此二维码" in text  # registered in Chinese
    assert any("Noto-Sans-CJK-SC" in font for font in embedded_fonts(response.data))
    assert decode_qr_codes(response.data) == [code]


def test_the_ticket_picture_scans_too(client, app):
    app.config["EVENTSYS_BASE_URL"] = "https://meet.example.org"
    with app.app_context():
        conference = make_conference()
        registration = make_registration(conference, name="张伟")
        token, code = registration.manage_token, checkin_code(registration.checkin_token)
    response = client.get(f"/r/{token}/ticket.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert "inline" in response.headers["Content-Disposition"]
    image = Image.open(io.BytesIO(response.data))
    assert image.width == 750 and 900 < image.height <= 1240
    assert decode_qr_image(response.data) == [code]


def test_the_attendee_page_links_the_ticket_in_both_forms(client, app):
    with app.app_context():
        conference = make_conference()
        registration = make_registration(conference)
        token = registration.manage_token
    html = client.get(f"/r/{token}").get_data(as_text=True)
    assert f"/r/{token}/ticket.pdf" in html and f"/r/{token}/ticket.png" in html
    assert f"/r/{token}/certificate.pdf" not in html  # not checked in


def test_no_ticket_once_cancelled_or_for_an_unknown_link(client, app):
    with app.app_context():
        conference = make_conference()
        registration = make_registration(conference)
        token = registration.manage_token
        registration_services.cancel(registration)
        db.session.commit()
    for path in (f"/r/{token}/ticket.pdf", f"/r/{token}/ticket.png"):
        response = client.get(path)
        assert response.status_code == 404
        assert "此报名没有电子票" in response.get_data(as_text=True)
    assert client.get("/r/not-a-token/ticket.pdf").status_code == 404
    html = client.get(f"/r/{token}").get_data(as_text=True)
    assert "ticket.pdf" not in html


def test_ticket_pdf_is_what_the_mail_can_attach(ctx):
    conference = make_conference()
    registration = make_registration(conference, name="李娜", locale="en")
    data = ticket_pdf(registration)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "李娜" in text and "E-ticket" in text  # in the language they registered in


def test_the_mail_attachment_is_the_ticket_or_nothing(ctx):
    conference = make_conference()
    registration = make_registration(conference, name="王敏")
    filename, mimetype, data, cid = ticket_attachment(registration)
    assert filename == f"cy-2026-ticket-{registration.manual_code}.pdf"
    assert mimetype == "application/pdf" and cid is None
    assert "王敏" in pdf_text(data)
    registration_services.cancel(registration)
    db.session.commit()
    assert ticket_attachment(registration) is None
