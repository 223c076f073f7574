"""The walk-in desk, and one registration's page for staff: editing, resending, history."""

from __future__ import annotations

import json
import pathlib
import re

import pytest
from sqlalchemy import select

from eventsys.errors import ValidationError
from eventsys.extensions import db
from eventsys.registration import services
from eventsys.registration.models import Registration, RegistrationEvent
from tests.conftest import submit
from tests.factories import applicant, make_conference, make_registration, make_token, make_user
from tests.registration.test_staff_pages import (
    LIST,
    SMALL,
    count,
    flashes,
    page,
    sign_in,
)

WALK_IN = {
    "category": "delegate",
    "name": "赵六",
    "phone": "13800138000",
    "email": "",
    "organization": "成都理工大学",
    "position": "研究员",
}


@pytest.fixture
def conference(ctx):
    return make_conference(categories=SMALL)


def history(registration) -> list[RegistrationEvent]:
    return list(
        db.session.execute(
            select(RegistrationEvent)
            .where(RegistrationEvent.registration_id == registration.id)
            .order_by(RegistrationEvent.id)
        ).scalars()
    )


# --- the desk -----------------------------------------------------------------------------


def test_a_walk_in_without_an_e_mail_is_registered_and_sees_their_qr_code(conference, client, app):
    sign_in(client, conference)
    outbox = pathlib.Path(app.config["MAIL_OUTBOX"])
    response = submit(client, f"{LIST}/new", WALK_IN)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#ticket")
    html = page(client.get(response.headers["Location"]))
    registration = db.session.execute(select(Registration)).scalar_one()
    assert registration.email == "" and registration.email_key is None
    assert registration.status == "confirmed"
    assert 'id="ticket"' in html and "<svg" in html
    code = registration.manual_code
    assert f"{code[:4]} {code[4:]}" in html
    assert not outbox.exists() or not list(outbox.iterdir())  # no address, no mail


def test_two_walk_ins_without_e_mail_but_the_same_phone_is_still_a_duplicate(conference, client):
    sign_in(client, conference)
    submit(client, f"{LIST}/new", WALK_IN)
    second = submit(client, f"{LIST}/new", {**WALK_IN, "name": "钱七", "phone": "13900000001"})
    assert second.status_code == 302
    again = submit(client, f"{LIST}/new", {**WALK_IN, "name": "孙八", "phone": "138 0013 8000"})
    assert again.status_code == 422
    assert 'id="phone-error">already registered' in page(again)
    assert count(Registration) == 2


