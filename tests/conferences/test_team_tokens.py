"""The Team page: a new member starts with the least role; organizers create API tokens on
the web (shown once), for a member and never above that member's role, and revoke them."""

from __future__ import annotations

import re

from eventsys.auth.models import ApiToken
from eventsys.extensions import db
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_conference, make_user

TEAM = "/manage/cy-2026/members"


def organizer(client):
    conference = make_conference()
    make_user("org@example.com", "organizer", conference)
    staff = make_user("desk@example.com", "staff", conference)
    assert login(client, "org@example.com", PASSWORD).status_code == 302
    return conference, staff


def test_a_new_member_defaults_to_the_check_in_role(ctx, client):
    organizer(client)
    html = client.get(TEAM).get_data(as_text=True)
    selected = re.search(r'<select id="role"[^>]*>.*?</select>', html, re.S).group(0)
    assert re.search(r'<option selected value="checkin">', selected)
    assert 'selected value="organizer"' not in selected


def create(client, **data):
    token = csrf_token(client, TEAM)
    return client.post(
        "/manage/cy-2026/tokens",
        data={"csrf_token": token, **{f"token-{k}": v for k, v in data.items()}},
    )


def test_an_organizer_creates_a_token_shown_once_that_works(ctx, client):
    _conference, staff = organizer(client)
    response = create(client, user_id=staff.id, role="checkin", label="东门扫码枪 2")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    token = re.search(r'<code class="token-text">(esk_[^<]+)</code>', html).group(1)
    assert "desk@example.com" in html and "只显示这一次" in html
    assert response.headers["Cache-Control"] == "private, no-store"

    api = client.application.test_client()
    stats = api.get(
        "/api/v1/conferences/cy-2026/checkins/stats",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert stats.status_code == 200
    listing = api.get(
        "/api/v1/conferences/cy-2026/registrations",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert listing.status_code == 403  # a check-in token, not staff

    page = client.get(TEAM).get_data(as_text=True)
    assert token not in page  # never shown again
    assert token[:10] in page and "东门扫码枪 2" in page

    row = db.session.query(ApiToken).one()
    revoke = client.post(
        f"/manage/cy-2026/tokens/{row.id}/revoke", data={"csrf_token": csrf_token(client, TEAM)}
    )
    assert revoke.status_code == 302
    assert (
        api.get(
            "/api/v1/conferences/cy-2026/checkins/stats",
            headers={"Authorization": f"Bearer {token}"},
        ).status_code
        == 401
    )


def test_a_token_never_above_its_owners_role(ctx, client):
    _conference, staff = organizer(client)
    response = create(client, user_id=staff.id, role="organizer", label="")
    assert response.status_code == 422
    assert "令牌的角色不能高于其所有者" in response.get_data(as_text=True)
    stranger = make_user("stranger@example.com")
    response = create(client, user_id=stranger.id, role="checkin", label="")
    assert response.status_code == 422
    assert "请选择本会议团队中的成员" in response.get_data(as_text=True)
    assert db.session.query(ApiToken).count() == 0


def test_only_organizers_create_tokens(ctx, client):
    _conference, staff = organizer(client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/manage/")})
    other = client.application.test_client()
    assert login(other, "desk@example.com", PASSWORD).status_code == 302
    token = csrf_token(other, "/manage/")
    response = other.post(
        "/manage/cy-2026/tokens",
        data={"csrf_token": token, "token-user_id": staff.id, "token-role": "checkin"},
    )
    assert response.status_code == 403
    assert db.session.query(ApiToken).count() == 0


def test_categories_show_the_seats_taken_beside_the_capacity(ctx, client):
    from tests.factories import make_registration

    conference, _staff = organizer(client)
    conference.categories[0].capacity = 2
    db.session.commit()
    make_registration(conference)
    html = client.get("/manage/cy-2026/categories/").get_data(as_text=True)
    assert "已占名额" in html
    assert re.search(r"1 / 2\s*<br><small class=\"muted\">剩余1</small>", html)
    make_registration(conference)
    html = client.get("/manage/cy-2026/categories/").get_data(as_text=True)
    assert re.search(r"2 / 2\s*<span class=\"badge badge-warn\">已满</span>", html)
