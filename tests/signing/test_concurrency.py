"""Signed projects under real concurrent requests (gunicorn on PostgreSQL, a threaded server
on SQLite): the same project sent from twenty phones at once is recorded once, twenty
different ones all are, and the tally equals the exact sum."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from eventsys.extensions import db
from eventsys.signing import services
from eventsys.signing.models import SignedProject, SigningAudit
from tests.conftest import PG_URL, LiveServer, build_app
from tests.factories import make_token, make_user
from tests.registration.live import GunicornServer, call, fire
from tests.signing.helpers import signing_conference

pytestmark = pytest.mark.slow

PHONES = 20
SERVERS = ["sqlite-threaded"] + (["postgresql-gunicorn"] if PG_URL else [])
PROJECT = {
    "title": "氢燃料电池联合攻关",
    "party_a": "成都氢能科技有限公司",
    "party_b": "四川大学",
    "region": "四川",
    "amount_wan": "1234.5678",
    "signed_on": "2026-12-18",
}


@pytest.fixture(scope="module", params=SERVERS)
def live(request, tmp_path_factory):
    database = request.param.split("-")[0]
    tmp_path = tmp_path_factory.mktemp(f"signing-{request.param}")
    app = build_app(database, tmp_path)
    with app.app_context():
        conference = signing_conference()
        user = make_user("staff@example.com", "staff", conference)
        token = make_token(user, conference, "staff")
    try:
        if database == "sqlite":
            with LiveServer(app) as server:
                yield app, server.url, token
        else:
            server = GunicornServer(
                database_url=app.config["SQLALCHEMY_DATABASE_URI"],
                scratch=tmp_path / "gunicorn",
            )
            with server:
                app.extensions["gunicorn_log"] = server
                yield app, server.url, token
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _post(url, token, body):
    return call(url, "POST", "/api/v1/conferences/cy-2026/signings", body, token=token)


def test_the_same_project_from_twenty_phones_is_recorded_once(live):
    app, url, token = live
    replies = fire(lambda body: _post(url, token, body), [PROJECT] * PHONES, PHONES)
    counts = Counter((r.status, r.error) for r in replies)
    assert counts == {(201, None): 1, (409, "already_recorded"): PHONES - 1}, (counts, _log(live))
    with app.app_context():
        rows = db.session.execute(
            select(func.count())
            .select_from(SignedProject)
            .where(SignedProject.title == PROJECT["title"])
        ).scalar_one()
        audits = db.session.execute(
            select(func.count())
            .select_from(SigningAudit)
            .where(SigningAudit.title == PROJECT["title"])
        ).scalar_one()
    assert (rows, audits) == (1, 1)


def test_twenty_different_projects_at_once_are_all_recorded_exactly(live):
    app, url, token = live
    bodies = [
        {**PROJECT, "title": f"并发项目{n}", "amount_wan": f"{n}.0001"} for n in range(PHONES)
    ]
    replies = fire(lambda body: _post(url, token, body), bodies, PHONES)
    assert Counter(r.status for r in replies) == {201: PHONES}
    with app.app_context():
        from eventsys.conferences.models import Conference

        conference = db.session.execute(select(Conference)).scalar_one()
        tally = services.tally(conference, "region")
    expected = sum((Decimal(b["amount_wan"]) for b in bodies), Decimal("1234.5678"))
    assert Decimal(tally["total_wan"]) == expected


def _log(live) -> str:
    app, _url, _token = live
    server = app.extensions.get("gunicorn_log")
    if server:
        open("/tmp/sign-gunicorn.log", "w").write(server.log())
    return server.log()[-3000:] if server else ""
