import re

from sqlalchemy import func, select

from eventsys.conferences.models import Category, Conference
from eventsys.extensions import db
from tests.conftest import login, submit
from tests.factories import PASSWORD, conference_json, make_conference, make_user

NEW_CONFERENCE = {
    "slug": "kc-2026",
    "title": "2026科创会",
    "title_en": "2026 Innovation Fair",
    "starts_on": "2026-12-01",
    "ends_on": "2026-12-02",
    "timezone": "Asia/Shanghai",
    "venue": "重庆国际博览中心",
}


def sign_in_organizer(client, conference=None, admin=False):
    make_user("org@example.com", "organizer" if conference else None, conference, admin=admin)
    assert login(client, "org@example.com", PASSWORD).status_code == 302


def test_admin_creates_a_conference_and_a_category(ctx, client):
    sign_in_organizer(client, admin=True)
    response = submit(client, "/manage/new", NEW_CONFERENCE)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/manage/kc-2026/categories/")
    response = submit(
        client,
        "/manage/kc-2026/categories/",
        {"code": "delegate", "name": "正式代表", "capacity": "300", "requires_approval": "y"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "正式代表" in page and "300" in page
    category = db.session.execute(select(Category)).scalar_one()
    assert category.capacity == 300 and category.requires_approval and not category.invite_only


def test_organizer_of_one_conference_may_create_another_and_becomes_its_organizer(ctx, client):
    sign_in_organizer(client, make_conference())
    assert submit(client, "/manage/new", NEW_CONFERENCE).status_code == 302
    assert client.get("/manage/kc-2026/edit").status_code == 200


def test_duplicate_slug_and_bad_dates_get_messages_and_change_nothing(ctx, client):
    sign_in_organizer(client, make_conference())
    response = submit(client, "/manage/new", {**NEW_CONFERENCE, "slug": "cy-2026"})
    assert response.status_code == 422
    assert "cy-2026" in response.get_data(as_text=True)
    response = submit(client, "/manage/new", {**NEW_CONFERENCE, "ends_on": "2026-11-30"})
    assert response.status_code == 422
    assert db.session.execute(select(func.count()).select_from(Conference)).scalar_one() == 1


def test_edit_conference_details(ctx, client):
    sign_in_organizer(client, make_conference())
    data = {**NEW_CONFERENCE, "title": "第五届川渝科技学术大会（更新）", "capacity": "900"}
    response = submit(client, "/manage/cy-2026/edit", data)
    assert response.status_code == 302
    db.session.expire_all()
    conference = db.session.execute(select(Conference)).scalar_one()
    assert conference.title == "第五届川渝科技学术大会（更新）"
    assert conference.slug == "cy-2026"  # the slug never changes
    assert conference.capacity == 900


def test_duplicate_code_is_refused_next_to_the_field(ctx, client):
    sign_in_organizer(client, make_conference())
    response = submit(client, "/manage/cy-2026/forums/", {"code": "ai", "name": "再来一个"})
    assert response.status_code == 422
    assert "ai" in response.get_data(as_text=True)


def test_room_in_use_cannot_be_deleted(ctx, client):
    conference = make_conference()
    room_id = conference.rooms[0].id
    sign_in_organizer(client, conference)
    response = submit(
        client,
        "/manage/cy-2026/rooms/",
        {},
        action=f"/manage/cy-2026/rooms/{room_id}/delete",
        follow_redirects=True,
    )
    assert "A厅" in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.get(Conference, conference.id).rooms) == 1


def test_staff_and_checkin_cannot_change_the_set_up(ctx, client):
    conference = make_conference()
    make_user("staff@example.com", "staff", conference)
    login(client, "staff@example.com", PASSWORD)
    assert client.get("/manage/cy-2026/").status_code == 200
    assert client.get("/manage/cy-2026/edit").status_code == 403
    assert client.get("/manage/cy-2026/categories/").status_code == 403
    assert client.get("/manage/new").status_code == 403


def test_someone_elses_conference_is_forbidden(ctx, client):
    make_conference()
    other = make_conference(slug="other-2026")
    make_user("org@example.com", "organizer", other)
    login(client, "org@example.com", PASSWORD)
    assert client.get("/manage/cy-2026/edit").status_code == 403
    assert client.get("/manage/other-2026/edit").status_code == 200


def test_unknown_conference_is_404(ctx, client):
    sign_in_organizer(client, admin=True)
    assert client.get("/manage/nope/").status_code == 404
    assert client.get("/c/nope/").status_code == 404


def test_members_page_adds_a_staff_account(ctx, client):
    sign_in_organizer(client, make_conference())
    response = submit(
        client,
        "/manage/cy-2026/members",
        {"email": "desk@example.com", "name": "前台", "role": "checkin", "password": "desk-pass-1"},
        follow_redirects=True,
    )
    assert "desk@example.com" in response.get_data(as_text=True)
    client.get("/")
    submit(client, "/manage/", {}, action="/logout")
    assert login(client, "desk@example.com", "desk-pass-1").status_code == 302
    assert client.get("/manage/cy-2026/").status_code == 200
    assert client.get("/manage/cy-2026/members").status_code == 403


def test_import_and_export_json_in_the_ui(ctx, client, tmp_path):
    import io
    import json

    from tests.factories import CONTRACT_EXAMPLE

    sign_in_organizer(client, admin=True)
    body = json.dumps(CONTRACT_EXAMPLE, ensure_ascii=False).encode()
    response = submit(
        client,
        "/manage/import",
        {"file": (io.BytesIO(body), "cy.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    exported = client.get("/manage/cy-2026/export.json")
    assert json.loads(exported.data) == CONTRACT_EXAMPLE
    broken = submit(
        client,
        "/manage/import",
        {"file": (io.BytesIO(b'{"slug": "x"}'), "x.json")},
        content_type="multipart/form-data",
    )
    assert broken.status_code == 422
    assert "title" in broken.get_data(as_text=True)


def test_public_page_shows_the_programme_in_local_time(ctx, client):
    from eventsys.schedule.releases import publish

    publish(make_conference())  # the public sees the published programme only
    db.session.commit()
    page = client.get("/c/cy-2026/").get_data(as_text=True)
    assert "2026年12月18日" in page
    assert "09:00–10:00" in page and "开幕式" in page and "陆为民" in page


def test_html_in_names_is_escaped(ctx, client):
    make_conference(title="<script>alert(1)</script>大会")
    page = client.get("/c/cy-2026/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_public_page_queries_do_not_grow_with_the_timetable(ctx, client):
    from sqlalchemy import event

    from eventsys.demo import demo_conference_json

    make_conference(slug="small-2026")
    from eventsys.conferences.jsonio import load_conference

    load_conference(demo_conference_json())
    db.session.commit()
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        small = client.get("/c/small-2026/")
        small_count = len(statements)
        statements.clear()
        big = client.get("/c/" + demo_conference_json()["slug"] + "/")
        big_count = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert small.status_code == big.status_code == 200
    assert big_count <= small_count + 1


def test_overview_counts_registrations_by_status(ctx, client):
    from tests.factories import make_registration

    conference = make_conference(
        categories=[
            {
                "code": "delegate",
                "name": "正式代表",
                "capacity": 1,
                "requires_approval": False,
                "invite_only": False,
            }
        ]
    )
    make_registration(conference)
    make_registration(conference)
    make_user("staff@example.com", "staff", conference)
    login(client, "staff@example.com", PASSWORD)
    page = client.get("/manage/cy-2026/").get_data(as_text=True)
    assert re.search(r"已确认</strong></header>\s*<p class=\"big-number\">1<", page)
    assert re.search(r"候补中</strong></header>\s*<p class=\"big-number\">1<", page)
    assert "导出 JSON" not in page  # organizers only


def _import(client, data: dict, replace: bool):
    import io
    import json

    body = json.dumps(data, ensure_ascii=False).encode()
    form = {"file": (io.BytesIO(body), "c.json")}
    if replace:
        form["replace"] = "y"
    return submit(client, "/manage/import", form, content_type="multipart/form-data")


def test_an_organizer_cannot_take_over_another_conference_by_padding_its_slug(ctx, client):
    """The permission is checked on the slug as it will be used, not on the text as sent."""
    from eventsys.auth.models import Membership

    own = make_conference(slug="conf-b", title="B 会议")
    other = make_conference(slug="conf-c", title="C 会议")
    other_id = other.id
    sign_in_organizer(client, own)
    for slug in (" conf-c ", "conf-c", "\tconf-c\n"):
        data = {**conference_json(slug=slug), "title": "被接管"}
        response = _import(client, data, replace=True)
        assert response.status_code == 403, slug
        assert "conf-c" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Conference, other_id).title == "C 会议"
    assert (
        db.session.execute(
            select(func.count()).select_from(Membership).where(Membership.conference_id == other_id)
        ).scalar_one()
        == 0
    )
    # Their own conference, padded the same way, is theirs to replace.
    mine = {**conference_json(slug=" conf-b "), "title": "B 会议（新）"}
    assert _import(client, mine, replace=True).status_code == 302
    db.session.expire_all()
    assert (
        db.session.execute(select(Conference.title).where(Conference.slug == "conf-b")).scalar_one()
        == "B 会议（新）"
    )
