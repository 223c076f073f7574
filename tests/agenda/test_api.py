"""The enrollment rows of the API (staff): headcounts, who is enrolled, enroll, withdraw."""

from __future__ import annotations

import pytest

from eventsys.registration import services as registration_services
from tests.agenda.helpers import make_programme
from tests.factories import make_registration, make_token, make_user


@pytest.fixture
def conference(ctx):
    return make_programme()


@pytest.fixture
def staff(conference):
    token = make_token(make_user("staff@example.com", "staff", conference), conference, "staff")
    return {"Authorization": f"Bearer {token}"}


def url(conference, code="visit", rest=""):
    return f"/api/v1/conferences/{conference.slug}/sessions/{code}/enrollments{rest}"


def test_enroll_list_and_withdraw(client, conference, staff):
    people = [make_registration(conference, phone=f"1390000{n:04d}") for n in range(2)]
    answer = client.post(
        url(conference, "ws-llm"), json={"registration": people[0].id}, headers=staff
    )
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["created"] is True and body["session"]["enrolled"] == 1
    assert body["session"]["left"] == 2 and body["clashes"] == []
    again = client.post(
        url(conference, "ws-llm"), json={"registration": people[0].id}, headers=staff
    )
    assert again.status_code == 200 and again.get_json()["created"] is False
    clash = client.post(url(conference), json={"registration": people[0].id}, headers=staff)
    assert clash.status_code == 201 and clash.get_json()["clashes"] == ["ws-llm"]

    listing = client.get(url(conference, "ws-llm"), headers=staff).get_json()
    assert listing["total"] == 1
    assert listing["items"][0]["phone"] == "139****0000"
    assert listing["items"][0]["registration_id"] == people[0].id

    counts = client.get(f"/api/v1/conferences/{conference.slug}/enrollments", headers=staff)
    sessions = {s["code"]: s for s in counts.get_json()["sessions"]}
    assert set(sessions) == {"ws-llm", "visit"}  # only those that need enrollment
    assert sessions["visit"]["enrolled"] == 1 and sessions["visit"]["left"] == 0

    full = client.post(url(conference), json={"registration": people[1].id}, headers=staff)
    assert full.status_code == 409 and full.get_json()["error"] == "session_full"

    gone = client.delete(url(conference, rest=f"/{people[0].id}"), headers=staff)
    assert gone.status_code == 200 and gone.get_json()["withdrawn"] is True
    again = client.delete(url(conference, rest=f"/{people[0].id}"), headers=staff)
    assert again.get_json()["withdrawn"] is False
    assert (
        client.post(url(conference), json={"registration": people[1].id}, headers=staff).status_code
        == 201
    )


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({}, 422, "invalid"),
        ({"registration": "1"}, 422, "invalid"),
        ({"registration": True}, 422, "invalid"),
        ({"registration": 999999}, 404, "not_found"),
    ],
)
def test_bad_bodies_change_nothing(client, conference, staff, body, status, error):
    answer = client.post(url(conference), json=body, headers=staff)
    assert answer.status_code == status and answer.get_json()["error"] == error
    assert client.get(url(conference), headers=staff).get_json()["total"] == 0


def test_unknown_session_other_conference_and_not_confirmed(client, conference, staff):
    other = make_programme(slug="other")
    stranger = make_registration(other)
    mine = make_registration(conference)
    unknown = client.post(url(conference, "nope"), json={"registration": mine.id}, headers=staff)
    assert unknown.status_code == 404 and unknown.get_json()["error"] == "unknown_session"
    assert "nope" in unknown.get_json()["message"]
    foreign = client.post(url(conference), json={"registration": stranger.id}, headers=staff)
    assert foreign.status_code == 404
    registration_services.cancel(mine)
    from eventsys.extensions import db

    db.session.commit()
    refused = client.post(url(conference), json={"registration": mine.id}, headers=staff)
    assert refused.status_code == 409 and refused.get_json()["error"] == "not_confirmed"
    opening = client.post(url(conference, "opening"), json={"registration": mine.id}, headers=staff)
    assert opening.status_code == 422 and opening.get_json()["error"] == "no_enrollment"
    assert client.get(url(conference), headers=staff).get_json()["total"] == 0


def test_roles_and_tokens(client, conference):
    gate = make_token(make_user("gate@example.com", "checkin", conference), conference, "checkin")
    assert client.get(url(conference)).status_code == 401
    answer = client.get(url(conference), headers={"Authorization": f"Bearer {gate}"})
    assert answer.status_code == 403
    other = make_programme(slug="other")
    token = make_token(make_user("s2@example.com", "staff", other), other, "staff")
    answer = client.get(url(conference), headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403


def test_the_api_enrolls_only_in_the_published_programme(client, ctx):
    early = make_programme(slug="early", published=False)
    token = make_token(make_user("s3@example.com", "staff", early), early, "staff")
    person = make_registration(early)
    answer = client.post(
        url(early, "ws-llm"),
        json={"registration": person.id},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 409 and answer.get_json()["error"] == "not_published"
    assert "not been published" in answer.get_json()["message"]
    counts = client.get(
        f"/api/v1/conferences/{early.slug}/enrollments",
        headers={"Authorization": f"Bearer {token}"},
    ).get_json()
    assert counts["sessions"] == []
    from eventsys.agenda.models import SessionEnrollment
    from eventsys.extensions import db

    assert db.session.execute(db.select(SessionEnrollment)).first() is None
