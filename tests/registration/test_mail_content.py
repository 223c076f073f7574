"""What each registration e-mail says, per status and language, and how it is built: HTML
with a plain-text part, the QR code inline as an image the HTML refers to, the reason staff
wrote in a cancellation or rejection."""

from __future__ import annotations

import re
import shutil
import subprocess
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from eventsys.extensions import db
from tests.conftest import build_app, login, submit
from tests.factories import PASSWORD, conference_json, make_user

CATEGORIES = [
    {"code": "delegate", "name": "正式代表", "name_en": "Delegate", "capacity": 300},
    {
        "code": "guest",
        "name": "特邀嘉宾",
        "name_en": "Invited guest",
        "capacity": 300,
        "requires_approval": True,
    },
    {"code": "student", "name": "学生代表", "name_en": "Student", "capacity": 1},
]


@pytest.fixture
def app(tmp_path):
    app = build_app(
        "sqlite", tmp_path, EVENTSYS_BASE_URL="https://meeting.example.org", MAIL_TICKET_PDF=True
    )
    with app.app_context():
        from eventsys.conferences.jsonio import load_conference

        load_conference(conference_json(categories=CATEGORIES))
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def messages(app) -> list:
    """Every mail written so far, oldest first, parsed as a mail program would."""
    paths = sorted(
        Path(app.config["MAIL_OUTBOX"]).glob("*.eml"), key=lambda p: p.stat().st_mtime_ns
    )
    return [message_from_bytes(path.read_bytes(), policy=policy.default) for path in paths]


def last_to(app, address: str):
    found = [m for m in messages(app) if m["To"] == address]
    assert found, f"no mail to {address}"
    return found[-1]


def parts(message) -> tuple[str, str]:
    return (
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
    )


def images(message) -> list:
    return [p for p in message.walk() if p.get_content_maintype() == "image"]


def register(app, category="delegate", locale="zh_CN", **changes):
    from eventsys.conferences.models import Conference
    from eventsys.registration.services import register as do_register
    from tests.factories import applicant

    with app.app_context():
        conference = db.session.query(Conference).one()
        person = do_register(conference, applicant(category, locale=locale, **changes))
        db.session.commit()
        return person.id, person.email


