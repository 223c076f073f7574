from eventsys.auth.services import authenticate
from eventsys.config import DEFAULTS
from eventsys.extensions import db
from tests.conftest import csrf_token, login, submit
from tests.factories import PASSWORD, make_conference, make_user


def test_wrong_password_is_refused_with_a_message(ctx, client):
    make_user("org@example.com")
    response = login(client, "org@example.com", "wrong-password")
    assert response.status_code == 401
    assert "Wrong e-mail or password" in response.get_data(as_text=True) or "密码" in (
        response.get_data(as_text=True)
    )
    assert client.get("/manage/").status_code == 302  # still signed out


def test_sign_in_and_out(ctx, client):
    make_user("org@example.com")
    response = login(client, "Org@Example.com", PASSWORD)
    assert response.status_code == 302
    assert client.get("/manage/").status_code == 200
    response = submit(client, "/manage/", {}, action="/logout")
    assert response.status_code == 302
    assert client.get("/manage/").status_code == 302


def test_pages_send_anonymous_users_to_sign_in(ctx, client):
    make_conference()
    response = client.get("/manage/cy-2026/edit")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_next_parameter_cannot_leave_the_site(ctx, client):
    make_user("org@example.com")
    token = csrf_token(client, "/login")
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": "org@example.com", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/manage/"


def test_login_is_rate_limited(ctx, client):
    make_user("org@example.com")
    statuses = [login(client, "org@example.com", "nope-nope").status_code for _ in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    # even the right password waits now
    assert login(client, "org@example.com", PASSWORD).status_code == 429


def test_forms_without_a_csrf_token_are_refused(ctx, client):
    make_user("org@example.com")
    response = client.post("/login", data={"email": "org@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/manage/").status_code == 302


def test_language_switch(ctx, client):
    make_conference()
    page = client.get("/c/cy-2026/").get_data(as_text=True)
    assert "第五届川渝科技学术大会" in page
    # The switch is a link that can be shared; following it also keeps the choice.
    assert 'href="/c/cy-2026/?lang=en"' in page
    page = client.get("/c/cy-2026/?lang=en").get_data(as_text=True)
    assert "5th Sichuan-Chongqing Science and Technology Academic Conference" in page
    assert 'lang="en"' in page and 'href="/c/cy-2026/?lang=zh"' in page
    assert 'lang="en"' in client.get("/c/cy-2026/").get_data(as_text=True)
    client.get("/?lang=zh")
    assert "第五届川渝科技学术大会" in client.get("/c/cy-2026/").get_data(as_text=True)
    # The old form still answers (a page open in another tab).
    submit(client, "/login", {"next": "/"}, action="/language/en")
    assert 'lang="en"' in client.get("/c/cy-2026/").get_data(as_text=True)


def test_a_first_visit_follows_the_browsers_language(ctx, client):
    make_conference()
    english = client.get("/c/cy-2026/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert 'lang="en"' in english.get_data(as_text=True)
    assert "Accept-Language" in english.headers["Vary"]
    chinese = client.get("/c/cy-2026/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert 'lang="zh-CN"' in chinese.get_data(as_text=True)
    # Neither: Chinese. A choice made once wins over the browser.
    assert 'lang="zh-CN"' in client.get("/c/cy-2026/", headers={"Accept-Language": "fr"}).get_data(
        as_text=True
    )
    client.get("/?lang=zh")
    again = client.get("/c/cy-2026/", headers={"Accept-Language": "en"})
    assert 'lang="zh-CN"' in again.get_data(as_text=True)
    # A shared link names its language, whatever the reader's browser says.
    shared = client.get("/c/cy-2026/?lang=en", headers={"Accept-Language": "zh-CN"})
    assert 'lang="en"' in shared.get_data(as_text=True)


def test_password_hash_is_not_the_password(ctx):
    user = make_user("org@example.com")
    db.session.refresh(user)
    assert PASSWORD not in user.password_hash


def test_production_hashes_passwords_with_scrypt_and_signs_in_any_stored_method(ctx, client):
    assert DEFAULTS["PASSWORD_HASH_METHOD"] == "scrypt"
    ctx.config["PASSWORD_HASH_METHOD"] = DEFAULTS["PASSWORD_HASH_METHOD"]
    user = make_user("org@example.com")
    assert user.password_hash.startswith("scrypt:")
    assert authenticate("org@example.com", PASSWORD) == user
    # A cheaper method set later: the scrypt hash still signs in, new hashes use the method.
    ctx.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    assert login(client, "org@example.com", PASSWORD).status_code == 302
    colleague = make_user("colleague@example.com")
    assert colleague.password_hash.startswith("pbkdf2:sha256:1000$")
    assert authenticate("colleague@example.com", PASSWORD) == colleague
    assert authenticate("colleague@example.com", "wrong-password") is None


def test_rate_limit_counts_per_account_so_colleagues_can_still_sign_in(ctx, client):
    make_user("org@example.com")
    make_user("colleague@example.com")
    for _ in range(10):
        login(client, "org@example.com", "nope-nope")
    assert login(client, "org@example.com", PASSWORD).status_code == 429
    assert login(client, "colleague@example.com", PASSWORD).status_code == 302


def test_login_limits_are_shared_through_redis_when_configured(tmp_path):
    """Several app servers count sign-in attempts together when EVENTSYS_REDIS_URL is set."""
    import redis

    from tests.conftest import Client, build_app

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        import pytest

        pytest.fail("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    redis.Redis.from_url(url).flushdb()
    first = build_app("sqlite", tmp_path, REDIS_URL=url)
    second = build_app("sqlite", tmp_path, REDIS_URL=url)
    with first.app_context():
        make_user("org@example.com")
    for app in (first, second):
        app.test_client_class = Client
    one, two = first.test_client(), second.test_client()
    for _ in range(5):
        assert login(one, "org@example.com", "nope-nope").status_code == 401
    for _ in range(5):
        assert login(two, "org@example.com", "nope-nope").status_code == 401
    assert login(one, "org@example.com", PASSWORD).status_code == 429
    assert login(two, "org@example.com", PASSWORD).status_code == 429
    assert redis.Redis.from_url(url).keys("LIMITS*")
    redis.Redis.from_url(url).flushdb()


def test_the_sign_in_prompt_is_in_the_readers_language(sqlite_app):
    client = sqlite_app.test_client()
    page = client.get("/manage/", follow_redirects=True).get_data(as_text=True)
    assert "请先登录再打开此页面。" in page
    submit(client, "/login", {}, action="/language/en")
    page = client.get("/manage/", follow_redirects=True).get_data(as_text=True)
    assert "Please sign in to open this page." in page
