"""The registration rows of the contract's HTTP API."""

import pytest
from sqlalchemy import func, select

from eventsys.extensions import db
from eventsys.registration.models import Registration
from tests.factories import make_conference, make_token, make_user

CATEGORIES = [
    {
        "code": "delegate",
        "name": "正式代表",
        "capacity": 1,
        "requires_approval": False,
        "invite_only": False,
    },
    {
        "code": "student",
        "name": "学生",
        "capacity": 5,
        "requires_approval": True,
        "invite_only": False,
    },
    {
        "code": "guest",
        "name": "特邀嘉宾",
        "capacity": None,
        "requires_approval": False,
        "invite_only": True,
    },
]


@pytest.fixture
def conference(ctx):
    return make_conference(categories=CATEGORIES)


@pytest.fixture
def staff(conference):
    return {
        "Authorization": "Bearer "
        + make_token(make_user("staff@example.com", "staff", conference), conference, "staff")
    }


def person(n, **changes):
    body = {
        "category": "delegate",
        "name": f"张{n}",
        "email": f"zhang{n}@example.com",
        "phone": f"1380000{n:04d}",
        "organization": "电子科技大学",
        "position": "副教授",
    }
    body.update(changes)
    return body


def post(client, body, headers=None):
    return client.post(
        "/api/v1/conferences/cy-2026/registrations", json=body, headers=headers or {}
    )


def test_public_registration_and_waitlist(conference, client):
    first = post(client, person(1))
    assert first.status_code == 201
    body = first.get_json()
    assert body["status"] == "confirmed" and "/r/" in body["manage_url"]
    second = post(client, person(2))
    assert second.status_code == 201 and second.get_json()["status"] == "waitlisted"
    pending = post(client, person(3, category="student"))
    assert pending.get_json()["status"] == "pending"


def test_duplicate_is_409(conference, client):
    assert post(client, person(1)).status_code == 201
    again = post(client, person(2, email="ZHANG1@example.com"))
    assert again.status_code == 409
    assert again.get_json()["error"] == "already_registered"
    phone = post(client, person(3, phone="+86 138-0000-0001"))
    assert phone.status_code == 409


def test_invalid_is_422_naming_fields(conference, client):
    response = post(client, {"category": "nope", "name": "x" * 101, "email": "bad", "phone": "1"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid"
    assert set(body["errors"]) >= {"category", "name", "email", "phone"}
    not_json = client.post("/api/v1/conferences/cy-2026/registrations", data="x")
    assert not_json.status_code == 422
    assert db.session.execute(select(func.count()).select_from(Registration)).scalar_one() == 0


def test_invite_only_needs_a_code(conference, client):
    response = post(client, person(1, category="guest"))
    assert response.status_code == 403
    assert response.get_json()["error"] == "invitation_required"
    wrong = post(client, person(1, category="guest", invite_code="NOPE"))
    assert wrong.status_code == 403


def test_unknown_conference(client):
    assert post(client, person(1)).status_code == 404


def test_staff_token_obeys_capacity_and_organizer_may_override(conference, client, staff):
    assert post(client, person(1), staff).get_json()["status"] == "confirmed"
    assert post(client, person(2), staff).get_json()["status"] == "waitlisted"
    refused = post(client, person(3, override_capacity=True), staff)
    assert refused.status_code == 403
    organizer = {
        "Authorization": "Bearer "
        + make_token(make_user("org@example.com", "organizer", conference), conference, "organizer")
    }
    forced = post(client, person(4, override_capacity=True), organizer)
    assert forced.get_json()["status"] == "confirmed"


def test_list_search_filter_and_paging(conference, client, staff):
    for n in range(1, 6):
        post(client, person(n, category="student"))
    post(client, person(9, name="李白", organization="四川大学"))
    listing = client.get(
        "/api/v1/conferences/cy-2026/registrations?per_page=2&page=2", headers=staff
    )
    assert listing.status_code == 200
    body = listing.get_json()
    assert body["total"] == 6 and body["page"] == 2 and body["per_page"] == 2
    assert len(body["items"]) == 2
    item = body["items"][0]
    assert set(item) >= {
        "id",
        "name",
        "email",
        "organization",
        "category",
        "status",
        "checkin_code",
    }
    assert "/q/" in item["checkin_code"]
    found = client.get("/api/v1/conferences/cy-2026/registrations?q=李白", headers=staff)
    assert [i["name"] for i in found.get_json()["items"]] == ["李白"]
    pending = client.get("/api/v1/conferences/cy-2026/registrations?status=pending", headers=staff)
    assert pending.get_json()["total"] == 5
    bad = client.get("/api/v1/conferences/cy-2026/registrations?per_page=501", headers=staff)
    assert bad.status_code == 422
    assert client.get("/api/v1/conferences/cy-2026/registrations").status_code == 401


def test_checkin_token_cannot_list(conference, client):
    checkin = {
        "Authorization": "Bearer "
        + make_token(make_user("gate@example.com", "checkin", conference), conference, "checkin")
    }
    response = client.get("/api/v1/conferences/cy-2026/registrations", headers=checkin)
    assert response.status_code == 403


def test_approve_and_cancel_with_promotion(conference, client, staff):
    first = post(client, person(1)).get_json()["id"]
    waiting = post(client, person(2)).get_json()["id"]
    cancelled = client.post(
        f"/api/v1/conferences/cy-2026/registrations/{first}/cancel", headers=staff
    )
    assert cancelled.status_code == 200
    assert cancelled.get_json() == {"id": first, "status": "cancelled", "promoted": waiting}

    pending = post(client, person(3, category="student")).get_json()["id"]
    approved = client.post(
        f"/api/v1/conferences/cy-2026/registrations/{pending}/approve", headers=staff
    )
    assert approved.get_json()["status"] == "confirmed"
    again = client.post(f"/api/v1/conferences/cy-2026/registrations/{first}/approve", headers=staff)
    assert again.status_code == 409
    missing = client.post("/api/v1/conferences/cy-2026/registrations/9999/cancel", headers=staff)
    assert missing.status_code == 404
