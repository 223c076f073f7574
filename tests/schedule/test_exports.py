"""The published programme as its real consumers read it: icalendar, the frab XSD, JSON."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
from lxml import etree

from eventsys.extensions import db
from eventsys.schedule import releases, services
from eventsys.schedule.models import ScheduleSession
from tests.schedule.helpers import make_timetable, session

# The frab schedule schema the contract names (../shared/data/frab-schedule.xsd), copied here.
XSD = Path(__file__).parent / "frab-schedule.xsd"


def timetable(ctx):
    conference = make_timetable(
        [
            session(
                "opening",
                "09:00",
                "10:00",
                title="开幕式",
                kind="opening",
                speakers=[("陆为民", "天津市科协", "speaker"), ("李晓东", "四川省科协", "chair")],
            ),
            session(
                "ai-1",
                "14:00",
                "17:30",
                room="hall-b",
                title="人工智能分论坛",
                kind="forum",
                forum="ai",
                title_en="AI Forum",
                description="大模型与科研",
                speakers=[("王敏", "四川大学", "chair")],
            ),
            session(
                "visit",
                "2026-12-19T09:00",
                "2026-12-19T11:00",
                room=None,
                title="参观 <天府> & 实验室",
                kind="visit",
            ),
        ]
    )
    releases.publish(conference, "1")
    db.session.commit()
    return conference


def test_before_the_first_release_there_is_nothing_to_export(ctx, client):
    make_timetable([session("a", "09:00", "10:00")])
    for ext in ("ics", "xml", "json"):
        assert client.get(f"/c/cy-2026/schedule.{ext}").status_code == 404


def test_the_ics_is_read_by_icalendar_in_the_conference_time_zone(ctx, client):
    timetable(ctx)
    answer = client.get("/c/cy-2026/schedule.ics")
    assert answer.status_code == 200 and answer.mimetype == "text/calendar"
    cal = icalendar.Calendar.from_ical(answer.data)
    zones = [tz["TZID"] for tz in cal.walk("VTIMEZONE")]
    assert zones == ["Asia/Shanghai"]
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"开幕式", "人工智能分论坛", "参观 <天府> & 实验室"}
    opening = events["开幕式"]
    start = opening.decoded("DTSTART")
    assert start == datetime(2026, 12, 18, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert opening["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert str(opening["LOCATION"]) == "A厅"
    assert "陆为民" in str(opening["DESCRIPTION"])
    assert str(opening["UID"]).endswith("@eventsys")
    assert str(opening["STATUS"]) == "CONFIRMED"


def _validate(xml: bytes):
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    document = etree.fromstring(xml)
    schema.assertValid(document)
    return document


def test_the_frab_xml_is_valid_against_the_xsd(ctx, client):
    timetable(ctx)
    answer = client.get("/c/cy-2026/schedule.xml")
    assert answer.status_code == 200
    document = _validate(answer.data)
    assert document.findtext("version") == "1"
    days = document.findall("day")
    assert [d.get("date") for d in days] == ["2026-12-18", "2026-12-19"]
    forum = document.find(".//event[title='人工智能分论坛']")
    assert forum.findtext("start") == "14:00" and forum.findtext("duration") == "03:30"
    assert forum.findtext("room") == "B厅" and forum.findtext("track") == "人工智能分论坛"
    assert forum.findtext("date") == "2026-12-18T14:00:00+08:00"
    assert [p.text for p in forum.findall("persons/person")] == ["王敏"]


def test_the_json_export(ctx, client):
    timetable(ctx)
    body = client.get("/c/cy-2026/schedule.json").get_json()
    assert body["release"]["version"] == "1"
    by_code = {s["code"]: s for s in body["sessions"]}
    assert by_code["opening"]["local_start"] == "2026-12-18T09:00"
    assert by_code["opening"]["starts_at"] == "2026-12-18T01:00:00Z"
    assert by_code["ai-1"]["forum"] == "ai" and by_code["ai-1"]["duration_minutes"] == 210
    names = {p["name"] for p in body["people"]}
    assert names == {"陆为民", "李晓东", "王敏"}
    assert all("contact" not in p for p in body["people"])


def test_uids_guids_and_ids_stay_across_releases(ctx, client):
    conference = timetable(ctx)
    before_ics = {
        str(e["SUMMARY"]): str(e["UID"])
        for e in icalendar.Calendar.from_ical(client.get("/c/cy-2026/schedule.ics").data).walk(
            "VEVENT"
        )
    }
    before_xml = {
        e.findtext("slug"): (e.get("guid"), e.get("id"))
        for e in _validate(client.get("/c/cy-2026/schedule.xml").data).iter("event")
    }
    # a second release: one session moved and renamed, one cancelled, one added
    opening = db.session.execute(
        db.select(ScheduleSession).where(ScheduleSession.code == "opening")
    ).scalar_one()
    services.move_session(conference, opening, opening.starts_at.replace(hour=0), None)
    visit = db.session.execute(
        db.select(ScheduleSession).where(ScheduleSession.code == "visit")
    ).scalar_one()
    services.remove_session(conference, visit)
    services.save_session(
        conference,
        services.SessionFields(
            code="extra", title="加场", day="2026-12-19", start="14:00", end="15:00"
        ),
    )
    db.session.commit()
    releases.publish(conference, "2")
    db.session.commit()

    cal = icalendar.Calendar.from_ical(client.get("/c/cy-2026/schedule.ics").data)
    after_ics = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    assert str(after_ics["开幕式"]["UID"]) == before_ics["开幕式"]
    assert str(after_ics["人工智能分论坛"]["UID"]) == before_ics["人工智能分论坛"]
    assert after_ics["开幕式"].decoded("DTSTART").hour == 8
    assert str(after_ics["参观 <天府> & 实验室"]["STATUS"]) == "CANCELLED"
    assert str(after_ics["参观 <天府> & 实验室"]["UID"]) == before_ics["参观 <天府> & 实验室"]

    after_xml = {
        e.findtext("slug"): (e.get("guid"), e.get("id"))
        for e in _validate(client.get("/c/cy-2026/schedule.xml").data).iter("event")
    }
    for slug, identity in before_xml.items():
        if slug in after_xml:
            assert after_xml[slug] == identity
    assert len(after_xml) == 3  # the visit is cancelled: left out of frab; "extra" added
