"""The organizer's editor: forms and the grid's moves, bad input refused with nothing saved,
warnings shown but never blocking, people assigned (and matched), roles enforced."""

from __future__ import annotations

from sqlalchemy import func, select

from eventsys.extensions import db
from eventsys.schedule.models import Person, ScheduleSession
from tests.conftest import csrf_token, login, submit
from tests.factories import PASSWORD, make_user
from tests.schedule.helpers import make_timetable, session

GRID = "/manage/cy-2026/schedule/"


def sign_in(client, conference, role="organizer"):
    make_user(f"{role}@example.com", role, conference)
    login(client, f"{role}@example.com", PASSWORD)
    submit(client, "/c/cy-2026/", {"next": "/"}, action="/language/en")  # messages in English


def sessions_count() -> int:
    return db.session.execute(select(func.count()).select_from(ScheduleSession)).scalar_one()


def get(code) -> ScheduleSession:
    db.session.expire_all()
    return db.session.execute(
        select(ScheduleSession).where(ScheduleSession.code == code)
    ).scalar_one()


def form(**changes) -> dict:
    values = {
        "code": "ai-1",
        "title": "人工智能分论坛",
        "title_en": "AI Forum",
        "kind": "forum",
        "day": "2026-12-18",
        "start": "14:00",
        "end": "17:30",
        "room": "",
        "forum": "",
        "capacity": "",
        "description": "",
        "description_en": "",
    }
    values.update(changes)
    return values


def test_add_a_session_then_see_it_on_the_grid_with_its_warning(ctx, client):
    conference = make_timetable([session("opening", "14:00", "15:00")])
    sign_in(client, conference)
    room = str(conference.rooms[0].id)
    answer = submit(client, GRID + "new", form(room=room, capacity="800"))
    assert answer.status_code == 302
    created = get("ai-1")
    assert created.starts_at.isoformat() == "2026-12-18T06:00:00+00:00"
    assert created.capacity == 800 and created.room.code == "hall-a"
    grid = client.get(GRID).get_data(as_text=True)
    assert "AI Forum" in grid  # the English page shows the English title
    assert "A厅: 会议opening and AI Forum overlap (12-18 14:00–15:00)." in grid
    assert "has-warning" in grid
    page = client.get(f"{GRID}{created.id}").get_data(as_text=True)
    assert "AI Forum offers 800 seats; A厅 holds 500." in page
    assert "Not published yet" in grid


def test_bad_input_is_refused_beside_the_field_and_nothing_is_saved(ctx, client):
    conference = make_timetable([session("opening", "09:00", "10:00")])
    other = make_timetable([], slug="other-2026")
    sign_in(client, conference)
    before = sessions_count()
    cases = [
        (form(end="13:00"), "The end must be after the start."),
        (form(day="2026-12-25"), "The conference runs from 2026-12-18 to 2026-12-19"),
        (form(day="18/12/2026"), "a date as YYYY-MM-DD"),
        (form(start="25:99"), "a time as HH:MM"),
        (form(room=str(other.rooms[0].id)), "No such room in this conference."),
        (form(forum="99999"), "No such forum in this conference."),
        (form(code="opening"), "Another session has this code."),
        (form(title=""), "required"),
        (form(capacity="-3"), "a whole number, or empty for no limit"),
        (form(kind="party"), "one of opening, plenary"),
    ]
    for data, message in cases:
        answer = submit(client, GRID + "new", data)
        assert answer.status_code in (200, 422), data
        assert message in answer.get_data(as_text=True), message
    assert sessions_count() == before


def test_drag_and_drop_moves_a_session_and_answers_its_warnings(ctx, client):
    conference = make_timetable(
        [session("a", "09:00", "10:00"), session("b", "11:00", "12:00", room="hall-b")]
    )
    sign_in(client, conference)
    token = csrf_token(client, GRID)
    a = get("a")
    hall_b = conference.rooms[1].id
    moved = client.post(
        GRID + "move",
        json={"session": a.id, "starts_at": "2026-12-18T11:30", "room": hall_b},
        headers={"X-CSRFToken": token},
    )
    assert moved.status_code == 200, moved.get_data(as_text=True)
    assert moved.get_json()["warnings"] == ["B厅: 会议b and 会议a overlap (12-18 11:30–12:00)."]
    a = get("a")
    assert (a.starts_at.hour, a.ends_at.hour, a.ends_at.minute) == (3, 4, 30)  # UTC
    assert a.room_id == hall_b
    # outside the conference: refused, nothing changed
    refused = client.post(
        GRID + "move",
        json={"session": a.id, "starts_at": "2026-12-20T09:00", "room": None},
        headers={"X-CSRFToken": token},
    )
    assert refused.status_code == 422 and "2026-12-19" in refused.get_json()["errors"]["day"]
    bad = client.post(
        GRID + "move",
        json={"session": a.id, "starts_at": "tomorrow", "room": None},
        headers={"X-CSRFToken": token},
    )
    assert bad.status_code == 422
    no_csrf = client.post(GRID + "move", json={"session": a.id, "starts_at": "2026-12-18T09:00"})
    assert no_csrf.status_code == 400
    assert get("a").starts_at.hour == 3
    other = make_timetable([session("x", "09:00", "10:00")], slug="other-2026")
    foreign = db.session.execute(
        select(ScheduleSession).where(ScheduleSession.conference_id == other.id)
    ).scalar_one()
    stolen = client.post(
        GRID + "move",
        json={"session": foreign.id, "starts_at": "2026-12-18T15:00", "room": None},
        headers={"X-CSRFToken": token},
    )
    assert stolen.status_code == 404


