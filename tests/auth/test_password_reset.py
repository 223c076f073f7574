"""Forgot password: a link by e-mail, good for an hour and for one use."""

import re
import time
from email import message_from_bytes, policy
from pathlib import Path

from tests.conftest import login, submit
from tests.factories import PASSWORD, make_user


def outbox_links(app) -> list[str]:
    links = []
    outbox = Path(app.config["MAIL_OUTBOX"])
    for path in sorted(outbox.iterdir()) if outbox.exists() else []:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        body = message.get_body(preferencelist=("plain",)).get_content()
        links += re.findall(r"https?://\S+/password/reset/\S+", body)
    return links


def test_reset_by_email_once(ctx, app, client):
    make_user("org@example.com")
    response = submit(client, "/password/forgot", {"email": "ORG@example.com"})
    assert response.status_code == 302
    (link,) = outbox_links(app)
    path = link[link.index("/password/reset/") :]

    mismatch = submit(client, path, {"password": "brand-new-pass", "confirm": "other-pass-1"})
    assert mismatch.status_code == 422
    done = submit(client, path, {"password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert login(client, "org@example.com", PASSWORD).status_code == 401
    assert login(client, "org@example.com", "brand-new-pass").status_code == 302

    # the same link does not work twice
    again = client.get(path)
    assert again.status_code == 302 and "/password/forgot" in again.headers["Location"]


def test_unknown_address_gets_the_same_answer_and_no_mail(ctx, app, client):
    response = submit(
        client, "/password/forgot", {"email": "nobody@example.com"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert outbox_links(app) == []


def test_forged_and_expired_links_are_refused(ctx, app, client, monkeypatch):
    user = make_user("org@example.com")
    from eventsys.auth import services

    with app.test_request_context():
        token = services.password_reset_token(user)
    assert client.get(f"/password/reset/{token}x").status_code == 302
    assert client.get(f"/password/reset/{token}").status_code == 200
    later = time.time() + services.RESET_MAX_AGE + 5
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get(f"/password/reset/{token}").status_code == 302