def test_a_confirmed_registration_gets_html_text_and_its_qr_code_inline(app, tmp_path):
    _id, email = register(app, name="王敏")
    message = last_to(app, email)
    # Text and HTML as alternatives, with the e-ticket PDF attached beside them.
    assert message.get_content_type() == "multipart/mixed"
    assert message.get_payload()[0].get_content_type() == "multipart/alternative"
    text, html = parts(message)
    assert "王敏，您好" in text and "报名已确认" in text
    assert "https://meeting.example.org/r/" in text
    assert "王敏，您好" in html and "查看我的报名" in html

    # The HTML part and its image travel together (multipart/related); the HTML shows the
    # image by its Content-ID.
    related = message.get_body(("related",))
    assert related is not None and related.get_content_type() == "multipart/related"
    (image,) = images(message)
    assert image.get_content_type() == "image/png"
    cid = image["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html
    png = image.get_content()
    assert png.startswith(b"\x89PNG")

    # The picture is the attendee's real check-in code.
    if shutil.which("zbarimg"):
        path = tmp_path / "qr.png"
        path.write_bytes(png)
        decoded = subprocess.run(
            ["zbarimg", "--raw", "-q", str(path)], capture_output=True, text=True, check=True
        ).stdout.strip()
        from eventsys.registration.models import Registration

        with app.app_context():
            person = db.session.query(Registration).filter_by(email=email).one()
            assert decoded.startswith("https://meeting.example.org/q/")
            assert person.checkin_token in decoded


def test_english_confirmation(app):
    _id, email = register(app, name="Alice", locale="en")
    message = last_to(app, email)
    text, html = parts(message)
    assert "Dear Alice," in text and "is confirmed" in text
    assert 'lang="en"' in html and "Open my registration" in html
    assert len(images(message)) == 1


def test_pending_says_it_awaits_approval_and_shows_no_qr_code(app):
    _id, email = register(app, "guest")
    message = last_to(app, email)
    text, html = parts(message)
    assert "等待主办方审核" in text and "等待主办方审核" in html
    assert "二维码" not in text and "二维码" not in html
    assert images(message) == []
    assert "查看报名状态、修改信息或取消报名" in text


def test_the_waitlist_mail_names_the_full_category(app):
    register(app, "student")
    _id, email = register(app, "student")
    text, html = parts(last_to(app, email))
    assert "“学生代表”名额暂时已满" in text and "学生代表" in html
    assert "会议已满" not in text
    assert "二维码" not in text

    _id, email = register(app, "student", locale="en")
    text, _html = parts(last_to(app, email))
    assert "the category “Student”" in text and "is full for now" in text


def staff_client(app):
    with app.app_context():
        from eventsys.conferences.models import Conference

        make_user("staff@example.com", "staff", db.session.query(Conference).one())
    client = app.test_client()
    assert login(client, "staff@example.com", PASSWORD).status_code == 302
    return client


@pytest.mark.parametrize(
    ("action", "locale", "told", "subject"),
    [
        ("cancel", "zh_CN", "报名已取消", "您的报名已取消"),
        ("cancel", "en", "has been cancelled", "Your registration has been cancelled"),
        ("reject", "zh_CN", "未能通过", None),
        ("reject", "en", "could not be accepted", "Your registration could not be accepted"),
    ],
)
def test_the_reason_staff_write_reaches_the_mail(app, action, locale, told, subject):
    category = "guest" if action == "reject" else "delegate"
    registration_id, email = register(app, category, locale=locale, name="李雷 <b>")
    client = staff_client(app)
    page = f"/manage/cy-2026/registrations/{registration_id}"
    reason = "会场容量调整 & 名额已满 <script>"
    response = submit(client, page, {"reason": reason}, action=f"{page}/{action}")
    assert response.status_code == 302
    message = last_to(app, email)
    text, html = parts(message)
    assert reason in text
    assert "会场容量调整 &amp; 名额已满 &lt;script&gt;" in html and "<script>" not in html
    assert "李雷 &lt;b&gt;" in html
    if subject:
        assert subject in str(message["Subject"])
    assert told in text or told in html
    # An ended registration is not offered its QR code or changes.
    for offer in ("二维码", "QR code", "修改信息", "change your details"):
        assert offer not in text and offer not in html
    assert images(message) == []


def test_cancelling_on_ones_own_page_says_so_without_a_reason(app):
    from eventsys.registration.models import Registration

    registration_id, email = register(app)
    with app.app_context():
        token = db.session.get(Registration, registration_id).manage_token
    client = app.test_client()
    page = f"/r/{token}"
    response = submit(client, f"{page}/cancel", {})
    assert response.status_code == 302
    text, _html = parts(last_to(app, email))
    assert "按照您的操作，您在第五届川渝科技学术大会的报名已取消。" in text
    assert "原因" not in text and "cancelled by the attendee" not in text


def test_approval_mail_shows_the_qr_code(app):
    registration_id, email = register(app, "guest", locale="en")
    client = staff_client(app)
    page = f"/manage/cy-2026/registrations/{registration_id}"
    assert submit(client, page, {}, action=f"{page}/approve").status_code == 302
    message = last_to(app, email)
    text, html = parts(message)
    assert "has been approved" in text
    (image,) = images(message)
    assert f"cid:{image['Content-ID'].strip('<>')}" in html


def test_an_attachment_that_cannot_be_built_is_retried_or_failed_like_a_send(app):
    """The worker builds attachments at send time; a builder's failure is recorded on the row
    and retried (it may pass), a kind nobody can build fails the row at once."""
    from eventsys import mail as mail_module
    from eventsys.mail import Mail, OutboxMail, attachment_spec, deliver_outbox, queue_mail

    calls = []

    def flaky(spec, session):
        calls.append(spec)
        if len(calls) == 1:
            raise OSError("font cache busy")
        return "ticket.pdf", "application/pdf", b"%PDF-1.7 test", None

    mail_module.register_attachment("test_flaky", flaky)
    try:
        with app.app_context():
            app.config["MAIL_RETRY_BASE_SECONDS"] = 0
            flaky_row = queue_mail(
                db.session,
                Mail("a@example.com", "票", "正文", attachments=[attachment_spec("test_flaky")]),
            )
            unknown = queue_mail(
                db.session,
                Mail("b@example.com", "票", "正文", attachments=[attachment_spec("no_such")]),
            )
            db.session.commit()
            flaky_id, unknown_id = flaky_row.id, unknown.id
            db.session.expire_all()
            flaky_row = db.session.get(OutboxMail, flaky_id)
            assert flaky_row.status == "queued"
            assert "OSError: font cache busy" in flaky_row.last_error
            failed = db.session.get(OutboxMail, unknown_id)
            assert failed.status == "failed" and "no_such" in failed.last_error
            db.session.commit()

            deliver_outbox([flaky_id])
            db.session.expire_all()
            assert db.session.get(OutboxMail, flaky_id).status == "sent"
    finally:
        mail_module._BUILDERS.pop("test_flaky", None)
    # The .eml file carries the attachment as a file part.
    message = last_to(app, "a@example.com")
    (attached,) = list(message.iter_attachments())
    assert attached.get_filename() == "ticket.pdf"
    assert attached.get_content() == b"%PDF-1.7 test"
    assert message.get_body(("plain",)).get_content().strip() == "正文"


def test_the_group_contact_gets_each_members_link_and_status(app):
    from eventsys.conferences.models import Conference
    from eventsys.registration.services import DelegationRequest, register_delegation
    from tests.factories import applicant

    with app.test_request_context("/"):
        conference = db.session.query(Conference).one()
        register_delegation(
            conference,
            DelegationRequest(
                organization="西南交通大学科技处",
                contact_name="张老师",
                contact_email="contact@example.com",
                contact_phone="13600000000",
                category="delegate",
                members=[applicant(name="甲 <i>"), applicant(name="乙")],
            ),
        )
        db.session.commit()
    message = last_to(app, "contact@example.com")
    text, html = parts(message)
    assert "张老师，您好" in text
    assert "甲 <i> (已确认): https://meeting.example.org/r/" in text
    assert "甲 &lt;i&gt;</a>" in html and html.count('href="https://meeting.example.org/r/') == 2
    assert "名额确认后邮件中附有本人的二维码" in text


def test_the_reason_reads_as_a_sentence_in_each_language(app):
    """原因：… without a stray space in Chinese; "Reason: …" with one in English."""
    client = staff_client(app)
    for locale, expected in (("zh_CN", "原因：名额已满"), ("en", "Reason: 名额已满")):
        registration_id, email = register(app, "guest", locale=locale)
        page = f"/manage/cy-2026/registrations/{registration_id}"
        submit(client, page, {"reason": "名额已满"}, action=f"{page}/reject")
        text, html = parts(last_to(app, email))
        assert expected in text and expected in html


def test_the_password_reset_mail_has_an_html_part_with_the_link(app):
    with app.app_context():
        make_user("org@example.com")
    client = app.test_client()
    submit(client, "/password/forgot", {"email": "org@example.com"})
    message = last_to(app, "org@example.com")
    text, html = parts(message)
    link = re.search(r"https://meeting\.example\.org/password/reset/\S+", text).group(0)
    assert f'href="{link}"' in html and "设置新密码" in html


def test_the_page_the_mail_links_to_finds_its_qr_code_already_drawn(app, monkeypatch):
    """The worker that sends the confirmation draws the page's QR code too: the attendee's
    first view reads it from the cache instead of drawing it in the request."""
    from eventsys.checkin import codes
    from eventsys.registration.models import Registration

    _id, email = register(app, name="李雷")
    last_to(app, email)  # sent
    with app.app_context():
        token = db.session.query(Registration).filter_by(email=email).one().manage_token
    codes.qr_svg.cache_clear()  # another worker: nothing in its memory

    def never_draw(data):
        raise AssertionError(f"drawn in the request: {data}")

    monkeypatch.setattr(codes, "draw_qr_svg", never_draw)
    page = app.test_client().get(f"/r/{token}", base_url="https://meeting.example.org")
    assert page.status_code == 200 and "<svg" in page.get_data(as_text=True)


def test_the_request_writes_what_the_mail_is_about_and_the_worker_writes_the_mail(app):
    """The request stores a spec (no templates rendered on the attendee's path); the worker
    renders it at send time as things stood when the mail was written: the waitlist mail of
    someone promoted before the worker ran still says "waitlist", and the promotion follows."""
    from eventsys.mail import OutboxMail, deliver_outbox
    from eventsys.registration.models import Registration
    from eventsys.registration.services import cancel

    app.config["MAIL_DELIVERY"] = "queue"
    first_id, first = register(app, category="student", name="韩梅梅")
    _second_id, second = register(app, category="student", name="李雷")
    with app.app_context():
        rows = db.session.query(OutboxMail).order_by(OutboxMail.id).all()
        assert [(r.subject, r.body, r.html) for r in rows] == [("", "", None)] * 2
        assert [r.content["status"] for r in rows] == ["confirmed", "waitlisted"]
        cancel(db.session.get(Registration, first_id))  # 李雷 moves up
        db.session.commit()
        # 韩梅梅's confirmation is not sent: its e-ticket is gone with the registration
        # (the ticket's builder refuses); her cancellation is.
        assert deliver_outbox() == {"sent": 3, "failed": 1, "queued": 0}
        rows = db.session.query(OutboxMail).order_by(OutboxMail.id).all()
        assert all(r.content is None and r.subject for r in rows)
    waitlist, promotion = [m for m in messages(app) if m["To"] == second]
    assert "候补" in parts(waitlist)[0] and images(waitlist) == []
    assert "您好" in parts(promotion)[0] and len(images(promotion)) == 1
    (cancellation,) = [m for m in messages(app) if m["To"] == first]
    assert "已取消" in parts(cancellation)[0]


def test_a_mail_whose_registration_is_gone_fails_for_good_and_says_why(app):
    from eventsys.mail import OutboxMail, deliver_outbox
    from eventsys.registration.models import Registration

    app.config["MAIL_DELIVERY"] = "queue"
    registration_id, _email = register(app, name="李华")
    with app.app_context():
        db.session.delete(db.session.get(Registration, registration_id))
        db.session.commit()
        assert deliver_outbox() == {"sent": 0, "failed": 1, "queued": 0}
        row = db.session.query(OutboxMail).one()
        assert row.status == "failed" and "no longer exists" in row.last_error
