"""A large XLSX export is built by the worker; staff follow it on a page and download it."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from eventsys.extensions import db
from eventsys.jobs.worker import Worker
from tests.conftest import DATABASES, build_app, login, submit
from tests.factories import PASSWORD, make_conference, make_registration, make_user
from tests.jobs.helpers import wait_for


@pytest.fixture(params=DATABASES)
def app(request, tmp_path):
    app = build_app(request.param, tmp_path, EXPORT_INLINE_MAX=3, MAIL_DELIVERY="queue")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def sign_in(client, email):
    assert login(client, email, PASSWORD).status_code == 302
    submit(client, "/manage/", {"next": "/manage/"}, action="/language/en")


def test_a_large_export_is_built_in_the_background_and_downloaded(app):
    with app.app_context():
        conference = make_conference()
        for n in range(5):
            make_registration(conference, name=f"参会者{n}", organization="=1+1")
        make_registration(conference, "delegate", name="王敏")
        other = make_conference(slug="other-2026")
        make_user("staff@example.com", "staff", conference)
        make_user("stranger@example.com", "staff", other)
        db.session.remove()
    client = app.test_client()
    sign_in(client, "staff@example.com")

    response = client.get("/manage/cy-2026/registrations/export.xlsx")
    assert response.status_code == 302
    job_page = response.headers["Location"]
    assert re.fullmatch(r"/manage/cy-2026/jobs/\d+", job_page)
    html = client.get(job_page).get_data(as_text=True)
    assert "Preparing the file" in html and 'http-equiv="refresh"' in html
    # A second click while it waits shows the same job.
    assert client.get("/manage/cy-2026/registrations/export.xlsx").headers["Location"] == job_page
    # A filtered export inside the limit is still made at once.
    small = client.get("/manage/cy-2026/registrations/export.xlsx?q=王敏")
    assert small.status_code == 200 and small.get_data()[:2] == b"PK"

    with Worker(app):
        status = wait_for(
            lambda: (s := client.get(f"{job_page}.json").get_json())["status"] == "done" and s,
            message="the export to finish",
        )
    assert status["progress"] == 100 and status["download_url"]
    html = client.get(job_page).get_data(as_text=True)
    assert "The file is ready." in html and 'http-equiv="refresh"' not in html

    download = client.get(status["download_url"])
    body = download.get_data()
    download.close()
    assert download.status_code == 200
    assert "cy-2026-registrations-" in download.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    rows = list(sheet.values)
    assert rows[0][:2] == ("参会类别", "姓名")
    assert len(rows) == 7
    assert {row[1] for row in rows[1:]} == {f"参会者{n}" for n in range(5)} | {"王敏"}
    assert rows[1][4] == "=1+1"  # stored as text, not run as a formula

    # Private to the staff of that conference.
    stranger = app.test_client()
    sign_in(stranger, "stranger@example.com")
    assert stranger.get(status["download_url"]).status_code == 403
    other_path = status["download_url"].replace("cy-2026", "other-2026")
    assert stranger.get(other_path).status_code == 404
    assert app.test_client().get(status["download_url"]).status_code == 302  # to log in
