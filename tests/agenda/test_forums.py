"""Choosing forums (分论坛): on the registration form, in the API, on the attendee's page,
within the organizer's limits; headcounts for staff."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from eventsys.agenda.models import ForumChoice
from eventsys.conferences.models import Forum
from eventsys.extensions import db
from eventsys.registration.models import Registration
from tests.agenda.helpers import ask_forums, make_programme
from tests.conftest import csrf_token, login, submit
from tests.factories import PASSWORD, make_registration, make_token, make_user


@pytest.fixture
def conference(ctx):
    return make_programme()


def chosen(registration=None) -> dict[str, int]:
    query = select(Forum.code, func.count()).join(ForumChoice).group_by(Forum.code)
    if registration is not None:
        query = query.where(ForumChoice.registration_id == registration.id)
    return dict(db.session.execute(query).all())


def registrations() -> int:
    return db.session.execute(select(func.count()).select_from(Registration)).scalar_one()


def form_data(n, **extra):
    return {
        "category": "delegate",
        "name": f"王{n}",
        "phone": f"1370000{n:04d}",
        "email": f"wang{n}@example.com",
        "organization": "重庆大学",
        "consent": "y",
        **extra,
    }


def choose(client, registration, codes):
    page = f"/r/{registration.manage_token}"
    data = {"csrf_token": csrf_token(client, page), "forums": codes}
    return client.post(f"{page}/forums", data=data, follow_redirects=True)


# --- at registration ----------------------------------------------------------------------------


def test_not_asked_by_default(client, conference):
    html = client.get(f"/c/{conference.slug}/register").get_data(as_text=True)
    assert "您将参加的分论坛" not in html
    answer = client.post(
        f"/api/v1/conferences/{conference.slug}/registrations",
        json={**form_data(1), "forums": ["ai"]},
    )
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {"forums": "not asked"}
    assert registrations() == 0


def test_the_public_form_asks_and_stores_the_choice(client, conference):
    ask_forums(conference, "optional", max_choices=2, limits={"ai": 10})
    html = client.get(f"/c/{conference.slug}/register").get_data(as_text=True)
    assert "您将参加的分论坛" in html and "剩余10个名额" in html and "最多可选择 2 个分论坛" in html
    page = f"/c/{conference.slug}/register"
    answer = submit(client, page, form_data(1, forums=["ai", "bio"]), follow_redirects=True)
    assert answer.status_code == 200
    person = db.session.execute(select(Registration)).scalar_one()
    assert chosen(person) == {"ai": 1, "bio": 1}
    assert "人工智能分论坛" in answer.get_data(as_text=True)  # shown on their page


def test_required_choice_refuses_the_registration_without_one(client, conference):
    ask_forums(conference, "required")
    page = f"/c/{conference.slug}/register"
    answer = submit(client, page, form_data(1))
    assert answer.status_code == 422
    assert "请至少选择一个分论坛。" in answer.get_data(as_text=True)
    assert registrations() == 0


def test_too_many_forums_or_an_unknown_one(client, conference):
    ask_forums(conference, "optional", max_choices=1)
    page = f"/c/{conference.slug}/register"
    answer = submit(client, page, form_data(1, forums=["ai", "energy"]))
    assert answer.status_code == 422 and "最多可选择 1 个分论坛。" in answer.get_data(as_text=True)
    api = f"/api/v1/conferences/{conference.slug}/registrations"
    answer = client.post(api, json={**form_data(2), "forums": ["mars"]})
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {"forums": "unknown forum: mars"}
    answer = client.post(api, json={**form_data(3), "forums": "ai"})
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {"forums": "must be a list of forum codes"}
    assert registrations() == 0 and chosen() == {}


def test_a_full_forum_cannot_be_chosen(client, conference):
    ask_forums(conference, "optional", limits={"ai": 1})
    api = f"/api/v1/conferences/{conference.slug}/registrations"
    assert client.post(api, json={**form_data(1), "forums": ["ai"]}).status_code == 201
    answer = client.post(api, json={**form_data(2), "forums": ["ai"]})
    assert answer.status_code == 409
    body = answer.get_json()
    assert body["error"] == "forum_full"
    assert "AI Forum is full" in body["message"]
    assert registrations() == 1 and chosen() == {"ai": 1}
    html = client.get(f"/c/{conference.slug}/register").get_data(as_text=True)
    assert 'value="ai" disabled' in html and "已满" in html


# --- afterwards, on the attendee's page ---------------------------------------------------------


def test_attendee_changes_forums_on_their_page(client, conference):
    ask_forums(conference, "optional", max_choices=2, limits={"energy": 1})
    person = make_registration(conference)
    html = choose(client, person, ["ai", "energy"]).get_data(as_text=True)
    assert "您的分论坛选择已保存。" in html
    assert chosen(person) == {"ai": 1, "energy": 1}
    choose(client, person, ["bio"])
    assert chosen(person) == {"bio": 1}  # the energy place is free again
    other = make_registration(conference)
    choose(client, other, ["energy"])
    assert chosen(other) == {"energy": 1}
    html = choose(client, person, ["energy"]).get_data(as_text=True)
    assert "新能源分论坛 已满：1 个名额均已被选。请选择其他分论坛。" in html
    assert chosen(person) == {"bio": 1}  # unchanged


def test_closed_choices_cannot_be_changed(client, conference):
    ask_forums(conference, "optional", changes_open=False)
    person = make_registration(conference)
    html = client.get(f"/r/{person.manage_token}").get_data(as_text=True)
    assert "主办方已关闭分论坛选择。" in html
    html = choose(client, person, ["ai"]).get_data(as_text=True)
    assert "主办方已关闭分论坛选择；如需更改请联系主办方。" in html
    assert chosen() == {}


def test_cancelling_frees_the_forum_place(client, conference):
    from eventsys.registration import services as registration_services

    ask_forums(conference, "optional", limits={"ai": 1})
    person = make_registration(conference)
    choose(client, person, ["ai"])
    registration_services.cancel(person)
    db.session.commit()
    assert chosen() == {}
    html = choose(client, person, ["ai"]).get_data(as_text=True)
    assert "已取消或未通过的注册不能选择分论坛。" in html
    other = make_registration(conference)
    choose(client, other, ["ai"])
    assert chosen(other) == {"ai": 1}


# --- the organizer and staff --------------------------------------------------------------------


def test_organizer_sets_the_rules_and_staff_see_headcounts(client, conference):
    make_user("org@example.com", "organizer", conference)
    login(client, "org@example.com", PASSWORD)
    page = f"/manage/{conference.slug}/forum-choice"
    ids = {f.code: f.id for f in conference.forums}
    answer = submit(
        client,
        page,
        {
            "mode": "required",
            "max_choices": "2",
            "changes_open": "y",
            f"limit_{ids['ai']}": "2",
            f"limit_{ids['energy']}": "",
        },
        follow_redirects=True,
    )
    assert "已保存" in answer.get_data(as_text=True)
    person = make_registration(conference)
    choose(client, person, ["ai"])
    html = client.get(f"/manage/{conference.slug}/enrollment").get_data(as_text=True)
    assert "注册者必须至少选择一个分论坛。" in html
    row = html[html.index('data-forum="ai"') :]
    row = row[: row.index("</tr>")]
    assert '<span class="chosen">1</span> / 2' in row and "<td>1</td>" in row
    people = client.get(f"/manage/{conference.slug}/enrollment/forums/ai").get_data(as_text=True)
    assert person.name in people
    # A limit below those who already chose the forum is refused, nothing saved.
    answer = submit(client, page, {"mode": "required", f"limit_{ids['ai']}": "0"})
    assert answer.status_code == 422
    assert "已有 1 位参会者选择了该分论坛，名额不能低于此数。" in answer.get_data(as_text=True)
    answer = submit(client, page, {"mode": "required", f"limit_{ids['ai']}": "-3"})
    assert answer.status_code == 422
    assert "请填写不小于 0 的整数，或留空" in answer.get_data(as_text=True)
    from eventsys.agenda.services import forum_limits

    db.session.expire_all()
    assert forum_limits(conference)[ids["ai"]] == 2


def test_staff_cannot_change_the_rules(client, conference):
    make_user("staff@example.com", "staff", conference)
    login(client, "staff@example.com", PASSWORD)
    assert client.get(f"/manage/{conference.slug}/forum-choice").status_code == 403


def test_a_chosen_forum_cannot_be_deleted(client, conference):
    from eventsys.conferences import services as conference_services
    from eventsys.errors import DomainError

    ask_forums(conference, "optional")
    person = make_registration(conference)
    choose(client, person, ["bio"])
    bio = next(f for f in conference.forums if f.code == "bio")
    with pytest.raises(DomainError, match=r"1 attendee\(s\) chose 生物医药分论坛; it cannot"):
        conference_services.delete_part(conference, "forums", bio.id)


def test_api_headcounts_and_staff_setting_forums(client, conference):
    ask_forums(conference, "optional", limits={"ai": 5})
    token = make_token(make_user("staff@example.com", "staff", conference), conference, "staff")
    headers = {"Authorization": f"Bearer {token}"}
    person = make_registration(conference)
    url = f"/api/v1/conferences/{conference.slug}/registrations/{person.id}/forums"
    answer = client.put(url, json={"forums": ["ai", "bio"]}, headers=headers)
    assert answer.status_code == 200 and answer.get_json()["forums"] == ["ai", "bio"]
    counts = client.get(f"/api/v1/conferences/{conference.slug}/enrollments", headers=headers)
    forums = {f["code"]: f for f in counts.get_json()["forums"]}
    assert forums["ai"]["chosen"] == 1 and forums["ai"]["left"] == 4
    assert forums["energy"] == {**forums["energy"], "chosen": 0, "limit": None, "left": None}
    assert client.put(url, json={"forums": ["ai"]}).status_code == 401