def test_the_public_form_and_the_api_still_require_an_e_mail(conference, client):
    response = client.post(
        "/api/v1/conferences/cy-2026/registrations",
        json={"category": "delegate", "name": "李", "phone": "13800000009", "email": ""},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["email"] == "required"


def test_desk_errors_are_the_apps_own_words_and_fields_are_in_the_public_order(conference, client):
    sign_in(client, conference)
    response = submit(client, f"{LIST}/new", {"category": "delegate"})
    assert response.status_code == 422
    html = page(response)
    assert "This field is required" not in html
    assert 'id="name-error">required' in html and 'id="phone-error">required' in html
    assert 'id="error-summary"' in html
    form = html[html.index('class="narrow-form desk-form"') :]
    order = [form.index(f'name="{name}"') for name in ("category", "name", "phone", "email")]
    assert order == sorted(order)
    for name, token in (("name", "name"), ("phone", "tel"), ("email", "email")):
        assert re.search(
            rf'autocomplete="{token}"[^>]*name="{name}"|name="{name}"[^>]*autocomplete="{token}"',
            form,
        )


def test_the_desk_shows_places_left_beside_each_category(conference, client):
    make_registration(conference, "delegate")
    sign_in(client, conference)
    html = page(client.get(f"{LIST}/new"))
    assert "正式代表 (1 places left)" in html or "正式代表 (1 place left)" in html
    make_registration(conference, "delegate")
    html = page(client.get(f"{LIST}/new"))
    assert "正式代表 (full: onto the waitlist)" in html


# --- editing, resending, history ---------------------------------------------------------


def test_staff_edit_details_and_the_history_says_who_changed_what(conference, client):
    registration = make_registration(conference, name="司马相如", organization="四川大学")
    sign_in(client, conference)
    response = submit(
        client,
        f"{LIST}/{registration.id}/edit",
        {
            "name": "司马相如",
            "email": registration.email,
            "phone": "１３９ ０００１ ２３４５",  # full-width digits from a Chinese keyboard
            "organization": "成都大学",
            "position": "教授",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    edited = db.session.get(Registration, registration.id)
    assert edited.phone == "13900012345" and edited.organization == "成都大学"
    events = history(edited)
    assert [e.action for e in events] == ["registered", "edited"]
    assert events[1].actor == "staff <staff@example.com>"
    assert events[1].changes["organization"] == ["四川大学", "成都大学"]
    html = page(client.get(f"{LIST}/{registration.id}"))
    history_html = html[html.index('<ol class="history">') :]
    assert "staff &lt;staff@example.com&gt;" in history_html
    assert 'Organization: <span class="change">四川大学 → 成都大学</span>' in history_html


def test_a_staff_edit_obeys_the_duplicate_rule(conference, client):
    other = make_registration(conference, email="taken@example.com")
    registration = make_registration(conference)
    sign_in(client, conference)
    response = submit(
        client,
        f"{LIST}/{registration.id}/edit",
        {"name": "x", "email": "TAKEN@example.com", "phone": registration.phone},
    )
    assert response.status_code == 409
    assert "already registered" in page(response)
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).email != other.email
    assert [e.action for e in history(registration)] == ["registered"]


def test_resend_the_confirmation(conference, client, app):
    registration = make_registration(conference)
    sign_in(client, conference)
    outbox = pathlib.Path(app.config["MAIL_OUTBOX"])
    before = len(list(outbox.iterdir()))
    response = submit(
        client,
        f"{LIST}/{registration.id}",
        {},
        action=f"{LIST}/{registration.id}/resend",
        follow_redirects=True,
    )
    assert f"The confirmation is on its way to {registration.email}." in flashes(page(response))
    assert len(list(outbox.iterdir())) == before + 1
    assert history(registration)[-1].action == "resent"


def test_history_of_approve_reject_cancel_from_pages_api_and_waitlist(conference, client):
    first = make_registration(conference, "student")  # needs approval
    second = make_registration(conference, "student")
    sign_in(client, conference)
    submit(client, f"{LIST}/{first.id}", {}, action=f"{LIST}/{first.id}/approve")
    token = make_token(make_user("bot@example.com"), conference, "staff")
    response = client.post(
        f"/api/v1/conferences/cy-2026/registrations/{second.id}/cancel",
        json={"reason": "重复报名"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    first_events = history(first)
    assert [(e.action, e.via) for e in first_events] == [
        ("registered", "web"),
        ("approved", "staff"),
    ]
    assert first_events[1].actor == "staff <staff@example.com>"
    cancelled = history(second)[-1]
    assert (cancelled.action, cancelled.via, cancelled.note) == ("cancelled", "api", "重复报名")
    assert "bot@example.com" in cancelled.actor


def test_promotion_from_the_waitlist_is_recorded(conference):
    full = [make_registration(conference, "delegate") for _i in range(2)]
    waiting = make_registration(conference, "delegate")
    services.cancel(full[0])
    db.session.commit()
    events = history(waiting)
    assert [e.action for e in events] == ["registered", "promoted"]
    assert events[1].via == "system" and events[1].actor_id is None


def test_history_is_not_kept_for_a_change_that_was_refused(conference):
    registration = make_registration(conference)
    with pytest.raises(ValidationError):
        services.update_details(
            registration, applicant(name="", email=registration.email), by_staff=True
        )
    db.session.rollback()
    assert [e.action for e in history(registration)] == ["registered"]


def test_change_category_is_recorded_old_to_new(conference, client):
    registration = make_registration(conference, "delegate")
    sign_in(client, conference)
    submit(
        client,
        f"{LIST}/{registration.id}",
        {"category": "guest"},
        action=f"{LIST}/{registration.id}/category",
    )
    event = history(registration)[-1]
    assert event.action == "category"
    assert json.loads(json.dumps(event.changes)) == {"category": ["delegate", "guest"]}
