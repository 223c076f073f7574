"""The group form (单位集体报名): questions, rows, errors, landlines, a full category."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from eventsys.extensions import db
from eventsys.registration.models import Registration
from eventsys.registration.services import DelegationRequest, cancel, register_delegation
from tests.conftest import csrf_token, submit
from tests.factories import applicant, make_conference, make_registration

GROUP = "/c/cy-2026/register/group"

QUESTIONS = [
    {
        "code": "hotel",
        "label": "是否需要安排住宿",
        "label_en": "Accommodation needed",
        "kind": "yesno",
        "required": True,
        "options": [],
    },
    {
        "code": "diet",
        "label": "饮食要求",
        "label_en": "Diet",
        "kind": "choice",
        "required": False,
        "options": [{"value": "none", "label": "无"}, {"value": "halal", "label": "清真"}],
    },
]


@pytest.fixture
def conference(ctx):
    return make_conference(
        questions=QUESTIONS,
        categories=[
            {
                "code": "delegate",
                "name": "正式代表",
                "capacity": 3,
                "requires_approval": False,
                "invite_only": False,
            }
        ],
    )


def group_data(**extra):
    data = {
        "organization": "西南交通大学科技处",
        "contact_name": "联系人",
        "contact_phone": "028-87600000",
        "contact_email": "contact@example.com",
        "category": "delegate",
        "consent": "y",
        "members-0-name": "甲",
        "members-0-phone": "13600000001",
        "members-0-email": "a@example.com",
        "members-1-name": "乙",
        "members-1-phone": "13600000002",
        "members-1-email": "b@example.com",
    }
    data.update(extra)
    return data


def registrations():
    return list(db.session.execute(select(Registration).order_by(Registration.id)).scalars())


def count():
    return db.session.execute(select(func.count()).select_from(Registration)).scalar_one()


def test_the_group_form_asks_the_questions_once_with_a_per_member_override(conference, client):
    page = client.get(GROUP).get_data(as_text=True)
    assert "是否需要安排住宿" in page and 'name="q_hotel"' in page
    assert 'name="members-0-q_hotel"' in page  # the per-person override
    response = submit(client, GROUP, group_data(q_hotel="yes", **{"members-1-q_hotel": "no"}))
    assert response.status_code == 200, response.get_data(as_text=True)
    first, second = registrations()
    assert first.answers == {"hotel": True}
    assert second.answers == {"hotel": False}
    # The contact's landline was accepted as the contact number.
    assert first.delegation.contact_phone == "028-87600000"


def test_a_required_question_unanswered_is_refused_at_the_top_and_at_its_field(conference, client):
    response = submit(client, GROUP, group_data())
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="error-summary"' in html
    assert re.search(r'href="#q_hotel"[^>]*>[^<]*是否需要安排住宿', html)
    assert 'aria-describedby="q_hotel-error"' in html
    assert count() == 0


def test_an_empty_submit_lists_every_error_tied_to_its_field(conference, client):
    response = submit(client, GROUP, {"category": "delegate"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    summary = html[html.index('id="error-summary"') :]
    for field_id in ("organization", "contact_name", "contact_phone", "contact_email", "consent"):
        assert f'href="#{field_id}"' in summary
        assert f'aria-describedby="{field_id}-error"' in html
    assert count() == 0


def test_member_phone_and_email_are_starred(conference, client):
    html = client.get(GROUP).get_data(as_text=True)
    for name in ("members-0-phone", "members-0-email"):
        label = re.search(rf'<label for="{name}">(.*?)</label>', html, re.S).group(1)
        assert 'class="req"' in label


def test_a_bad_member_field_is_flagged_in_its_row(conference, client):
    response = submit(client, GROUP, group_data(q_hotel="yes", **{"members-1-phone": "12345"}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-describedby="members-1-phone-error"' in html
    assert re.search(r'href="#members-1-phone"', html)
    assert "甲" in html  # what was typed is kept
    assert count() == 0


def test_more_rows_without_javascript_keeps_what_was_typed(conference, client):
    response = submit(client, GROUP, group_data(add_rows="1"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="甲"' in html and 'value="028-87600000"' in html
    assert 'name="members-6-name"' in html  # 5 + 2 rows
    assert 'id="error-summary"' not in html
    assert count() == 0


@pytest.mark.parametrize("number", ["028-87600000", "(028) 8760 0000", "０２８－８７６０００００"])
def test_a_landline_is_a_contact_number(conference, number):
    delegation = register_delegation(
        conference,
        DelegationRequest(
            organization="单位",
            contact_name="联系人",
            contact_email="c@example.com",
            contact_phone=number,
            category="delegate",
            members=[applicant(answers={"hotel": True})],
        ),
    )
    assert delegation.contact_phone.replace(" ", "").endswith("87600000") or "8760" in (
        delegation.contact_phone
    )


def test_a_group_larger_than_the_places_left_waits_together_and_moves_up_together(conference):
    blocker = make_registration(conference, answers={"hotel": True})
    delegation = register_delegation(
        conference,
        DelegationRequest(
            organization="重庆大学",
            contact_name="联系人",
            contact_email="c@example.com",
            contact_phone="13600000000",
            category="delegate",
            members=[applicant(answers={"hotel": True}) for _i in range(3)],
        ),
    )
    db.session.commit()
    assert {m.status for m in delegation.members} == {"waitlisted"}
    # Single places do not wait for a group that does not fit.
    other = make_registration(conference, answers={"hotel": True})
    assert other.status == "confirmed"
    cancel(blocker)
    db.session.commit()
    assert {m.status for m in delegation.members} == {"waitlisted"}  # 2 free: not for 3
    promoted = cancel(other)
    db.session.commit()
    assert sorted(r.id for r in promoted) == sorted(m.id for m in delegation.members)
    assert {m.status for m in delegation.members} == {"confirmed"}


def test_the_form_says_a_full_category_puts_the_group_on_the_waitlist(conference, client):
    for _i in range(3):
        make_registration(conference, answers={"hotel": True})
    page = client.get(GROUP).get_data(as_text=True)
    assert "已满：整组一起候补" in page or "full: the group waits together" in page
    response = submit(client, GROUP, group_data(q_hotel="no"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "候补" in html or "waitlist" in html
    assert [r.status for r in registrations()][-2:] == ["waitlisted", "waitlisted"]


# --- a large delegation from a spreadsheet ----------------------------------------------------


def sheet(rows, headers=("姓名", "手机", "邮箱", "职务", "是否需要安排住宿")) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(list(headers))
    for row in rows:
        book.active.append(list(row))
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def read_file(client, content: bytes, name="代表团.xlsx", **fields):
    data = {
        **group_data(),
        **fields,
        "read_file": "1",
        "csrf_token": csrf_token(client, GROUP),
        "members_file": (io.BytesIO(content), name),
    }
    for key in [k for k in data if k.startswith("members-")]:
        del data[key]
    return client.post(GROUP, data=data, content_type="multipart/form-data")


def test_the_group_template_has_the_columns_and_questions(conference, client):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get(f"{GROUP}/template.xlsx").data))
    assert [c.value for c in book.active[1]] == [
        "姓名",
        "手机",
        "邮箱",
        "职务",
        "是否需要安排住宿",
        "饮食要求",
    ]


def test_a_spreadsheet_fills_the_rows_then_the_group_is_registered(conference, client):
    people = [
        (f"代表{i}", f"1360000{i:04d}", f"d{i}@example.com", "研究员", "是") for i in range(12)
    ]
    response = read_file(client, sheet(people))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "12 people read from 代表团.xlsx" in html or "12人" in html
    assert 'value="代表11"' in html and 'value="西南交通大学科技处"' in html
    assert count() == 0  # read, not registered
    # The contact sends the form as filled in.
    data = {"q_hotel": "no", **group_data()}
    for key in [k for k in data if k.startswith("members-")]:
        del data[key]
    for i, (name, phone, email, position, _hotel) in enumerate(people):
        data.update(
            {
                f"members-{i}-name": name,
                f"members-{i}-phone": phone,
                f"members-{i}-email": email,
                f"members-{i}-position": position,
                f"members-{i}-q_hotel": "yes",
            }
        )
    response = submit(client, GROUP, data)
    assert response.status_code == 200
    assert count() == 12
    assert all(r.answers == {"hotel": True} for r in registrations())


def test_a_bad_cell_is_named_by_row_and_column_and_no_row_is_filled(conference, client):
    people = [
        ("甲", "13600000001", "a@example.com", "", "是"),
        ("乙", "12345", "b@example.com", "", "也许"),
    ]
    response = read_file(client, sheet(people))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "第3行，手机列：大陆手机号为11位" in html or "第3行，手机列：" in html
    assert "第3行，是否需要安排住宿列：" in html
    assert 'value="甲"' not in html
    assert count() == 0


def test_a_file_without_the_needed_columns_says_which(conference, client):
    response = read_file(client, sheet([("甲",)], headers=("姓名",)))
    assert response.status_code == 422
    assert "手机、邮箱" in response.get_data(as_text=True)
