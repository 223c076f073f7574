"""Warnings about the draft: each kind found, none invented, never blocking a save."""

from __future__ import annotations

from eventsys.extensions import db
from eventsys.schedule.conflicts import find_conflicts, overlapping_pairs
from tests.factories import make_token, make_user
from tests.schedule.helpers import make_timetable, session


def kinds(conference) -> list[tuple[str, list[str]]]:
    return [(c["type"], c["sessions"]) for c in find_conflicts(conference)]


def test_sessions_with_identical_start_and_length_in_one_room_are_caught(ctx):
    conference = make_timetable([session("a", "09:00", "10:00"), session("b", "09:00", "10:00")])
    assert kinds(conference) == [("room_overlap", ["a", "b"])]
    detail = find_conflicts(conference)[0]["detail"]
    assert "A厅" in detail and "会议a" in detail and "会议b" in detail


def test_partial_and_nested_overlaps_are_caught_but_touching_sessions_are_not(ctx):
    conference = make_timetable(
        [
            session("long", "09:00", "12:00"),
            session("inside", "10:00", "10:30"),
            session("tail", "11:30", "12:30"),
            session("after", "12:30", "13:00"),  # starts as "tail" ends: fine
            session("other-room", "09:00", "12:00", room="hall-b"),
        ]
    )
    assert kinds(conference) == [
        ("room_overlap", ["long", "inside"]),
        ("room_overlap", ["long", "tail"]),
    ]


def test_a_person_in_two_overlapping_sessions_even_spelled_with_spaces_or_full_width(ctx):
    conference = make_timetable(
        [
            session("a", "09:00", "10:00", speakers=[("张三", "四川大学", "speaker")]),
            # the same person: a full-width space, and an ASCII space
            session(
                "b", "09:30", "10:30", room="hall-b", speakers=[("张　三", "四川大学", "chair")]
            ),
            session("c", "09:45", "10:15", room=None, speakers=[("张 三", "四川 大学", "guest")]),
            # another 张三 of another university is another person
            session("d", "09:00", "10:00", room=None, speakers=[("张三", "重庆大学", "speaker")]),
        ]
    )
    found = [c for c in find_conflicts(conference) if c["type"] == "speaker_double_booked"]
    assert [c["sessions"] for c in found] == [["a", "b"], ["a", "c"], ["b", "c"]]
    assert "张三" in found[0]["detail"]


def test_capacity_above_the_rooms_outside_the_dates_and_across_midnight(ctx, client):
    conference = make_timetable(
        [
            session("big", "09:00", "10:00", room="hall-b", capacity=150),
            session("fits", "11:00", "12:00", room="hall-b", capacity=100),
            session("late", "2026-12-18T23:00", "2026-12-19T00:30", room=None),
            session("midnight", "2026-12-19T23:00", "2026-12-20T00:00", room=None),
        ]
    )
    assert kinds(conference) == [
        ("capacity_exceeds_room", ["big"]),
        ("crosses_midnight", ["late"]),
    ]
    # the conference is shortened after the timetable was made
    conference.ends_on = conference.starts_on
    db.session.commit()
    assert kinds(conference) == [
        ("capacity_exceeds_room", ["big"]),
        ("outside_conference", ["late"]),
        ("outside_conference", ["midnight"]),
        ("crosses_midnight", ["late"]),
    ]


def test_cancelled_sessions_cause_no_warning(ctx):
    conference = make_timetable(
        [session("a", "09:00", "10:00"), session("b", "09:00", "10:00", cancelled=True)]
    )
    assert kinds(conference) == []


def test_the_sweep_reports_each_overlapping_pair_once():
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    base = datetime(2026, 12, 18, 1, tzinfo=UTC)
    items = [
        SimpleNamespace(
            id=i,
            starts_at=base + timedelta(minutes=10 * i),
            ends_at=base + timedelta(minutes=10 * i + 25),
        )
        for i in range(50)
    ]
    pairs = {(a.id, b.id) for a, b in overlapping_pairs(items)}
    expected = {
        (a.id, b.id)
        for a in items
        for b in items
        if a.id < b.id and a.starts_at < b.ends_at and b.starts_at < a.ends_at
    }
    assert pairs == expected and len(pairs) == 49 * 2 - 1


def test_the_api_gives_the_conflicts_to_staff_only(ctx, client):
    conference = make_timetable(
        [
            session("a", "09:00", "10:00", speakers=[("王敏", "川大", "speaker")]),
            session("b", "09:00", "10:00", speakers=[("王 敏", "川大", "speaker")]),
        ]
    )
    staff = make_token(make_user("staff@example.com"), conference, "staff")
    checkin = make_token(make_user("gate@example.com"), conference, "checkin")
    url = "/api/v1/conferences/cy-2026/schedule/conflicts"
    answer = client.get(url, headers={"Authorization": f"Bearer {staff}"})
    assert answer.status_code == 200
    body = answer.get_json()
    assert [(c["type"], c["sessions"]) for c in body["conflicts"]] == [
        ("room_overlap", ["a", "b"]),
        ("speaker_double_booked", ["a", "b"]),
    ]
    assert all(c["detail"] for c in body["conflicts"])
    assert client.get(url, headers={"Authorization": f"Bearer {checkin}"}).status_code == 403
    assert client.get(url).status_code == 401
