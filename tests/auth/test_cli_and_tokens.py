import json

from sqlalchemy import select

from eventsys.auth.models import ApiToken, User
from eventsys.extensions import db
from tests.factories import PASSWORD, make_conference, make_token, make_user


def test_create_user_and_token_commands(ctx, runner):
    make_conference()
    result = runner.invoke(
        args=["create-user", "Staff@Example.com", "--password", PASSWORD, "--name", "张三"]
    )
    assert result.exit_code == 0, result.output
    user = db.session.execute(select(User)).scalar_one()
    assert user.email == "staff@example.com" and user.name == "张三" and not user.is_admin

    result = runner.invoke(
        args=["create-token", "staff@example.com", "--conference", "cy-2026", "--role", "staff"]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("esk_") and len(token) > 40
    stored = db.session.execute(select(ApiToken)).scalar_one()
    assert token not in stored.token_hash  # only the hash is kept


def test_command_errors_say_why(ctx, runner):
    make_conference()
    assert runner.invoke(args=["create-user", "bad", "--password", PASSWORD]).exit_code != 0
    short = runner.invoke(args=["create-user", "a@example.com", "--password", "short"])
    assert short.exit_code != 0 and "8" in short.output
    make_user("a@example.com")
    dup = runner.invoke(args=["create-user", "A@example.com", "--password", PASSWORD])
    assert dup.exit_code != 0 and "already exists" in dup.output
    nobody = runner.invoke(
        args=["create-token", "x@example.com", "--conference", "cy-2026", "--role", "staff"]
    )
    assert nobody.exit_code != 0 and "x@example.com" in nobody.output
    noconf = runner.invoke(
        args=["create-token", "a@example.com", "--conference", "nope", "--role", "staff"]
    )
    assert noconf.exit_code != 0 and "nope" in noconf.output
    assert db.session.execute(select(ApiToken)).first() is None


def test_api_conference_is_public(ctx, client):
    make_conference()
    response = client.get("/api/v1/conferences/cy-2026")
    assert response.status_code == 200
    body = response.get_json()
    assert body["title"] == "第五届川渝科技学术大会"
    assert body["categories"][0]["code"] == "delegate"
    assert body["forums"][0]["code"] == "ai" and body["rooms"][0]["capacity"] == 500


def test_api_unknown_conference_is_a_json_404(client):
    response = client.get("/api/v1/conferences/nope")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_tokens_act_only_on_their_conference_and_role(ctx, client):
    cy = make_conference()
    other = make_conference(slug="other-2026")
    user = make_user("gate@example.com", "checkin", cy)
    checkin = make_token(user, cy, "checkin")
    organizer = make_token(make_user("org@example.com", "organizer", cy), cy, "organizer")

    def export(slug, token):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.get(f"/api/v1/conferences/{slug}/export", headers=headers)

    assert export("cy-2026", None).status_code == 401
    assert export("cy-2026", "esk_forged").status_code == 401
    wrong_role = export("cy-2026", checkin)
    assert wrong_role.status_code == 403 and "organizer" in wrong_role.get_json()["message"]
    wrong_conf = export(other.slug, organizer)
    assert wrong_conf.status_code == 403
    assert "another conference" in wrong_conf.get_json()["message"]
    ok = export("cy-2026", organizer)
    assert ok.status_code == 200 and ok.get_json()["slug"] == "cy-2026"


def test_revoked_token_stops_working(ctx, client):
    cy = make_conference()
    user = make_user("org@example.com", "organizer", cy)
    token = make_token(user, cy, "organizer")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/conferences/cy-2026/export", headers=headers).status_code == 200
    row = db.session.execute(select(ApiToken)).scalar_one()
    from eventsys.auth.services import revoke_api_token

    revoke_api_token(cy, row.id)
    db.session.commit()
    response = client.get("/api/v1/conferences/cy-2026/export", headers=headers)
    assert response.status_code == 401
    assert json.loads(response.data)["error"] == "unauthorized"


def test_token_use_is_recorded_even_for_reads(ctx, client):
    cy = make_conference()
    token = make_token(make_user("org@example.com", "organizer", cy), cy, "organizer")
    assert db.session.execute(select(ApiToken.last_used_at)).scalar_one() is None
    client.get("/api/v1/conferences/cy-2026/export", headers={"Authorization": f"Bearer {token}"})
    db.session.expire_all()
    assert db.session.execute(select(ApiToken.last_used_at)).scalar_one() is not None


def test_set_password_command(ctx, runner, client):
    from tests.conftest import login

    make_user("org@example.com")
    result = runner.invoke(args=["set-password", "org@example.com", "--password", "new-pass-123"])
    assert result.exit_code == 0, result.output
    assert login(client, "org@example.com", "new-pass-123").status_code == 302
    short = runner.invoke(args=["set-password", "org@example.com", "--password", "x"])
    assert short.exit_code != 0
    nobody = runner.invoke(args=["set-password", "no@example.com", "--password", "new-pass-123"])
    assert nobody.exit_code != 0 and "no@example.com" in nobody.output
