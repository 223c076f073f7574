"""Enrolling in sessions with limited seats from the attendee's own page, and the staff's
headcounts, lists and CSV."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from eventsys.agenda.models import SessionEnrollment
from eventsys.extensions import db
from eventsys.registration import services as registration_services
from tests.agenda.helpers import draft_session, make_programme, release
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_registration, make_user


def enrolled_count(session_code=None) -> int:
    from eventsys.schedule.models import ScheduleSession

    query = select(func.count()).select_from(SessionEnrollment)
    if session_code:
        query = query.join(ScheduleSession).where(ScheduleSession.code == session_code)
    return db.session.execute(query).scalar_one()


def enroll(client, registration, code, action="enroll"):
    page = f"/r/{registration.manage_token}"
    # A page with a form (the session's own button may not be there): the attendee's page to
    # cancel with, or for a cancelled registration, which has none, the registration form.
    form_page = (
        f"{page}/cancel"
        if registration.status not in ("cancelled", "rejected")
        else f"/c/{registration.conference.slug}/register"
    )
    token = csrf_token(client, form_page)
    return client.post(
        f"{page}/sessions/{code}/{action}", data={"csrf_token": token}, follow_redirects=True
    )


@pytest.fixture
def conference(ctx):
    return make_programme()


def test_attendee_enrolls_from_their_page_and_sees_it(client, conference):
    person = make_registration(conference)
    page = client.get(f"/r/{person.manage_token}").get_data(as_text=True)
    assert "大模型实训" in page and "3 个座位中剩余 3 个" in page
    answer = enroll(client, person, "ws-llm")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "您已报名 大模型实训" in html
    item = re.search(r'data-session="ws-llm".*?</li>', html, re.S).group(0)
    assert "已报名" in item and "放弃座位" in item
    assert enrolled_count("ws-llm") == 1
    other = make_registration(conference)
    assert "3 个座位中剩余 2 个" in client.get(f"/r/{other.manage_token}").get_data(as_text=True)
    agenda = client.get(f"/r/{person.manage_token}/agenda").get_data(as_text=True)
    assert "大模型实训" in agenda


def test_a_second_click_does_not_enroll_twice(client, conference):
    person = make_registration(conference)
    enroll(client, person, "ws-llm")
    html = enroll(client, person, "ws-llm").get_data(as_text=True)
    assert "您已报名过 大模型实训" in html
    assert enrolled_count() == 1


def test_a_full_session_refuses_and_changes_nothing(client, conference):
    first, second = make_registration(conference), make_registration(conference)
    enroll(client, first, "visit")
    html = enroll(client, second, "visit").get_data(as_text=True)
    assert "企业参观 已满：1 个座位均已被占用。" in html
    assert enrolled_count("visit") == 1
    # The page shows it full and offers no button.
    page = client.get(f"/r/{second.manage_token}").get_data(as_text=True)
    visit = page[page.index('data-session="visit"') :]
    visit = visit[: visit.index("</li>")]
    assert "已满" in visit and "/enroll" not in visit


def test_only_confirmed_registrations_enroll(client, ctx):
    conference = make_programme(
        categories=[
            {
                "code": "delegate",
                "name": "正式代表",
                "capacity": 10,
                "requires_approval": True,
                "invite_only": False,
            }
        ]
    )
    pending = make_registration(conference)
    assert pending.status == "pending"
    page = client.get(f"/r/{pending.manage_token}").get_data(as_text=True)
    assert "注册确认后即可报名这些场次。" in page
    html = enroll(client, pending, "ws-llm").get_data(as_text=True)
    assert "只有已确认的注册才能报名场次" in html
    assert enrolled_count() == 0


@pytest.mark.parametrize("code", ["no-such-session", "other-opening"])
def test_unknown_session_or_another_conferences_session(client, conference, code):
    make_programme(
        slug="other",
        sessions=[
            {
                **__import__("tests.agenda.helpers", fromlist=["SESSIONS"]).SESSIONS[4],
                "code": "other-opening",
            }
        ],
    )
    person = make_registration(conference)
    html = enroll(client, person, code).get_data(as_text=True)
    assert f"本会议没有场次 {code}" in html
    assert enrolled_count() == 0


def test_open_sessions_need_no_enrollment(client, conference):
    person = make_registration(conference)
    html = enroll(client, person, "opening").get_data(as_text=True)
    assert "开幕式 对所有参会者开放，无需报名。" in html
    assert enrolled_count() == 0


def test_overlapping_sessions_are_allowed_with_a_warning(client, conference):
    person = make_registration(conference)
    enroll(client, person, "ws-llm")
    html = enroll(client, person, "visit").get_data(as_text=True)
    assert "您已报名 企业参观" in html
    assert "注意：它与您同样报名的 大模型实训 时间重叠。" in html
    agenda = client.get(f"/r/{person.manage_token}/agenda").get_data(as_text=True)
    assert agenda.count("与另一场次时间重叠") == 2


def test_withdrawing_frees_the_seat(client, conference):
    first, second = make_registration(conference), make_registration(conference)
    enroll(client, first, "visit")
    html = enroll(client, first, "visit", action="withdraw").get_data(as_text=True)
    assert "您已放弃 企业参观 的座位。" in html
    assert "您已报名 企业参观" in enroll(client, second, "visit").get_data(as_text=True)


def test_a_cancelled_registration_loses_its_seats(client, conference):
    first, second = make_registration(conference), make_registration(conference)
    enroll(client, first, "visit")
    registration_services.cancel(first)
    db.session.commit()
    assert enrolled_count() == 0
    assert "您已报名 企业参观" in enroll(client, second, "visit").get_data(as_text=True)
    # A cancelled registration cannot enroll again.
    html = enroll(client, first, "ws-llm").get_data(as_text=True)
    assert "只有已确认的注册才能报名场次" in html


def test_forged_or_missing_csrf_changes_nothing(client, conference):
    person = make_registration(conference)
    answer = client.post(f"/r/{person.manage_token}/sessions/ws-llm/enroll", data={})
    assert answer.status_code == 400
    assert enrolled_count() == 0


def test_english_page(client, conference):
    person = make_registration(conference)
    client.set_cookie("lang", "en")
    html = client.get(f"/r/{person.manage_token}").get_data(as_text=True)
    assert "Sessions with limited seats" in html and "LLM workshop" in html
    assert "3 of 3 seats left" in html


# --- the published programme governs -------------------------------------------------------


def add_draft_workshop(conference, code="ws-new", capacity=5):
    from datetime import UTC, datetime

    from eventsys.schedule.models import ScheduleSession

    db.session.add(
        ScheduleSession(
            conference_id=conference.id,
            code=code,
            title="新增实训",
            kind="workshop",
            starts_at=datetime(2026, 12, 19, 6, 0, tzinfo=UTC),
            ends_at=datetime(2026, 12, 19, 7, 0, tzinfo=UTC),
            capacity=capacity,
        )
    )
    db.session.commit()


def test_an_unpublished_session_cannot_be_enrolled_in(client, conference):
    add_draft_workshop(conference)
    person = make_registration(conference)
    page = client.get(f"/r/{person.manage_token}").get_data(as_text=True)
    assert "新增实训" not in page and 'data-session="ws-new"' not in page
    html = enroll(client, person, "ws-new").get_data(as_text=True)
    assert "场次 ws-new 尚未在已发布的日程中，暂不能报名。" in html
    assert enrolled_count() == 0
    # Once published, it can.
    release(conference, "v2")
    assert "您已报名 新增实训" in enroll(client, person, "ws-new").get_data(as_text=True)
    assert enrolled_count("ws-new") == 1


def test_nothing_can_be_enrolled_in_before_the_first_release(client, ctx):
    conference = make_programme(published=False)
    person = make_registration(conference)
    html = enroll(client, person, "ws-llm").get_data(as_text=True)
    assert "日程尚未发布，暂不能报名任何场次。" in html
    assert enrolled_count() == 0


def test_the_published_capacity_governs_until_the_next_release(client, conference):
    """The draft's capacity of the visit goes from 1 to 2: attendees still see (and get) one
    seat until the organizers publish it; then the second seat opens."""
    draft_session(conference, "visit").capacity = 2
    db.session.commit()
    first, second = make_registration(conference), make_registration(conference)
    enroll(client, first, "visit")
    html = enroll(client, second, "visit").get_data(as_text=True)
    assert "企业参观 已满：1 个座位均已被占用。" in html
    assert enrolled_count("visit") == 1
    release(conference, "v2")
    assert "您已报名 企业参观" in enroll(client, second, "visit").get_data(as_text=True)
    assert enrolled_count("visit") == 2


def test_a_session_cancelled_in_the_release_refuses_enrollment(client, conference):
    from eventsys.db_types import utcnow

    person = make_registration(conference)
    draft_session(conference, "visit").cancelled_at = utcnow()
    db.session.commit()
    # Still enrollable until the cancellation is published.
    assert "您已报名 企业参观" in enroll(client, person, "visit").get_data(as_text=True)
    release(conference, "v2")
    other = make_registration(conference)
    html = enroll(client, other, "visit").get_data(as_text=True)
    assert "该场次已取消。" in html
    item = re.search(r'data-session="visit".*?</li>', html, re.S).group(0)
    assert "/enroll" not in item
    assert enrolled_count("visit") == 1


# --- staff -------------------------------------------------------------------------------------


def test_staff_see_headcounts_and_who_is_enrolled(client, conference):
    people = [make_registration(conference, phone=f"1390000{n:04d}") for n in range(2)]
    for person in people:
        enroll(client, person, "ws-llm")
    make_user("staff@example.com", "staff", conference)
    login(client, "staff@example.com", PASSWORD)
    html = client.get(f"/manage/{conference.slug}/enrollment").get_data(as_text=True)
    row = re.search(r'data-session="ws-llm".*?</tr>', html, re.S).group(0)
    assert '<span class="enrolled">2</span> / 3' in row and "<td>1</td>" in row
    listing = client.get(f"/manage/{conference.slug}/enrollment/sessions/ws-llm")
    text = listing.get_data(as_text=True)
    assert people[0].name in text and "139****0000" in text and "13900000000" not in text
    export = client.get(f"/manage/{conference.slug}/enrollment/sessions/ws-llm.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    body = export.get_data().decode("utf-8-sig")
    assert people[1].name in body and "139****0001" in body and "13900000001" not in body
    assert client.get(f"/manage/{conference.slug}/enrollment/sessions/nope").status_code == 404
    # Staff give a seat back from the list.
    remove = f"/manage/{conference.slug}/enrollment/sessions/ws-llm/{people[0].id}/remove"
    answer = client.post(
        remove, data={"csrf_token": csrf_token(client, "/manage/")}, follow_redirects=True
    )
    assert f"{people[0].name} 已不再占有该场次的座位。" in answer.get_data(as_text=True)
    assert enrolled_count("ws-llm") == 1
    assert client.post(remove, data={}).status_code == 400


def test_attendee_pages_of_others_are_not_staff_pages(client, conference):
    make_user("gate@example.com", "checkin", conference)
    login(client, "gate@example.com", PASSWORD)
    assert client.get(f"/manage/{conference.slug}/enrollment").status_code == 403
    client.get("/logout")
