"""Publishing: one release per real change, a changelog, cancelled (not deleted) sessions,
identities that survive releases, the signal for the domains above."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from eventsys import signals
from eventsys.extensions import db
from eventsys.schedule import releases, services
from eventsys.schedule.models import ScheduleRelease, ScheduleSession
from eventsys.schedule.published import latest_release, published_sessions
from tests.schedule.helpers import make_timetable, session


def release_count() -> int:
    return db.session.execute(select(func.count()).select_from(ScheduleRelease)).scalar_one()


def by_code(conference, code) -> ScheduleSession:
    return db.session.execute(
        select(ScheduleSession).where(
            ScheduleSession.conference_id == conference.id, ScheduleSession.code == code
        )
    ).scalar_one()


def test_publish_schedule_command_and_nothing_to_publish(ctx, runner):
    make_timetable([session("a", "09:00", "10:00")])
    first = runner.invoke(args=["publish-schedule", "cy-2026", "--version", "初版"])
    assert first.exit_code == 0, first.output
    assert "version 初版" in first.output and "1 added" in first.output
    again = runner.invoke(args=["publish-schedule", "cy-2026"])
    assert again.exit_code == 1
    assert "Nothing to publish" in again.output and "初版" in again.output
    assert release_count() == 1
    unknown = runner.invoke(args=["publish-schedule", "no-such"])
    assert unknown.exit_code == 1 and "no-such" in unknown.output


def test_an_empty_timetable_has_nothing_to_publish(ctx, runner):
    make_timetable([])
    result = runner.invoke(args=["publish-schedule", "cy-2026"])
    assert result.exit_code == 1 and "no sessions" in result.output
    assert release_count() == 0


def test_the_public_sees_only_the_latest_release(ctx, client):
    conference = make_timetable([session("a", "09:00", "10:00", title="开幕式")])
    assert published_sessions(conference) == []
    assert "开幕式" not in client.get("/c/cy-2026/programme").get_data(as_text=True)
    releases.publish(conference)
    db.session.commit()
    by_code(conference, "a").title = "开幕式（草稿改名）"
    db.session.commit()
    page = client.get("/c/cy-2026/programme").get_data(as_text=True)
    assert "开幕式" in page and "草稿改名" not in page


def test_changelog_between_versions_and_the_signal(ctx, client):
    conference = make_timetable(
        [
            session("move", "09:00", "10:00"),
            session("rename", "10:00", "11:00"),
            session("drop", "11:00", "12:00", speakers=[("李强", "川大", "speaker")]),
            session("same", "14:00", "15:00"),
            session("people", "15:00", "16:00"),
        ]
    )
    first = releases.publish(conference, "v1")
    db.session.commit()
    ids = {code: by_code(conference, code).id for code in ("move", "same", "drop")}
    uuids = {code: by_code(conference, code).uuid for code in ("move", "same")}

    moved = by_code(conference, "move")
    services.move_session(conference, moved, moved.starts_at.replace(hour=2), None)
    by_code(conference, "rename").title = "新的名字"
    assert services.remove_session(conference, by_code(conference, "drop")) == "cancelled"
    services.assign_person(
        conference,
        by_code(conference, "people"),
        "chair",
        new=services.PersonFields(name="王敏", organization="川大"),
    )
    fresh = services.save_session(
        conference,
        services.SessionFields(
            code="new", title="新增", day="2026-12-19", start="09:00", end="10:00"
        ),
    )
    assert services.remove_session(conference, fresh) == "deleted"  # never published: gone
    services.save_session(
        conference,
        services.SessionFields(
            code="new", title="新增", day="2026-12-19", start="09:00", end="10:00"
        ),
    )
    db.session.commit()

    heard = []

    def receiver(sender, release, changes):
        heard.append((sender.slug, release.version, {c["code"]: c["change"] for c in changes}))

    signals.schedule_published.connect(receiver)
    try:
        second = releases.publish(conference, "v2", comment="午间调整")
        db.session.commit()
    finally:
        signals.schedule_published.disconnect(receiver)
    expected = {
        "move": "moved",
        "rename": "renamed",
        "drop": "cancelled",
        "people": "changed",
        "new": "added",
    }
    assert heard == [("cy-2026", "v2", expected)]
    assert {c["code"]: c["change"] for c in second.changes} == expected
    moved_change = next(c for c in second.changes if c["code"] == "move")
    assert moved_change["before"]["starts_at"] == "2026-12-18T01:00:00Z"
    assert moved_change["after"]["starts_at"] == "2026-12-18T02:00:00Z"
    assert (first.number, second.number) == (1, 2)

    # the cancelled session is still there, marked, for enrollments and check-in lists
    dropped = db.session.get(ScheduleSession, ids["drop"])
    assert dropped is not None and dropped.cancelled
    public = {s["code"]: s for s in published_sessions(conference)}
    assert public["drop"]["cancelled"] is True and public["drop"]["id"] == ids["drop"]
    assert public["same"]["id"] == ids["same"] and public["same"]["uuid"] == uuids["same"]
    assert public["move"]["uuid"] == uuids["move"]
    assert latest_release(conference).version == "v2"

    page = client.get("/c/cy-2026/programme/changes").get_data(as_text=True)
    for word in ("新的名字", "午间调整", "v2", "v1"):
        assert word in page


def test_a_taken_version_name_is_refused_and_nothing_saved(ctx):
    conference = make_timetable([session("a", "09:00", "10:00")])
    releases.publish(conference, "final")
    db.session.commit()
    by_code(conference, "a").title = "改"
    db.session.commit()
    import pytest

    from eventsys.errors import Conflict

    with pytest.raises(Conflict) as refused:
        releases.publish(conference, "final")
    db.session.rollback()
    assert "final" in refused.value.message
    assert release_count() == 1


def test_a_rename_of_a_room_alone_is_publishable_but_changes_no_session(ctx):
    conference = make_timetable([session("a", "09:00", "10:00")])
    releases.publish(conference)
    db.session.commit()
    conference.rooms[0].name = "A厅（新）"
    db.session.commit()
    changes, other = releases.unpublished_changes(conference)
    assert changes == [] and other is True
    release = releases.publish(conference)
    db.session.commit()
    assert release.changes == []
    assert published_sessions(conference)[0]["room"]["name"] == "A厅（新）"


def test_publishing_by_the_api(ctx, client):
    from tests.factories import make_token, make_user

    conference = make_timetable([session("a", "09:00", "10:00")])
    organizer = make_token(make_user("org@example.com"), conference, "organizer")
    staff = make_token(make_user("staff@example.com"), conference, "staff")
    url = "/api/v1/conferences/cy-2026/schedule/releases"
    assert (
        client.post(url, json={}, headers={"Authorization": f"Bearer {staff}"}).status_code == 403
    )
    answer = client.post(
        url, json={"version": "1.0"}, headers={"Authorization": f"Bearer {organizer}"}
    )
    assert answer.status_code == 201
    assert answer.get_json()["changes"] == [{"code": "a", "change": "added", "title": "会议a"}]
    again = client.post(url, json={}, headers={"Authorization": f"Bearer {organizer}"})
    assert again.status_code == 409 and again.get_json()["error"] == "nothing_to_publish"
    bad = client.post(url, json={"version": 3}, headers={"Authorization": f"Bearer {organizer}"})
    assert bad.status_code == 422 and "version" in json.dumps(bad.get_json())
