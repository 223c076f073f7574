"""Notices: staff write an e-mail to all attendees or a group, see it rendered and counted,
and the worker sends it once to each person."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from eventsys.extensions import db
from eventsys.jobs.worker import Worker
from tests.conftest import DATABASES, build_app, login, submit
from tests.factories import PASSWORD, conference_json, make_conference, make_registration, make_user
from tests.jobs.helpers import wait_for

CATEGORIES = [
    {"code": "delegate", "name": "正式代表", "capacity": 300},
    {"code": "student", "name": "学生代表", "capacity": 300},
]
BODY = "各位代表：\n\n因天气原因，开幕式改在 B厅 <举行>。\n请提前 15 分钟入场。\n\n详情：https://meeting.example.org/news"


@pytest.fixture(params=DATABASES)
def app(request, tmp_path):
    app = build_app(request.param, tmp_path, MAIL_DELIVERY="queue")
    with app.app_context():
        from eventsys.conferences.jsonio import load_conference

        conference = load_conference(conference_json(categories=CATEGORIES))
        db.session.commit()
        make_registration(conference, name="王敏", email="wm@example.com")
        make_registration(conference, name="Alice", email="alice@example.com", locale="en")
        make_registration(conference, "student", name="李雷", email="ll@example.com")
        gone = make_registration(conference, name="韩梅梅", email="hmm@example.com")
        from eventsys.registration.services import cancel

        cancel(gone, "")
        db.session.commit()
        make_user("staff@example.com", "staff", conference)
        make_user("gate@example.com", "checkin", conference)
        other = make_conference(slug="other-2026")
        make_user("stranger@example.com", "organizer", other)
        # The registrations' own mails were sent long ago: only the notice's are looked at.
        from eventsys.mail import OutboxMail

        db.session.query(OutboxMail).update({"status": "sent"})
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def signed_in(app, email):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    return client


def notice_mails(app) -> dict[str, object]:
    found = {}
    for path in Path(app.config["MAIL_OUTBOX"]).glob("*.eml"):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert message["To"] not in found, f"{message['To']} got the notice twice"
        found[message["To"]] = message
    return found


def write(client, **changes):
    data = {
        "subject": "开幕式会场变更",
        "body": BODY,
        "statuses": ["confirmed"],
        **changes,
    }
    return submit(client, "/manage/cy-2026/notices/new", data)


def test_staff_preview_count_and_send_a_notice(app):
    client = signed_in(app, "staff@example.com")
    response = write(client)
    assert response.status_code == 302
    page = response.headers["Location"]
    assert re.fullmatch(r"/manage/cy-2026/notices/\d+", page)
    html = client.get(page).get_data(as_text=True)
    # Confirmed people in every category; not the cancelled one.
    assert "此通知将发送给3人" in html and "发送给3人" in html
    assert "已确认 · 全部类别" in html

    preview = client.get(f"{page}/preview")
    assert preview.status_code == 200
    assert "script-src" not in preview.headers["Content-Security-Policy"]
    assert "default-src 'none'" in preview.headers["Content-Security-Policy"]
    text = preview.get_data(as_text=True)
    assert "王敏，您好" in text  # the first recipient
    assert '<p style="margin:0 0 14px 0;">各位代表：</p>' in text
    assert "开幕式改在 B厅 &lt;举行&gt;。<br>请提前 15 分钟入场。" in text
    assert 'href="https://meeting.example.org/news"' in text
    assert not notice_mails(app)  # nothing sent before the button

    response = submit(client, page, {}, action=f"{page}/send")
    assert response.status_code == 302
    with Worker(app):
        wait_for(lambda: len(notice_mails(app)) == 3, message="three notice e-mails")
        wait_for(
            lambda: "已发送给3人" in client.get(page).get_data(as_text=True),
            message="the notice page to say it was sent",
        )
    mails = notice_mails(app)
    assert set(mails) == {"wm@example.com", "alice@example.com", "ll@example.com"}
    chinese = mails["wm@example.com"]
    assert str(chinese["Subject"]) == "开幕式会场变更 · 第五届川渝科技学术大会"
    text = chinese.get_body(("plain",)).get_content()
    assert "王敏，您好" in text and "开幕式改在 B厅 <举行>" in text
    english = mails["alice@example.com"].get_body(("plain",)).get_content()
    assert "Dear Alice," in english and "You receive this notice because you registered" in english

    # Sent once: a second click changes nothing.
    again = submit(client, page, {}, action=f"{page}/send", follow_redirects=True)
    assert "此通知正在发送或已发送" in again.get_data(as_text=True)
    assert len(notice_mails(app)) == 3
    listing = client.get("/manage/cy-2026/notices").get_data(as_text=True)
    assert "开幕式会场变更" in listing and "已发送" in listing


def test_a_notice_to_one_category(app):
    client = signed_in(app, "staff@example.com")
    with app.app_context():
        from eventsys.conferences.models import Category

        student = db.session.query(Category).filter_by(code="student").one().id
    page = write(client, category_ids=[str(student)]).headers["Location"]
    assert "此通知将发送给1人" in client.get(page).get_data(as_text=True)
    submit(client, page, {}, action=f"{page}/send")
    with Worker(app):
        wait_for(lambda: notice_mails(app), message="the notice")
        wait_for(
            lambda: "已发送给1人" in client.get(page).get_data(as_text=True),
            message="the notice to finish",
        )
    assert set(notice_mails(app)) == {"ll@example.com"}


def test_bad_input_is_explained_and_saves_nothing(app):
    from eventsys.registration.notices import Notice

    client = signed_in(app, "staff@example.com")
    response = write(client, subject="  ", statuses=[])
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "请至少选择一种状态" in html and 'aria-invalid="true"' in html
    response = write(client, statuses=["cancelled"])
    assert "不能向此状态的报名发送通知" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Notice).count() == 0


def test_who_may_send_notices(app):
    staff = signed_in(app, "staff@example.com")
    page = write(staff).headers["Location"]
    for email in ("gate@example.com", "stranger@example.com"):
        other = signed_in(app, email)
        assert other.get("/manage/cy-2026/notices").status_code == 403
        assert other.get(f"{page}/preview").status_code == 403
        assert other.post(f"{page}/send").status_code in (400, 403)
        token = re.search(
            r'name="csrf_token" value="([^"]+)"', other.get("/account").get_data(as_text=True)
        )
        if token:
            assert (
                other.post(f"{page}/send", data={"csrf_token": token.group(1)}).status_code == 403
            )
    assert not notice_mails(app)


def test_a_send_that_stopped_continues_where_it_was(app):
    """The job writes its mails batch by batch with a cursor: a retry after a crash does not
    send anyone the notice twice."""
    from eventsys import jobs
    from eventsys.registration import notices
    from eventsys.registration.models import Registration

    with app.app_context():
        from eventsys.conferences.models import Conference

        conference = db.session.query(Conference).filter_by(slug="cy-2026").one()
        notice = notices.save_draft(
            conference, subject="提醒", body="请带身份证。", statuses=["confirmed"], category_ids=[]
        )
        run = notices.start_sending(notice, None)
        db.session.commit()
        first = min(r.id for r in db.session.query(Registration).filter_by(status="confirmed"))
        # As if the first batch had been written and committed before a crash.
        notice.last_registration_id = first
        notice.queued = 1
        db.session.commit()
        notices.send_notice(db.session.get(jobs.Job, run.id))
        db.session.refresh(notice)
        assert notice.state == "sent" and notice.queued == 3
        from eventsys.mail import OutboxMail

        addresses = [
            row.to_address
            for row in db.session.query(OutboxMail).filter(OutboxMail.subject.startswith("提醒"))
        ]
        assert sorted(addresses) == ["alice@example.com", "ll@example.com"]


def test_people_without_an_e_mail_address_are_counted_apart(app):
    """A walk-in may give no address: the page says how many cannot get the notice."""
    from eventsys.registration.models import Registration

    with app.app_context():
        walk_in = db.session.query(Registration).filter_by(email="ll@example.com").one()
        walk_in.email = ""
        db.session.commit()
    client = signed_in(app, "staff@example.com")
    page = write(client).headers["Location"]
    html = client.get(page).get_data(as_text=True)
    assert "此通知将发送给2人" in html and "另有1人符合条件但未留邮箱" in html
    submit(client, page, {}, action=f"{page}/send")
    with Worker(app):
        wait_for(
            lambda: "已发送给2人" in client.get(page).get_data(as_text=True),
            message="the notice to be sent",
        )
    assert set(notice_mails(app)) == {"wm@example.com", "alice@example.com"}
