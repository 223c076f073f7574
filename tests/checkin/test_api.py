"""The check-in rows of the contract's HTTP API, and the extra check-in endpoints."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from eventsys.checkin.codes import checkin_code
from eventsys.checkin.models import Checkin, CheckinState
from eventsys.checkin.offline import offline_hash
from eventsys.extensions import db
from eventsys.registration import services as registration_services
from tests.factories import make_conference, make_registration, make_token, make_user

LISTS = [
    {"code": "main", "name": "主会场入口", "session": None},
    {"code": "hall", "name": "展厅", "session": None},
]


@pytest.fixture
def conference(ctx):
    return make_conference(checkin_lists=LISTS)


def bearer(conference, role: str, email: str | None = None) -> dict:
    user = make_user(email or f"{role}@example.com", role, conference)
    return {"Authorization": "Bearer " + make_token(user, conference, role)}


@pytest.fixture
def gate(conference):
    return bearer(conference, "checkin")


def post_scan(client, headers, code, nonce, **extra):
    body = {"code": code, "list": "main", "gate": "east-1", "nonce": nonce, **extra}
    return client.post("/api/v1/conferences/cy-2026/checkins", json=body, headers=headers)


def count(model) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_contract_scan_then_duplicate(client, conference, gate):
    person = make_registration(conference, name="李四")
    code = checkin_code(person.checkin_token)
    first = post_scan(client, gate, code, "n1")
    assert first.status_code == 200
    assert first.json["status"] == "ok"
    assert first.json["registration"]["name"] == "李四"
    assert first.json["first_checked_in_at"]
    second = post_scan(client, gate, code, "n2", gate="west-3")
    assert second.status_code == 200
    assert second.json["status"] == "already_checked_in"
    assert second.json["first_gate"] == "east-1"
    assert second.json["first_checked_in_at"] == first.json["first_checked_in_at"]
    again = post_scan(client, gate, code, "n1")
    assert again.json == first.json
    assert count(Checkin) == 2
    row = db.session.execute(select(Checkin).order_by(Checkin.id)).scalars().first()
    assert row.api_token_id is not None and row.operator_user_id is not None


def test_authentication_and_roles(client, conference):
    person = make_registration(conference)
    code = checkin_code(person.checkin_token)
    assert post_scan(client, {}, code, "n").status_code == 401
    assert post_scan(client, {"Authorization": "Bearer esk_nope"}, code, "n").status_code == 401
    other = make_conference(slug="other-2026", checkin_lists=LISTS)
    foreign = bearer(other, "checkin", "other-gate@example.com")
    answer = post_scan(client, foreign, code, "n")
    assert answer.status_code == 403
    assert answer.json["error"] == "forbidden"
    assert count(Checkin) == 0


@pytest.mark.parametrize(
    "body, field",
    [
        ({"list": "main", "gate": "g", "nonce": "n"}, "code"),
        ({"code": "x", "gate": "g", "nonce": "n"}, "list"),
        ({"code": "x", "list": "nope", "gate": "g", "nonce": "n"}, "list"),
        ({"code": "x", "list": "main", "nonce": "n"}, "gate"),
        ({"code": "x", "list": "main", "gate": "g"}, "nonce"),
        ({"code": "x", "list": "main", "gate": "g", "nonce": ""}, "nonce"),
        ({"code": "x", "list": "main", "gate": "g", "nonce": "n", "type": "sideways"}, "type"),
        ({"code": "x", "list": ["main"], "gate": "g", "nonce": "n"}, "list"),
        ({"code": "x", "list": "main", "gate": {"a": 1}, "nonce": "n"}, "gate"),
        ({"code": "x", "list": "main", "gate": "g", "nonce": "n" * 500}, "nonce"),
    ],
)
def test_missing_or_malformed_fields_are_422_json(client, gate, body, field):
    answer = client.post("/api/v1/conferences/cy-2026/checkins", json=body, headers=gate)
    assert answer.status_code == 422
    assert answer.json["error"] == "invalid"
    assert field in answer.json["errors"]
    assert count(Checkin) == 0


@pytest.mark.parametrize(
    "raw, content_type",
    [
        (b"not json at all", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b"\xff\xfe\x00binary", "application/json"),
        (b'{"code": "x"', "application/json"),
        (b"code=x", "application/x-www-form-urlencoded"),
        (b"", "application/json"),
    ],
)
def test_bad_bodies_are_4xx_json_never_500(client, gate, raw, content_type):
    answer = client.post(
        "/api/v1/conferences/cy-2026/checkins",
        data=raw,
        headers={**gate, "Content-Type": content_type},
    )
    assert 400 <= answer.status_code < 500
    assert "error" in answer.json


@pytest.mark.parametrize(
    "code",
    [
        "garbage",
        "é" * 10_000,
        "https://x.example/q/AAAAAAAAAAAAAAAAAAAA.AAAAAAAAAA",
        7,
        True,
    ],
)
def test_garbage_codes_are_answered_invalid(client, gate, code):
    answer = post_scan(client, gate, code, f"n-{hash(str(code))}")
    assert answer.status_code == 200
    assert answer.json["status"] == "invalid"
    assert answer.json["registration"] is None


def test_a_code_with_nul_bytes_is_refused_and_nothing_recorded(client, gate):
    """Text that cannot be stored is refused at the boundary, before any decision."""
    answer = post_scan(client, gate, "\x00\x01", "n-nul")
    assert 400 <= answer.status_code < 500
    assert "error" in answer.json
    assert count(Checkin) == 0


def test_pending_says_not_confirmed(client, conference, gate):
    conference_with_approval = make_conference(
        slug="approve-2026",
        categories=[
            {
                "code": "student",
                "name": "学生",
                "capacity": None,
                "requires_approval": True,
                "invite_only": False,
            }
        ],
        checkin_lists=LISTS,
    )
    pending = make_registration(conference_with_approval, "student")
    headers = bearer(conference_with_approval, "checkin", "gate2@example.com")
    answer = client.post(
        "/api/v1/conferences/approve-2026/checkins",
        json={
            "code": checkin_code(pending.checkin_token),
            "list": "main",
            "gate": "g",
            "nonce": "p1",
        },
        headers=headers,
    )
    assert answer.json["status"] == "not_confirmed"
    assert answer.json["registration"]["status"] == "pending"


def test_stats(client, conference, gate):
    people = [make_registration(conference) for _ in range(3)]
    post_scan(client, gate, checkin_code(people[0].checkin_token), "a")
    post_scan(client, gate, checkin_code(people[1].checkin_token), "b", gate="west")
    post_scan(client, gate, checkin_code(people[1].checkin_token), "c", list="hall")
    post_scan(client, gate, checkin_code(people[1].checkin_token), "d", list="hall", type="exit")
    post_scan(client, gate, "junk", "e")
    stats = client.get("/api/v1/conferences/cy-2026/checkins/stats", headers=gate)
    assert stats.status_code == 200
    body = stats.json
    assert body["confirmed"] == 3
    assert body["checked_in"] == 2
    assert body["lists"]["main"]["checked_in"] == 2
    assert body["lists"]["main"]["inside"] == 2
    assert body["lists"]["hall"]["checked_in"] == 1
    assert body["lists"]["hall"]["inside"] == 0
    assert body["gates"] == {"east-1": 4, "west": 1}
    assert body["categories"]["delegate"] == {"name": "正式代表", "confirmed": 3, "checked_in": 2}
    assert sum(a["count"] for a in body["arrivals"]) == 2
    assert client.get("/api/v1/conferences/cy-2026/checkins/stats").status_code == 401


def test_search_masks_phones(client, conference, gate):
    make_registration(conference, name="王小明", phone="13812345678", email="wxm@example.com")
    make_registration(conference, name="赵六")
    for q in ("王小", "5678", "wxm@"):
        found = client.get(
            "/api/v1/conferences/cy-2026/checkins/search", query_string={"q": q}, headers=gate
        ).json["items"]
        assert [item["name"] for item in found] == ["王小明"], q
        assert found[0]["phone"] == "138****5678"
    assert "13812345678" not in client.get(
        "/api/v1/conferences/cy-2026/checkins/search", query_string={"q": "王"}, headers=gate
    ).get_data(as_text=True)


def test_offline_list_hashes_codes_and_is_small(client, conference, gate):
    person = make_registration(conference, name="钱七")
    answer = client.get("/api/v1/conferences/cy-2026/checkins/offline?list=main", headers=gate)
    assert answer.status_code == 200
    data = answer.json
    text = answer.get_data(as_text=True)
    assert person.checkin_token not in text and person.manual_code not in text
    import base64

    key = base64.urlsafe_b64decode(data["key"])
    row = data["attendees"][0]
    fields = dict(zip(data["fields"], row, strict=True))
    assert fields["token_hash"] == offline_hash(key, "t", person.checkin_token)
    assert fields["manual_hash"] == offline_hash(key, "m", person.manual_code)
    assert fields["name"] == "钱七"
    assert data["statuses"][fields["status"]] == "confirmed"
    assert [cl["code"] for cl in data["lists"]] == ["main"]
    assert len(gzip.compress(json.dumps(data, ensure_ascii=False).encode())) < 2000
    assert (
        client.get(
            "/api/v1/conferences/cy-2026/checkins/offline?list=nope", headers=gate
        ).status_code
        == 422
    )


def test_offline_batch_records_and_reports_conflicts(client, conference, gate):
    alice, bob = make_registration(conference), make_registration(conference)
    # Online, alice came in at the east gate.
    post_scan(client, gate, checkin_code(alice.checkin_token), "online-1")
    earlier = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    scans = [
        {
            "code": checkin_code(alice.checkin_token),
            "list": "main",
            "gate": "south-offline",
            "nonce": "off-1",
            "scanned_at": earlier,
        },
        {
            "code": bob.manual_code,
            "list": "main",
            "gate": "south-offline",
            "nonce": "off-2",
            "scanned_at": earlier,
        },
        {"code": "junk", "list": "main", "gate": "south-offline", "nonce": "off-3"},
        {"code": "x", "list": "main", "gate": "south-offline"},
        "not an object",
    ]
    url = "/api/v1/conferences/cy-2026/checkins/offline"
    answer = client.post(url, json={"scans": scans}, headers=gate)
    assert answer.status_code == 200
    body = answer.json
    assert [r.get("status") for r in body["results"]] == [
        "already_checked_in",
        "ok",
        "invalid",
        None,
        None,
    ]
    assert body["results"][3]["errors"] == {"nonce": "required"}
    assert body["recorded"] == 3
    assert len(body["conflicts"]) == 1
    conflict = body["conflicts"][0]
    assert conflict["registration"]["id"] == alice.id
    assert (conflict["gate"], conflict["first_gate"]) == ("south-offline", "east-1")
    rows = db.session.execute(select(Checkin).where(Checkin.offline.is_(True))).scalars().all()
    assert len(rows) == 3
    # Uploading the same batch again (the device did not hear the answer) records nothing.
    again = client.post(url, json={"scans": scans}, headers=gate)
    assert again.json["recorded"] == 3
    assert count(Checkin) == 4
    assert client.post(url, json={"scans": "nope"}, headers=gate).status_code == 422


def test_undo_needs_staff_and_resets_the_state(client, conference, gate):
    person = make_registration(conference)
    code = checkin_code(person.checkin_token)
    post_scan(client, gate, code, "first")
    scan_id = db.session.execute(select(Checkin.id)).scalar_one()
    url = f"/api/v1/conferences/cy-2026/checkins/{scan_id}/undo"
    assert client.post(url, headers=gate).status_code == 403
    staff = bearer(conference, "staff")
    undone = client.post(url, headers=staff)
    assert undone.status_code == 200
    assert undone.json["type"] == "reversal"
    assert undone.json["reverses_id"] == scan_id
    assert count(CheckinState) == 0
    assert client.post(url, headers=staff).status_code == 409  # once only
    # The person can be checked in again; the mistaken row is still there.
    assert post_scan(client, gate, code, "second").json["status"] == "ok"
    assert count(Checkin) == 3
    recent = client.get("/api/v1/conferences/cy-2026/checkins/recent", headers=gate).json
    assert [(i["type"], i["reversed"]) for i in recent["items"]] == [
        ("entry", False),
        ("reversal", False),
        ("entry", True),
    ]


def test_cancel_after_checkin_then_scan_says_cancelled(client, conference, gate):
    person = make_registration(conference)
    code = checkin_code(person.checkin_token)
    post_scan(client, gate, code, "a")
    registration_services.cancel(person)
    db.session.commit()
    assert post_scan(client, gate, code, "b").json["status"] == "cancelled"
