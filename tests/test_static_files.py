"""Static files: versioned URLs cached for a year, anything else revalidated; the favicon."""

from __future__ import annotations

import os
import re

from eventsys.assets import StaticVersions


def test_pages_link_versioned_static_files_cached_for_a_year(sqlite_app):
    client = sqlite_app.test_client()
    page = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.css\?v=([0-9a-f]{12}))"', page)
    assert css, "app.css is not linked with a version"
    response = client.get(css.group(1))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    with open(os.path.join(sqlite_app.static_folder, "css", "app.css"), "rb") as handle:
        assert response.get_data() == handle.read()
    response.close()
    assert re.search(r'src="/static/js/app\.js\?v=[0-9a-f]{12}"', page)

    # Without the version, or with an old one, the browser must ask again each time.
    for url in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        stale = client.get(url)
        assert stale.status_code == 200
        assert stale.headers["Cache-Control"] == "public, no-cache"
        stale.close()
    assert client.get("/static/../eventsys/config.py").status_code == 404


def test_favicon(sqlite_app):
    client = sqlite_app.test_client()
    page = client.get("/").get_data(as_text=True)
    assert re.search(
        r'<link rel="icon" href="/static/favicon\.svg\?v=\w+" type="image/svg\+xml">', page
    )
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.get_data()[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert icon.headers["Cache-Control"] == "public, max-age=86400"
    icon.close()
    svg = client.get(re.search(r'href="(/static/favicon\.svg\?v=\w+)"', page).group(1))
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.get_data()
    svg.close()


def test_a_changed_file_gets_a_new_version(tmp_path):
    (tmp_path / "a.css").write_text("body { color: red }")
    versions = StaticVersions(str(tmp_path))
    versions.RECHECK_SECONDS = 0  # look at the file on every call (a second between in use)
    first = versions.version("a.css")
    assert re.fullmatch(r"[0-9a-f]{12}", first)
    assert versions.version("a.css") == first
    (tmp_path / "a.css").write_text("body { color: blue }")
    os.utime(tmp_path / "a.css", ns=(1, 1))
    assert versions.version("a.css") not in (None, first)
    assert versions.version("missing.css") is None
    assert versions.version("../etc/passwd") is None


def test_a_file_is_looked_at_again_after_a_second(tmp_path, monkeypatch):
    (tmp_path / "a.css").write_text("body { color: red }")
    versions = StaticVersions(str(tmp_path))
    clock = [100.0]
    monkeypatch.setattr("eventsys.assets.time.monotonic", lambda: clock[0])
    first = versions.version("a.css")
    (tmp_path / "a.css").write_text("body { color: blue }")
    os.utime(tmp_path / "a.css", ns=(1, 1))
    assert versions.version("a.css") == first  # within the second: not looked at
    clock[0] += 1.5
    assert versions.version("a.css") not in (None, first)


def test_login_and_account_forms_tell_password_managers_what_each_field_is(sqlite_app):
    from eventsys.extensions import db
    from tests.conftest import login
    from tests.factories import PASSWORD, make_user

    client = sqlite_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert re.search(r'<input[^>]*autocomplete="username"[^>]*name="email"', page)
    assert re.search(r'<input[^>]*autocomplete="current-password"[^>]*name="password"', page)
    with sqlite_app.app_context():
        make_user("org@example.com")
        db.session.remove()
    assert login(client, "org@example.com", PASSWORD).status_code == 302
    account = client.get("/account").get_data(as_text=True)
    assert re.search(r'value="org@example.com" autocomplete="username"', account)
    assert re.search(r'autocomplete="current-password"[^>]*name="current_password"', account)
    assert len(re.findall(r'autocomplete="new-password"', account)) == 2
    client.post(
        "/logout",
        data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', account).group(1)},
    )
    forgot = client.get("/password/forgot").get_data(as_text=True)
    assert re.search(r'autocomplete="email"[^>]*name="email"', forgot)
