"""The conference JSON carries sessions and people both ways."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from eventsys.conferences.jsonio import export_conference, load_conference
from eventsys.errors import ValidationError
from eventsys.extensions import db
from eventsys.schedule import releases
from eventsys.schedule.models import Person, ScheduleSession, SessionSpeaker
from tests.factories import conference_json
from tests.schedule.helpers import session


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


LU = ("陆为民", "天津市科协", "speaker")
LI = ("李晓东", "四川省科协", "chair")
LIU = ("刘志远", "电子科技大学", "speaker")


def full_document() -> dict:
    return conference_json(
        sessions=[
            session(
                "opening",
                "09:00",
                "10:00",
                kind="opening",
                title_en="Opening",
                description="致辞",
                description_en="Addresses",
                speakers=[("陆为民", "天津市科协", "speaker"), ("李晓东", "四川省科协", "chair")],
            ),
            session(
                "keynote",
                "10:00",
                "11:00",
                kind="keynote",
                speakers=[("李晓东", "四川省科协", "chair"), ("刘志远", "电子科技大学", "speaker")],
            ),
            session("visit", "2026-12-19T09:00", "2026-12-19T11:00", room=None, kind="visit"),
        ],
        people=[
            {
                "name": "刘志远",
                "affiliation": "电子科技大学",
                "title": "教授",
                "bio": "长期从事人工智能研究。",
                "name_en": "Liu Zhiyuan",
                "contact": "liu@example.cn",
            },
            {"name": "周红", "affiliation": "重庆大学", "title": "研究员"},
        ],
    )


def test_sessions_and_people_round_trip_exactly(ctx, runner, tmp_path):
    data = full_document()
    path = tmp_path / "conf.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert runner.invoke(args=["load-conference", str(path)]).exit_code == 0
    exported = json.loads(runner.invoke(args=["export-conference", "cy-2026"]).output)
    assert exported == data
    # one row per person, however many sessions they are in
    assert count(Person) == 4  # 陆为民, 李晓东, 刘志远, and 周红 who is in no session
    assert count(SessionSpeaker) == 4


def test_people_are_matched_by_normalised_name_and_affiliation(ctx):
    data = conference_json(
        sessions=[
            session("a", "09:00", "10:00", speakers=[("王 敏", "四川大学", "speaker")]),
            session("b", "10:00", "11:00", speakers=[("王敏", "四川　大学", "chair")]),
            session(
                "c",
                "11:00",
                "12:00",
                speakers=[("ＷＡＮＧ Min", "", "speaker"), ("wang min", "", "guest")],
            ),
        ]
    )
    load_conference(data)
    db.session.commit()
    names = {p.name for p in db.session.execute(select(Person)).scalars()}
    assert names == {"ＷＡＮＧ Min", "王 敏"}  # two people, as first spelled


def test_a_replaced_file_cancels_published_sessions_and_deletes_the_others(ctx):
    conference = load_conference(full_document())
    db.session.commit()
    releases.publish(conference)
    db.session.commit()
    data = full_document()
    data["sessions"] = [s for s in data["sessions"] if s["code"] != "visit"]
    data["sessions"].append(session("draft", "15:00", "16:00"))
    load_conference(data, replace=True)
    db.session.commit()
    data["sessions"] = data["sessions"][:2]
    load_conference(data, replace=True)
    db.session.commit()
    rows = {s.code: s for s in db.session.execute(select(ScheduleSession)).scalars()}
    assert set(rows) == {"opening", "keynote", "visit"}
    assert rows["visit"].cancelled and not rows["opening"].cancelled
    exported = export_conference(conference)
    assert [s.get("cancelled", False) for s in exported["sessions"]] == [False, False, True]


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"starts_at": "2026-12-18 25:00"}, "sessions[0].starts_at", "local time"),
        ({"starts_at": "next monday"}, "sessions[0].starts_at", "local time"),
        ({"ends_at": "2026-12-18T08:00"}, "sessions[0].ends_at", "after starts_at"),
        (
            {"starts_at": "2026-12-25T09:00", "ends_at": "2026-12-25T10:00"},
            "sessions[0].starts_at",
            "outside the conference",
        ),
        ({"room": "hall-z"}, "sessions[0].room", "hall-z"),
        ({"forum": "nope"}, "sessions[0].forum", "nope"),
        ({"kind": "party"}, "sessions[0].kind", "one of"),
        ({"speakers": [{"name": "", "role": "speaker"}]}, "sessions[0].speakers[0].name", "empty"),
        (
            {"speakers": [{"name": "李强", "role": "boss"}]},
            "sessions[0].speakers[0].role",
            "one of",
        ),
        ({"cancelled": "yes"}, "sessions[0].cancelled", "true or false"),
    ],
)
def test_bad_sessions_are_named_and_nothing_is_loaded(ctx, change, field, reason):
    data = conference_json()
    data["sessions"][0].update(change)
    with pytest.raises(ValidationError) as refused:
        load_conference(data)
    db.session.rollback()
    assert reason in refused.value.errors[field]
    assert count(ScheduleSession) == 0 and count(Person) == 0


def test_a_bad_time_zone_and_duplicate_people_are_named(ctx):
    data = conference_json(
        timezone="Asia/Chengdu",
        people=[{"name": "李强", "affiliation": "川大"}, {"name": "李 强", "affiliation": "川大"}],
    )
    with pytest.raises(ValidationError) as refused:
        load_conference(data)
    assert "timezone" in refused.value.errors
    assert "people[0]" in refused.value.errors["people[1].name"]
