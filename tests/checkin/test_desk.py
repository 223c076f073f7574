"""The check-in desk's pages and their JSON endpoints, as the scanner page's script uses them."""

from __future__ import annotations

import re

import pytest

from eventsys.checkin.codes import checkin_code
from tests.conftest import login
from tests.factories import PASSWORD, make_conference, make_registration, make_user

SCANNER = "/manage/cy-2026/checkin/"


@pytest.fixture
def desk(ctx, client):
    """A conference, a confirmed attendee and a signed-in checkin operator; the page's CSRF
    token as its script sends it."""
    conference = make_conference()
    person = make_registration(conference, name="王敏", organization="四川大学")
    make_user("gate@example.com", "checkin", conference)
    code = checkin_code(person.checkin_token)
    manual = person.manual_code
    login(client, "gate@example.com", PASSWORD)
    html = client.get(SCANNER).get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
    return {"code": code, "manual": manual, "csrf": token, "conference": conference}


def post_scan(client, desk, code, nonce, **extra):
    body = {"code": code, "list": "main", "gate": "东门1", "nonce": nonce, **extra}
    return client.post(SCANNER + "scan", json=body, headers={"X-CSRFToken": desk["csrf"]})


def test_scanner_page_lets_only_itself_compile_the_qr_reader(desk, client):
    response = client.get(SCANNER)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="scan-input"' in html and 'id="manual-code"' in html
    assert "主会场入口" in html  # the list to choose
    assert "'wasm-unsafe-eval'" in response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    # the checkin role gets no link to the walk-in desk
    assert "/walk-in" not in html
    other = client.get("/manage/cy-2026/checkin/dashboard")
    assert "wasm-unsafe-eval" not in other.headers["Content-Security-Policy"]


def test_a_code_is_admitted_once_then_already_checked_in(desk, client):
    first = post_scan(client, desk, desk["code"], "n-1")
    assert first.status_code == 200
    assert first.json["status"] == "ok"
    assert first.json["registration"]["name"] == "王敏"
    second = post_scan(client, desk, desk["manual"].lower(), "n-2")
    assert second.json["status"] == "already_checked_in"
    assert second.json["first_gate"] == "东门1"
    # the same nonce again (a retried request) gets the first answer
    assert post_scan(client, desk, desk["code"], "n-1").json["status"] == "ok"


def test_scan_refusals_are_json(desk, client):
    no_csrf = client.post(
        SCANNER + "scan", json={"code": desk["code"], "list": "main", "gate": "g", "nonce": "x"}
    )
    assert no_csrf.status_code == 400
    unknown_list = post_scan(client, desk, desk["code"], "n-3", list="nope")
    assert unknown_list.status_code == 422
    assert "list" in unknown_list.json["errors"]
    no_gate = post_scan(client, desk, desk["code"], "n-4", gate="")
    assert no_gate.status_code == 422 and "gate" in no_gate.json["errors"]
    garbage = post_scan(client, desk, "x" * 5000, "n-5")
    assert garbage.status_code == 200 and garbage.json["status"] == "invalid"
    unstorable = post_scan(client, desk, "\x00" * 5000, "n-7")
    assert 400 <= unstorable.status_code < 500 and unstorable.is_json
    client.post("/logout", data={"csrf_token": desk["csrf"]})
    signed_out = post_scan(client, desk, desk["code"], "n-6")
    assert signed_out.status_code in (400, 401)
    assert signed_out.is_json


def test_someone_without_a_role_cannot_scan(ctx, client):
    conference = make_conference()
    make_registration(conference)
    make_user("outsider@example.com")
    login(client, "outsider@example.com", PASSWORD)
    assert client.get(SCANNER).status_code == 403
    search = client.get(SCANNER + "search?q=王")
    assert search.status_code == 403 and search.is_json


def test_dashboard_and_wall_show_the_arrival(desk, client):
    post_scan(client, desk, desk["code"], "n-1")
    data = client.get(SCANNER + "dashboard.json").json
    assert data["checked_in"] == 1
    main = next(cl for cl in data["lists"] if cl["code"] == "main")
    assert main["checked_in"] == 1 and main["inside"] == 1
    assert main["gates"] == [{"gate": "东门1", "checked_in": 1, "inside": 1}]
    assert sum(slot["count"] for slot in data["arrivals"]) == 1
    assert data["no_shows"][0]["missing"] == 0
    assert data["recent"][0]["name"] == "王敏"
    page = client.get(SCANNER + "dashboard").get_data(as_text=True)
    assert "王敏" in page
    wall = client.get(SCANNER + "wall").get_data(as_text=True)
    assert "王敏" in wall and "四川大学" in wall
    assert client.get(SCANNER + "wall.json").json["checked_in"] == 1


def test_overview_and_navigation_lead_to_the_scanner(desk, client):
    html = client.get("/manage/cy-2026/").get_data(as_text=True)
    assert 'href="/manage/cy-2026/checkin/"' in html
    assert 'href="/manage/cy-2026/checkin/wall"' in html


def test_offline_list_comes_compressed_and_search_masks_phones(desk, client):
    import gzip
    import json

    response = client.get(SCANNER + "offline.json?lists=main", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    text = gzip.decompress(response.get_data()).decode()
    data = json.loads(text)
    assert [row[2] for row in data["attendees"]] == ["王敏"]
    assert [cl["code"] for cl in data["lists"]] == ["main"]
    token = desk["code"].split("/q/")[1].split(".")[0]
    assert token not in text and desk["manual"] not in text  # hashes only
    unknown = client.get(SCANNER + "offline.json?lists=nope")
    assert unknown.status_code == 422 and unknown.is_json

    found = client.get(SCANNER + "search?q=王敏").json["items"]
    assert [p["name"] for p in found] == ["王敏"]
    assert "*" in found[0]["phone"]
