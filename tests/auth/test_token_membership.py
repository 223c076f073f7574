"""An API token acts only while its owner is on the team, never above the owner's role; users
list and revoke their own tokens on the web; create-token gives the role it names."""

from __future__ import annotations

from sqlalchemy import select

from eventsys.auth import services as auth_services
from eventsys.auth.models import Membership
from eventsys.extensions import db
from tests.conftest import login, submit
from tests.factories import PASSWORD, make_conference, make_token, make_user


def registrations(client, token: str, slug: str = "cy-2026"):
    """A staff endpoint."""
    return client.get(
        f"/api/v1/conferences/{slug}/registrations",
        headers={"Authorization": f"Bearer {token}"},
    )


def export(client, token: str):
    """An organizer endpoint."""
    return client.get(
        "/api/v1/conferences/cy-2026/export", headers={"Authorization": f"Bearer {token}"}
    )


def membership_id(user) -> int:
    return db.session.execute(
        select(Membership.id).where(Membership.user_id == user.id)
    ).scalar_one()


def test_removed_staff_members_token_stops_working(ctx, client):
    conference = make_conference()
    make_user("org@example.com", "organizer", conference)
    staff = make_user("staff@example.com", "staff", conference)
    token = make_token(staff, conference, "staff")
    assert registrations(client, token).status_code == 200

    login(client, "org@example.com", PASSWORD)
    removed = submit(
        client,
        "/manage/cy-2026/members",
        {},
        action=f"/manage/cy-2026/members/{membership_id(staff)}/delete",
    )
    assert removed.status_code == 302
    gone = registrations(client, token)
    assert gone.status_code == 401 and gone.get_json()["error"] == "unauthorized"


def test_token_never_acts_above_its_owners_role_now(ctx, client):
    conference = make_conference()
    user = make_user("lead@example.com", "organizer", conference)
    token = make_token(user, conference, "organizer")
    assert export(client, token).status_code == 200
    # demoted to check-in (also a way to lose the role without being removed)
    auth_services.set_membership(conference, user, "checkin")
    db.session.commit()
    refused = export(client, token)
    assert refused.status_code == 403 and "checkin" in refused.get_json()["message"]
    assert registrations(client, token).status_code == 403
    # role given back: the token works again, up to the role it was made with
    auth_services.set_membership(conference, user, "organizer")
    db.session.commit()
    assert export(client, token).status_code == 200


def test_token_of_a_membership_deleted_outside_the_page_stops_working(ctx, client):
    conference = make_conference()
    staff = make_user("staff@example.com", "staff", conference)
    token = make_token(staff, conference, "staff")
    db.session.delete(db.session.get(Membership, membership_id(staff)))
    db.session.commit()
    assert registrations(client, token).status_code == 401


def test_create_token_gives_the_role_when_the_user_lacks_it(ctx, runner, client):
    conference = make_conference()
    make_user("gate@example.com")  # no role anywhere
    result = runner.invoke(
        args=["create-token", "gate@example.com", "--conference", "cy-2026", "--role", "staff"]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert registrations(client, token).status_code == 200
    user = auth_services.find_user("gate@example.com")
    assert auth_services.role_for(user, conference) == "staff"


def test_create_token_never_lowers_a_higher_role(ctx, runner, client):
    conference = make_conference()
    make_user("org@example.com", "organizer", conference)
    result = runner.invoke(
        args=["create-token", "org@example.com", "--conference", "cy-2026", "--role", "checkin"]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    user = auth_services.find_user("org@example.com")
    assert auth_services.role_for(user, conference) == "organizer"
    assert registrations(client, token).status_code == 403  # the token is check-in only


def test_users_list_and_revoke_their_own_tokens(ctx, client):
    cy = make_conference()
    other = make_conference(slug="other-2026", title="另一个会议")
    me = make_user("staff@example.com", "staff", cy)
    auth_services.set_membership(other, me, "checkin")
    db.session.commit()
    mine_cy = make_token(me, cy, "staff")
    mine_other = make_token(me, other, "checkin")
    someone = make_user("someone@example.com", "staff", cy)
    theirs = make_token(someone, cy, "staff")
    theirs_id = auth_services.list_own_api_tokens(someone)[0].id

    login(client, "staff@example.com", PASSWORD)
    page = client.get("/account").get_data(as_text=True)
    assert mine_cy[:10] in page and mine_other[:10] in page
    assert "另一个会议" in page
    assert theirs[:10] not in page

    # someone else's token cannot be revoked from here
    submit(client, "/account", {}, action=f"/account/tokens/{theirs_id}/revoke")
    assert registrations(client, theirs).status_code == 200

    own_id = next(t.id for t in auth_services.list_own_api_tokens(me) if t.conference_id == cy.id)
    done = submit(client, "/account", {}, action=f"/account/tokens/{own_id}/revoke")
    assert done.status_code == 302
    assert registrations(client, mine_cy).status_code == 401
    page = client.get("/account").get_data(as_text=True)
    assert mine_cy[:10] not in page and mine_other[:10] in page


def test_members_page_marks_tokens_that_act_below_their_role(ctx, client):
    conference = make_conference()
    make_user("org@example.com", "organizer", conference)
    lead = make_user("lead@example.com", "organizer", conference)
    make_token(lead, conference, "organizer")
    auth_services.set_membership(conference, lead, "checkin")
    db.session.commit()
    login(client, "org@example.com", PASSWORD)
    submit(client, "/", {"next": "/"}, action="/language/en")
    page = client.get("/manage/cy-2026/members").get_data(as_text=True)
    assert "acts as Check-in" in page
