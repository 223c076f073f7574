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
from tests.agenda.helpers import ask_forums, draft_session, make_programme, release
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
    assert int(events["大模型实训"]["sequence"]) == 1  # release v1
    # The same UID as the public feed gives that session: calendars holding both see one event.
    public = Calendar.from_ical(client.get(f"/c/{conference.slug}/schedule.ics").get_data())
    public_uids = {str(e["summary"]): str(e["uid"]) for e in public.walk("VEVENT")}
    assert public_uids["大模型实训"] == str(events["大模型实训"]["uid"])
    # A move in the draft is not in the feed until it is published; then the UID stays the
    # same and the SEQUENCE grows, so calendars update the event.
    workshop.starts_at = workshop.starts_at.replace(hour=5)
    db.session.commit()
    again = Calendar.from_ical(client.get(f"/r/{person.manage_token}/agenda.ics").get_data())
    draft = {str(e["summary"]): e for e in again.walk("VEVENT")}["大模型实训"]
    assert draft.decoded("dtstart").hour == 9
    release(conference, "v2")
    again = Calendar.from_ical(client.get(f"/r/{person.manage_token}/agenda.ics").get_data())
    moved = {str(e["summary"]): e for e in again.walk("VEVENT")}["大模型实训"]
    assert str(moved["uid"]) == f"{workshop.uuid}@eventsys"
    assert moved.decoded("dtstart").hour == 13
    assert int(moved["sequence"]) == 2


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


def test_a_draft_change_reaches_the_agenda_only_when_published(client, person, conference):
    """Organizers edit the draft freely: the attendee's agenda, their page and the staff's
    headcounts keep the published times, titles and rooms until the next release."""
    workshop = draft_session(conference, "ws-llm")
    room_2 = next(r for r in conference.rooms if r.code == "room-2")
    workshop.starts_at = workshop.starts_at.replace(hour=6)  # 14:00 in Chengdu
    workshop.ends_at = workshop.ends_at.replace(hour=8)
    workshop.room = room_2
    workshop.title = "大模型实训（进阶）"
    db.session.commit()

    def shown(url):
        html = client.get(url).get_data(as_text=True)
        return html[html.index('data-session="ws-llm"') :][:1500]

    agenda = shown(f"/r/{person.manage_token}/agenda")
    assert "09:00–11:00" in agenda and "一号会议室" in agenda and "大模型实训" in agenda
    assert "14:00" not in agenda and "二号会议室" not in agenda and "进阶" not in agenda
    page = shown(f"/r/{person.manage_token}")
    assert "12-19 09:00–11:00" in page and "一号会议室" in page and "进阶" not in page

    release(conference, "v2")
    agenda = shown(f"/r/{person.manage_token}/agenda")
    assert "14:00–16:00" in agenda and "二号会议室" in agenda and "大模型实训（进阶）" in agenda
    page = shown(f"/r/{person.manage_token}")
    assert "12-19 14:00–16:00" in page and "二号会议室" in page


def test_before_the_first_release_nothing_is_shown_or_enrolled(client, ctx):
    conference = make_programme(slug="early", published=False)
    person = make_registration(conference)
    page = client.get(f"/r/{person.manage_token}").get_data(as_text=True)
    assert "日程尚未发布。发布后即可报名限额场次。" in page
    assert 'action="/r/' + person.manage_token + "/sessions/" not in page
    agenda = client.get(f"/r/{person.manage_token}/agenda").get_data(as_text=True)
    assert "日程尚未发布。" in agenda and "开幕式" not in agenda
    calendar = Calendar.from_ical(client.get(f"/r/{person.manage_token}/agenda.ics").get_data())
    assert calendar.walk("VEVENT") == []
    assert services.agenda_of(person) == []
