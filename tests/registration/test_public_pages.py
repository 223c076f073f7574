"""What an attendee sees: the form, their private page, editing and cancelling."""

import re

import pytest
from sqlalchemy import func, select

from eventsys.extensions import db
from eventsys.registration.models import Registration
from tests.conftest import submit
from tests.factories import make_conference, make_registration

PERSON = {
    "category": "delegate",
    "name": "王敏",
    "phone": "138 0013 8000",
    "email": "wangmin@example.com",
    "organization": "四川大学",
    "position": "教授",
    "consent": "y",
}


@pytest.fixture
def conference(ctx):
    return make_conference(
        questions=[
            {
                "code": "diet",
                "label": "饮食要求",
                "label_en": "Diet",
                "kind": "choice",
                "required": True,
                "options": [{"value": "none", "label": "无"}, {"value": "halal", "label": "清真"}],
            },
            {
                "code": "hotel",
                "label": "需要住宿",
                "kind": "yesno",
                "required": False,
                "options": [],
            },
        ]
    )


def flashes(response):
    return re.findall(r'class="flash[^"]*"[^>]*>([^<]*)', response.get_data(as_text=True))


def count():
    return db.session.execute(select(func.count()).select_from(Registration)).scalar_one()


def test_register_see_qr_edit_and_cancel(conference, client):
    response = submit(
        client, "/c/cy-2026/register", {**PERSON, "q_diet": "halal", "q_hotel": "yes"}
    )
    assert response.status_code == 302
    page_url = response.headers["Location"]
    page = client.get(page_url)
    html = page.get_data(as_text=True)
    assert "王敏" in html and "<svg" in html and "清真" in html
    assert client.get(page_url + "/qr.png").mimetype == "image/png"

    edited = submit(client, page_url + "/edit", {**PERSON, "name": "王敏敏", "q_diet": "none"})
    assert edited.status_code == 302
    assert "王敏敏" in client.get(page_url).get_data(as_text=True)

    # The page links to a page that asks first; nothing is cancelled by opening it.
    assert f'href="{page_url}/cancel"' in html
    asked = client.get(page_url + "/cancel").get_data(as_text=True)
    assert "确定取消报名？" in asked and "确认取消报名" in asked and f'href="{page_url}"' in asked
    assert db.session.execute(select(Registration.status)).scalar_one() == "confirmed"
    cancelled = submit(client, page_url + "/cancel", {}, follow_redirects=True)
    html = cancelled.get_data(as_text=True)
    assert "<svg" not in html and "您的报名已取消" in html
    assert f'href="{page_url}/cancel"' not in html
    # Asking again, once cancelled, says so and changes nothing.
    again = client.get(page_url + "/cancel", follow_redirects=True).get_data(as_text=True)
    assert "已取消或已被拒绝的报名不能修改" in again
    db.session.expire_all()
    assert db.session.execute(select(Registration.status)).scalar_one() == "cancelled"


def test_required_question_and_bad_fields_shown_next_to_fields(conference, client):
    response = submit(
        client, "/c/cy-2026/register", {**PERSON, "phone": "12345", "email": "x@", "consent": ""}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count('class="field-error"') >= 4  # phone, e-mail, diet, consent
    assert count() == 0


def test_script_in_fields_is_escaped(conference, client):
    response = submit(
        client,
        "/c/cy-2026/register",
        {
            **PERSON,
            "q_diet": "none",
            "name": "<script>alert(1)</script>",
            "organization": '"><img src=x onerror=alert(1)>',
        },
    )
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_duplicate_offers_the_link_again(conference, client, app):
    submit(client, "/c/cy-2026/register", {**PERSON, "q_diet": "none"})
    again = submit(
        client, "/c/cy-2026/register", {**PERSON, "q_diet": "none", "email": "WangMin@example.com"}
    )
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert "/c/cy-2026/resend?email=" in html
    before = len(
        list(
            (
                app.config["MAIL_OUTBOX"] and __import__("pathlib").Path(app.config["MAIL_OUTBOX"])
            ).iterdir()
        )
    )
    sent = submit(client, "/c/cy-2026/resend", {"email": "wangmin@example.com"})
    assert sent.status_code == 302
    import pathlib

    assert len(list(pathlib.Path(app.config["MAIL_OUTBOX"]).iterdir())) == before + 1
    # an unknown address gets the same answer and no mail
    unknown = submit(
        client, "/c/cy-2026/resend", {"email": "nobody@example.com"}, follow_redirects=True
    )
    assert "If this e-mail address is registered" in unknown.get_data(as_text=True) or (
        "如果" in unknown.get_data(as_text=True)
    )
    assert len(list(pathlib.Path(app.config["MAIL_OUTBOX"]).iterdir())) == before + 1


def test_closed_registration_shows_a_message_and_refuses(ctx, client):
    make_conference(registration_closes_at="2020-01-01T00:00")
    page = client.get("/c/cy-2026/register")
    assert 'name="name"' not in page.get_data(as_text=True)
    response = submit(
        client, "/login", {**PERSON}, action="/c/cy-2026/register"
    )  # a token from any page
    assert response.status_code == 403
    assert count() == 0


def test_group_registration(conference, client):
    data = {
        "organization": "重庆大学",
        "contact_name": "联系人",
        "contact_phone": "13600000000",
        "contact_email": "contact@example.com",
        "category": "delegate",
        "consent": "y",
        "members-0-name": "甲",
        "members-0-phone": "13600000001",
        "members-0-email": "a@example.com",
        "members-1-name": "乙",
        "members-1-phone": "13600000002",
        "members-1-email": "b@example.com",
        "q_diet": "none",
    }
    response = submit(client, "/c/cy-2026/register/group", data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "甲" in html and "乙" in html and html.count("/r/") >= 2
    assert count() == 2
    duplicate = submit(
        client, "/c/cy-2026/register/group", {**data, "members-1-email": "a@example.com"}
    )
    assert duplicate.status_code in (409, 422)
    assert count() == 2


def test_scanning_a_code_shows_the_ticket_and_refuses_forgeries(conference, client):
    from eventsys.checkin.codes import checkin_code

    registration = make_registration(conference, name="刘洋", answers={"diet": "none"})
    with client.application.test_request_context():
        code = checkin_code(registration.checkin_token)
    path = code[code.index("/q/") :]
    page = client.get(path)
    assert page.status_code == 200 and "刘洋" in page.get_data(as_text=True)
    forged = path[:-1] + ("A" if path[-1] != "A" else "B")
    assert client.get(forged).status_code == 404
    assert client.get(f"/q/{registration.id}").status_code == 404


def test_unknown_manage_token_is_404(client, ctx):
    assert client.get("/r/not-a-token").status_code == 404


def test_private_pages_do_not_leak_their_address(conference, client):
    registration = make_registration(conference, answers={"diet": "none"})
    response = client.get(f"/r/{registration.manage_token}")
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["X-Frame-Options"] == "DENY"
