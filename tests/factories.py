"""Test data made through the services, as a user would make it."""

from __future__ import annotations

import copy

from eventsys.auth import services as auth_services
from eventsys.conferences.jsonio import load_conference
from eventsys.extensions import db
from eventsys.registration.applicants import Applicant

# The contract's example conference, verbatim.
CONTRACT_EXAMPLE = {
    "slug": "cy-2026",
    "title": "第五届川渝科技学术大会",
    "title_en": "5th Sichuan-Chongqing Science and Technology Academic Conference",
    "starts_on": "2026-12-18",
    "ends_on": "2026-12-19",
    "timezone": "Asia/Shanghai",
    "venue": "成都 · 天府国际会议中心",
    "categories": [
        {
            "code": "delegate",
            "name": "正式代表",
            "capacity": 300,
            "requires_approval": False,
            "invite_only": False,
        }
    ],
    "forums": [{"code": "ai", "name": "人工智能分论坛"}],
    "rooms": [{"code": "hall-a", "name": "A厅", "capacity": 500}],
    "sessions": [
        {
            "code": "opening",
            "title": "开幕式",
            "kind": "plenary",
            "room": "hall-a",
            "forum": None,
            "starts_at": "2026-12-18T09:00",
            "ends_at": "2026-12-18T10:00",
            "capacity": None,
            "speakers": [{"name": "陆为民", "affiliation": "天津市科协", "role": "speaker"}],
        }
    ],
    "checkin_lists": [{"code": "main", "name": "主会场入口", "session": None}],
}

PASSWORD = "correct-horse-battery"


def conference_json(**changes) -> dict:
    data = copy.deepcopy(CONTRACT_EXAMPLE)
    data.update(changes)
    return data


def make_conference(**changes):
    conference = load_conference(conference_json(**changes))
    db.session.commit()
    return conference


def make_user(email: str, role: str | None = None, conference=None, admin: bool = False):
    user = auth_services.create_user(email, PASSWORD, name=email.split("@")[0], is_admin=admin)
    if role and conference is not None:
        auth_services.set_membership(conference, user, role)
    db.session.commit()
    return user


def make_token(user, conference, role: str) -> str:
    """As ``create-token`` makes it: the user gets the role when they lack it."""
    _row, token = auth_services.issue_api_token(user, conference, role)
    db.session.commit()
    return token


_person = 0


def applicant(category: str = "delegate", **changes):
    """A plausible, unique attendee (e-mail and phone differ each call)."""

    global _person
    _person += 1
    values = {
        "category": category,
        "name": f"参会者{_person}",
        "email": f"person{_person}@example.com",
        "phone": f"139{_person:08d}",
        "organization": "四川大学",
        "position": "教授",
    }
    values.update(changes)
    return Applicant(**values)


def make_registration(conference, category: str = "delegate", by_staff=False, **changes):
    from eventsys.registration.services import register

    registration = register(conference, applicant(category, **changes), by_staff=by_staff)
    db.session.commit()
    return registration
