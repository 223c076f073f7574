"""The staff pages (roles, record, edit, delete with the change log, import with preview) and
the public big screen (on and off, its cached JSON with ETag)."""

import re

import pytest
from sqlalchemy import func, select

from eventsys.extensions import db
from eventsys.signing import services
from eventsys.signing.models import SignedProject, SigningAudit
from tests.conftest import csrf_token, login, submit
from tests.factories import make_user
from tests.signing.helpers import AWKWARD, signing_conference, write_csv

BASE = "/manage/cy-2026/signings"


@pytest.fixture
def conference(sqlite_app):
    with sqlite_app.app_context():
        conference = signing_conference()
        make_user("staff@example.com", "staff", conference)
        make_user("gate@example.com", "checkin", conference)
        make_user("org@example.com", "organizer", conference)
        return conference.id


@pytest.fixture
def web(sqlite_app, conference):
    from tests.conftest import Client

    sqlite_app.test_client_class = Client
    return sqlite_app.test_client()


def _count(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(SignedProject)).scalar_one()


def test_checkin_role_cannot_and_staff_can(web):
    login(web, "gate@example.com", "correct-horse-battery")
    assert web.get(BASE + "/").status_code == 403
    web.get("/logout")
    web = web.application.test_client()
    login(web, "staff@example.com", "correct-horse-battery")
    page = web.get(BASE + "/")
    assert page.status_code == 200 and "签约项目" in page.get_data(as_text=True)
    assert web.get(BASE + "/settings").status_code == 403  # organizers only


def test_record_edit_delete_with_the_change_log(sqlite_app, web):
    login(web, "staff@example.com", "correct-horse-battery")
    form = {
        "title": "钠离子电池中试",
        "party_a": "宜宾锂电有限公司",
        "party_b": "四川大学",
        "region": "四川",
        "kind": "transfer",
        "amount_wan": "2.8亿",
        "signed_on": "2026-12-18",
        "forum": "ai",
        "session": "opening",
        "status": "signed",
        "on_site": "y",
    }
    done = submit(web, BASE + "/new", form)
    assert done.status_code == 302
    listing = web.get(BASE + "/").get_data(as_text=True)
    assert "钠离子电池中试" in listing and "2.80亿元" in listing
    bad = submit(web, BASE + "/new", {**form, "title": "另一个", "amount_wan": "-1"})
    assert bad.status_code == 422 and "不能为负" in bad.get_data(as_text=True)
    assert _count(sqlite_app) == 1

    with sqlite_app.app_context():
        project_id, session = db.session.execute(
            select(SignedProject.id, SignedProject.session_id)
        ).one()
        assert session is not None  # the timetable's 开幕式
    edit = f"{BASE}/{project_id}/edit"
    assert submit(web, edit, {**form, "amount_wan": "3000"}).status_code == 302
    assert "3,000.00万元" in web.get(BASE + "/").get_data(as_text=True)
    token = csrf_token(web, edit)
    assert web.post(f"{BASE}/{project_id}/delete", data={"csrf_token": token}).status_code == 302
    assert _count(sqlite_app) == 0
    with sqlite_app.app_context():
        actions = db.session.execute(
            select(SigningAudit.action, SigningAudit.actor).order_by(SigningAudit.id)
        ).all()
    assert [a for a, _who in actions] == ["create", "update", "delete"]
    assert {who for _a, who in actions} == {"staff@example.com"}
    log = web.get(BASE + "/history").get_data(as_text=True)
    assert "金额（万元）: 28,000 → 3,000" in log and "钠离子电池中试" in log


def test_upload_preview_then_confirm(sqlite_app, web, tmp_path):
    login(web, "staff@example.com", "correct-horse-battery")
    path = write_csv(tmp_path / "s.csv", AWKWARD)
    token = csrf_token(web, BASE + "/import")
    with open(path, "rb") as handle:
        preview = web.post(
            BASE + "/import",
            data={"csrf_token": token, "file": (handle, "签约.csv")},
            content_type="multipart/form-data",
        )
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "8.89亿元" in html
    assert _count(sqlite_app) == 0  # nothing yet
    upload = re.search(r'name="upload" type="hidden" value="([^"]+)"', html).group(1)
    done = web.post(
        BASE + "/import/confirm",
        data={"csrf_token": token, "upload": upload, "source": "签约.csv"},
    )
    assert done.status_code == 302 and _count(sqlite_app) == 8
    # a forged upload name reaches no file
    web.post(BASE + "/import/confirm", data={"csrf_token": token, "upload": "../../x.csv"})
    assert _count(sqlite_app) == 8

    bad = write_csv(tmp_path / "bad.csv", [["A", "甲", "乙", "", "", "abc", "", "2026-12-18"]])
    with open(bad, "rb") as handle:
        refused = web.post(
            BASE + "/import",
            data={"csrf_token": token, "file": (handle, "bad.csv")},
            content_type="multipart/form-data",
        )
    assert refused.status_code == 422
    assert "第 2 行" in refused.get_data(as_text=True) or "row 2" in refused.get_data(as_text=True)


def test_tallies_page_shows_shares(sqlite_app, web):
    with sqlite_app.app_context():
        conference = services.get_project.__globals__["Conference"]
        conference = db.session.get(conference, 1)
        for row in AWKWARD[:3]:
            services.create_project(
                conference,
                dict(
                    zip(
                        (
                            "title",
                            "party_a",
                            "party_b",
                            "region",
                            "sector",
                            "amount_wan",
                            "forum",
                            "signed_on",
                        ),
                        row,
                        strict=True,
                    )
                ),
                services.Actor(label="t"),
            )
        db.session.commit()
    login(web, "staff@example.com", "correct-horse-battery")
    html = web.get(BASE + "/tallies").get_data(as_text=True)
    assert "66.7%" in html and "33.3%" in html and "3,703.5" in html


def test_the_big_screen_is_off_until_switched_on(sqlite_app, web):
    login(web, "staff@example.com", "correct-horse-battery")
    token = csrf_token(web, BASE + "/screen")
    web.post(BASE + "/screen", data={"csrf_token": token, "action": "on"})
    page = web.get(BASE + "/screen").get_data(as_text=True)
    link = re.search(r'href="(http://localhost/c/cy-2026/signings/screen/[^"]+)"', page).group(1)
    path = link.removeprefix("http://localhost")
    public = sqlite_app.test_client()
    shown = public.get(path)
    assert shown.status_code == 200 and "已签约" in shown.get_data(as_text=True)
    first = public.get(path + ".json")
    assert first.status_code == 200 and first.get_json()["count"] == 0
    etag = first.headers["ETag"]
    assert public.get(path + ".json", headers={"If-None-Match": etag}).status_code == 304
    assert public.get(path[:-3] + "xyz").status_code == 404

    web.post(BASE + "/screen", data={"csrf_token": token, "action": "off"})
    assert public.get(path).status_code == 404
    assert public.get(path + ".json").status_code == 404
