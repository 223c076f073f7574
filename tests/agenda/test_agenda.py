"""The personal agenda and its iCal feed."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from eventsys.agenda import services
from eventsys.extensions import db
from eventsys.registration.services import register
from eventsys.schedule.models import ScheduleSession
from tests.agenda.helpers import ask_forums, make_programme
from tests.factories import applicant, make_registration

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def conference(ctx):
    return make_programme()


@pytest.fixture
def person(conference):
    ask_forums(conference, "optional")
    person = make_registration(conference)
    services.choose_forums(person, ["ai"])
    session = services.find_session(conference, "ws-llm")
    services.enroll(person, session)
    db.session.commit()
    return person


def test_agenda_lists_what_the_attendee_attends_in_local_time(client, person):
    html = client.get(f"/r/{person.manage_token}/agenda").get_data(as_text=True)
    assert "我的日程" in html
    for title in ("开幕式", "人工智能报告", "大模型实训"):
        assert title in html
    assert "新能源报告" not in html  # a forum they did not choose
    assert "企业参观" not in html  # seats they did not take
    assert "2026年12月18日" in html and "2026年12月19日" in html
    # 09:00 in Chengdu, stored as 01:00 UTC.
    assert "09:00–10:00" in html and "01:00" not in html
    assert html.index("开幕式") < html.index("人工智能报告") < html.index("大模型实训")


def test_agenda_in_english(client, person):
    client.set_cookie("lang", "en")
    html = client.get(f"/r/{person.manage_token}/agenda").get_data(as_text=True)
    assert "My agenda" in html and "Opening ceremony" in html and "LLM workshop" in html
    assert "enrolled" in html and "my forum" in html


def test_the_ics_feed_is_read_by_icalendar(client, person, conference):
    answer = client.get(f"/r/{person.manage_token}/agenda.ics")
    assert answer.status_code == 200 and answer.mimetype == "text/calendar"
    assert answer.headers["Cache-Control"] == "private, no-store"
    calendar = Calendar.from_ical(answer.get_data())
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"开幕式", "人工智能报告", "大模型实训"}
    opening = events["开幕式"]
    start = opening.decoded("dtstart")
    assert start == datetime(2026, 12, 18, 9, 0, tzinfo=SHANGHAI)
    assert str(start.tzinfo) == "Asia/Shanghai"
    assert calendar.walk("VTIMEZONE")[0]["tzid"] == "Asia/Shanghai"
    workshop = db.session.execute(
        db.select(ScheduleSession).where(ScheduleSession.code == "ws-llm")
    ).scalar_one()
    assert str(events["大模型实训"]["uid"]) == f"{workshop.uuid}@eventsys"
    assert "一号会议室" in str(events["大模型实训"]["location"])
    # The UID stays the same when the session moves.
    workshop.starts_at = workshop.starts_at.replace(hour=5)
    db.session.commit()
    again = Calendar.from_ical(client.get(f"/r/{person.manage_token}/agenda.ics").get_data())
    moved = {str(e["summary"]): e for e in again.walk("VEVENT")}["大模型实训"]
    assert str(moved["uid"]) == f"{workshop.uuid}@eventsys"
    assert moved.decoded("dtstart").hour == 13


def test_the_ics_feed_is_in_the_attendees_language(client, conference):
    english = register(conference, applicant(locale="en"))
    db.session.commit()
    calendar = Calendar.from_ical(client.get(f"/r/{english.manage_token}/agenda.ics").get_data())
    assert "Opening ceremony" in {str(e["summary"]) for e in calendar.walk("VEVENT")}
    assert str(calendar["x-wr-calname"]).startswith("My agenda")


def test_unknown_link_is_404(client, conference):
    assert client.get("/r/not-a-token/agenda").status_code == 404
    assert client.get("/r/not-a-token/agenda.ics").status_code == 404


def test_overlaps_are_marked(client, person, conference):
    visit = services.find_session(conference, "visit")
    services.enroll(person, visit)
    db.session.commit()
    items = {i.session.code: i for i in services.agenda_of(person)}
    assert items["ws-llm"].clash and items["visit"].clash
    assert not items["opening"].clash and not items["ai-talks"].clash