def test_people_are_assigned_and_matched_by_name_and_organization(ctx, client):
    conference = make_timetable(
        [
            session("a", "09:00", "10:00", speakers=[("张三", "四川大学", "speaker")]),
            session("b", "10:00", "11:00"),
        ]
    )
    sign_in(client, conference)
    b = get("b")
    page = f"{GRID}{b.id}"
    # typed with a full-width space: the same person, not a new row
    answer = submit(
        client,
        page,
        {
            "assign-name": "张　三",
            "assign-organization": "四川大学",
            "assign-role": "chair",
            "assign-person": "",
        },
        action=f"{page}/people",
    )
    assert answer.status_code == 302
    assert db.session.execute(select(func.count()).select_from(Person)).scalar_one() == 1
    assert [(link.person.name, link.role) for link in get("b").speakers] == [("张三", "chair")]
    # the same role twice is refused
    person = db.session.execute(select(Person)).scalar_one()
    again = submit(
        client,
        page,
        {"assign-person": str(person.id), "assign-role": "chair"},
        action=f"{page}/people",
    )
    assert again.status_code == 422 and "already has this role" in again.get_data(as_text=True)
    unknown = submit(
        client, page, {"assign-person": "99999", "assign-role": "chair"}, action=f"{page}/people"
    )
    assert unknown.status_code == 422
    assert "No such person in this conference." in unknown.get_data(as_text=True)
    assert len(get("b").speakers) == 1


def test_copy_cancel_delete_and_restore(ctx, client):
    from eventsys.schedule import releases

    conference = make_timetable(
        [session("a", "09:00", "10:00", speakers=[("李强", "", "speaker")])]
    )
    releases.publish(conference)
    db.session.commit()
    sign_in(client, conference)
    a = get("a")
    copied = submit(client, f"{GRID}{a.id}", {}, action=f"{GRID}{a.id}/copy")
    assert copied.status_code == 302
    copy = get("a-2")
    assert [link.person.name for link in copy.speakers] == ["李强"]
    assert copy.published_at is None
    submit(client, f"{GRID}{copy.id}", {}, action=f"{GRID}{copy.id}/delete")
    assert sessions_count() == 1  # never published: really deleted
    submit(client, f"{GRID}{a.id}", {}, action=f"{GRID}{a.id}/delete")
    assert get("a").cancelled  # published: kept, cancelled
    grid = client.get(GRID).get_data(as_text=True)
    assert "cancelled" in grid
    submit(client, f"{GRID}{a.id}", {}, action=f"{GRID}{a.id}/restore")
    assert not get("a").cancelled


def test_contact_details_stay_with_staff(ctx, client):
    from eventsys.schedule import releases

    conference = make_timetable(
        [session("a", "09:00", "10:00", speakers=[("李强", "川大", "speaker")])]
    )
    sign_in(client, conference)
    person = db.session.execute(select(Person)).scalar_one()
    answer = submit(
        client,
        f"{GRID}people/{person.id}",
        {
            "name": "李强",
            "organization": "川大",
            "title": "教授",
            "bio": "研究机器人。",
            "contact": "13800000000",
            "name_en": "",
            "bio_en": "",
        },
    )
    assert answer.status_code == 302
    assert "13800000000" in client.get(f"{GRID}people").get_data(as_text=True)
    releases.publish(conference)
    db.session.commit()
    for path in (
        "/c/cy-2026/speakers",
        "/c/cy-2026/schedule.json",
        "/c/cy-2026/programme",
        f"/c/cy-2026/programme/{get('a').id}",
    ):
        text = client.get(path).get_data(as_text=True)
        assert "13800000000" not in text
    assert "研究机器人。" in client.get("/c/cy-2026/speakers").get_data(as_text=True)
    # a second person with the same name and organization is refused
    duplicate = submit(client, f"{GRID}people/new", {"name": "李 强", "organization": "川大"})
    assert duplicate.status_code == 422 and "already listed" in duplicate.get_data(as_text=True)


def test_only_organizers_edit_the_timetable(ctx, client):
    conference = make_timetable([session("a", "09:00", "10:00")])
    sign_in(client, conference, role="staff")
    assert client.get(GRID).status_code == 403
    assert client.get(GRID + "publish").status_code == 403
    assert client.get(GRID + "releases").status_code == 200
    a = get("a")
    assert (
        client.post(
            f"{GRID}{a.id}/delete", data={"csrf_token": csrf_token(client, "/account")}
        ).status_code
        == 403
    )
    assert sessions_count() == 1


def test_publishing_from_the_editor_shows_the_diff_and_refuses_nothing_changed(ctx, client):
    conference = make_timetable([session("a", "09:00", "10:00")])
    sign_in(client, conference)
    page = client.get(GRID + "publish").get_data(as_text=True)
    assert "会议a" in page
    done = submit(client, GRID + "publish", {"version": "初版", "comment": ""})
    assert done.status_code == 302
    assert "初版" in client.get(GRID + "releases").get_data(as_text=True)
    again = client.get(GRID + "publish").get_data(as_text=True)
    assert "No unpublished changes." in again
    refused = client.post(
        GRID + "publish", data={"version": "", "csrf_token": csrf_token(client, GRID)}
    )
    assert refused.status_code == 409
    assert "Nothing to publish" in refused.get_data(as_text=True)
