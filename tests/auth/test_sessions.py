"""Signing out, a new password and removal from a team end every session of that user,
including a copied session cookie and the remember-me cookie."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from sqlalchemy import select

from eventsys.auth.models import Membership
from eventsys.extensions import db
from tests.auth.test_password_reset import outbox_links
from tests.conftest import Client, build_app, login, submit
from tests.factories import PASSWORD, make_conference, make_user


def copy_of(app, client, *names: str):
    """Another browser holding copies of ``client``'s cookies (a stolen cookie)."""
    other = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, f"no {name} cookie"
        other.set_cookie(name, cookie.value)
    return other


def signed_in(client) -> bool:
    return client.get("/manage/").status_code == 200


def test_a_copied_session_cookie_dies_at_sign_out(ctx, app, client):
    make_user("org@example.com")
    assert login(client, "org@example.com", PASSWORD).status_code == 302
    thief = copy_of(app, client, "session")
    assert signed_in(thief)
    submit(client, "/manage/", {}, action="/logout")
    assert not signed_in(client)
    assert not signed_in(thief)


def test_sign_out_on_one_device_ends_the_others(ctx, app, client):
    make_user("org@example.com")
    login(client, "org@example.com", PASSWORD)
    phone = app.test_client()
    login(phone, "org@example.com", PASSWORD)
    submit(client, "/manage/", {}, action="/logout")
    assert not signed_in(phone)
    # signing in again works as ever
    assert login(phone, "org@example.com", PASSWORD).status_code == 302
    assert signed_in(phone)


def test_a_password_reset_ends_every_session(ctx, app, client):
    make_user("org@example.com")
    login(client, "org@example.com", PASSWORD)
    thief = copy_of(app, client, "session")
    anonymous = app.test_client()
    submit(anonymous, "/password/forgot", {"email": "org@example.com"})
    (link,) = outbox_links(app)
    path = link[link.index("/password/reset/") :]
    done = submit(anonymous, path, {"password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert done.status_code == 302
    assert not signed_in(client)
    assert not signed_in(thief)


def test_set_password_command_ends_sessions_and_remember_me(ctx, app, client, runner):
    make_user("org@example.com")
    response = submit(
        client, "/login", {"email": "org@example.com", "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    # the remember-me cookie alone signs a browser in ...
    remembered = copy_of(app, client, "remember_token")
    assert signed_in(remembered)
    later = copy_of(app, client, "remember_token")
    result = runner.invoke(args=["set-password", "org@example.com", "--password", "new-pass-123"])
    assert result.exit_code == 0, result.output
    # ... until the password changes: then neither it nor the sessions work any more.
    assert not signed_in(later)
    assert not signed_in(remembered)
    assert not signed_in(client)


def test_remember_me_cookie_is_short_lived_samesite_and_secure_over_https(tmp_path):
    def remember_cookie(app):
        app.test_client_class = Client
        with app.app_context():
            make_user("org@example.com")
        browser = app.test_client()
        response = submit(
            browser, "/login", {"email": "org@example.com", "password": PASSWORD, "remember": "y"}
        )
        (header,) = [
            h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")
        ]
        return header

    (tmp_path / "http").mkdir()
    (tmp_path / "https").mkdir()
    header = remember_cookie(build_app("sqlite", tmp_path / "http"))
    assert "SameSite=Lax" in header and "HttpOnly" in header and "Secure" not in header
    expires = parsedate_to_datetime(header.split("Expires=")[1].split(";")[0])
    assert timedelta(days=13) < expires - datetime.now(UTC) <= timedelta(days=14)

    secure = remember_cookie(build_app("sqlite", tmp_path / "https", SESSION_COOKIE_SECURE=True))
    assert "Secure" in secure and "SameSite=Lax" in secure


def test_removal_from_the_team_ends_the_members_sessions(ctx, app, client):
    conference = make_conference()
    make_user("org@example.com", "organizer", conference)
    staff = make_user("staff@example.com", "staff", conference)
    colleague = app.test_client()
    login(colleague, "staff@example.com", PASSWORD)
    assert colleague.get("/manage/cy-2026/registrations").status_code == 200
    membership_id = db.session.execute(
        select(Membership.id).where(Membership.user_id == staff.id)
    ).scalar_one()
    login(client, "org@example.com", PASSWORD)
    removed = submit(
        client,
        "/manage/cy-2026/members",
        {},
        action=f"/manage/cy-2026/members/{membership_id}/delete",
    )
    assert removed.status_code == 302
    assert not signed_in(colleague)
    assert signed_in(client)  # the organizer who removed them stays signed in


def test_a_new_password_on_the_account_page_keeps_this_session_only(ctx, app, client):
    make_user("org@example.com")
    login(client, "org@example.com", PASSWORD)
    other = app.test_client()
    login(other, "org@example.com", PASSWORD)
    wrong = submit(
        client,
        "/account",
        {
            "current_password": "not-it-at-all",
            "password": "new-pass-123",
            "confirm": "new-pass-123",
        },
    )
    assert wrong.status_code == 422
    assert signed_in(other)
    done = submit(
        client,
        "/account",
        {"current_password": PASSWORD, "password": "new-pass-123", "confirm": "new-pass-123"},
    )
    assert done.status_code == 302
    assert signed_in(client)
    assert not signed_in(other)
    assert login(other, "org@example.com", PASSWORD).status_code == 401
    assert login(other, "org@example.com", "new-pass-123").status_code == 302
