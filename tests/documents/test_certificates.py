"""Certificates of attendance (参会证明) for those checked in, and their public check."""

from __future__ import annotations

import re
import uuid

from eventsys.checkin.codes import checkin_code
from eventsys.checkin.services import record_checkin
from eventsys.extensions import db
from tests.conftest import login
from tests.documents.helpers import decode_qr_codes, pdf_text
from tests.factories import PASSWORD, make_conference, make_registration, make_user


def check_in(conference, registration):
    answer = record_checkin(
        conference,
        code=checkin_code(registration.checkin_token),
        list_code="main",
        gate="东门",
        nonce=uuid.uuid4().hex,
    )
    db.session.commit()
    assert answer["status"] == "ok"


def test_a_certificate_only_after_check_in_and_its_link_verifies_it(client, app):
    app.config["EVENTSYS_BASE_URL"] = "https://meet.example.org"
    with app.app_context():
        conference = make_conference()
        registration = make_registration(
            conference, name="欧阳䶮", organization="四川大学", email="ouyang@example.com"
        )
        token = registration.manage_token
    response = client.get(f"/r/{token}/certificate.pdf")
    assert response.status_code == 404
    assert "参会证明在您签到后开具" in response.get_data(as_text=True)
    with app.app_context():
        conference = db.session.merge(conference)
        check_in(conference, db.session.merge(registration))
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert f"/r/{token}/certificate.pdf" in page

    response = client.get(f"/r/{token}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "欧阳䶮" in text and "第五届川渝科技学术大会" in text and "四川大学" in text
    url = re.search(r"https://meet\.example\.org/v/[A-Za-z0-9_-]+", text).group(0)
    assert decode_qr_codes(response.data) == [url]
    # Asking again gives the same certificate, not a new one.
    again = pdf_text(client.get(f"/r/{token}/certificate.pdf").data)
    assert url in again

    verify = client.get(url.removeprefix("https://meet.example.org"))
    html = verify.get_data(as_text=True)
    assert verify.status_code == 200
    assert "欧阳䶮" in html and "第五届川渝科技学术大会" in html
    # Name and conference, nothing more.
    assert "ouyang@example.com" not in html and "四川大学" not in html
    assert "/r/" not in html
    assert client.get("/v/not-a-real-token").status_code == 404


def test_staff_download_a_certificate_for_someone_checked_in(client, app):
    with app.app_context():
        conference = make_conference()
        make_user("staff@example.com", "staff", conference)
        present = make_registration(conference, name="张伟")
        absent = make_registration(conference, name="李娜")
        check_in(conference, present)
        present_id, absent_id = present.id, absent.id
    assert login(client, "staff@example.com", PASSWORD).status_code == 302
    response = client.get(f"/manage/cy-2026/registrations/{present_id}/certificate.pdf")
    assert response.status_code == 200 and "张伟" in pdf_text(response.data)
    assert (
        client.get(f"/manage/cy-2026/registrations/{absent_id}/certificate.pdf").status_code == 404
    )
    response = client.get(f"/manage/cy-2026/registrations/{present_id}/badge.pdf")
    assert response.status_code == 200 and "张伟" in pdf_text(response.data)
    # The staff page of each registration links what it has.
    page = client.get(f"/manage/cy-2026/registrations/{present_id}").get_data(as_text=True)
    assert f"/registrations/{present_id}/badge.pdf" in page
    assert f"/registrations/{present_id}/certificate.pdf" in page
    page = client.get(f"/manage/cy-2026/registrations/{absent_id}").get_data(as_text=True)
    assert f"/registrations/{absent_id}/badge.pdf" in page
    assert "certificate.pdf" not in page
