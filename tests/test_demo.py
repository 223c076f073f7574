"""seed-demo: the demo conference from its JSON file, its attendees and working logins."""

from __future__ import annotations

import json
import re
from importlib import resources

from sqlalchemy import func, select

from eventsys.auth.models import Membership, User
from eventsys.conferences.models import Category, Conference, Forum, Room
from eventsys.demo import demo_attendees, demo_conference_json, demo_signings
from eventsys.extensions import db
from eventsys.registration.models import Registration
from eventsys.schedule.models import ScheduleSession
from tests.conftest import login

SLUG = "cy-2026"
ATTENDEES = 20  # the real demo has 300; a few are enough to see them all through
LOGIN_LINE = re.compile(r"^\s+(\S+@\S+)\s+password (\S+)\s+\((.+)\)$", re.MULTILINE)


def demo_file() -> str:
    return str(resources.files("eventsys.demo").joinpath("data", "conference.json"))


def seed(runner, *args, env=None):
    return runner.invoke(args=["seed-demo", "--attendees", str(ATTENDEES), *args], env=env)


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def registrations_by_category_and_status() -> dict[tuple[str, str], int]:
    rows = db.session.execute(
        select(Category.code, Registration.status, func.count())
        .join(Category, Registration.category_id == Category.id)
        .group_by(Category.code, Registration.status)
    ).all()
    return {(code, getattr(status, "value", status)): n for code, status, n in rows}


def what_exists(app) -> dict:
    with app.app_context():
        return {
            "conferences": count(Conference),
            "categories": count(Category),
            "forums": count(Forum),
            "rooms": count(Room),
            "sessions": count(ScheduleSession),
            "users": count(User),
            "memberships": count(Membership),
            "registrations": registrations_by_category_and_status(),
        }


def test_seed_demo_loads_the_conference_with_attendees_and_working_logins(app, runner, client):
    result = seed(runner)
    assert result.exit_code == 0, result.output
    assert "37 sessions" in result.output
    assert f"Registered {ATTENDEES} demo attendees." in result.output

    made = what_exists(app)
    assert made["conferences"] == 1
    assert (made["categories"], made["forums"], made["rooms"], made["sessions"]) == (5, 6, 8, 37)
    by_status: dict[str, int] = {}
    for (_category, status), number in made["registrations"].items():
        by_status[status] = by_status.get(status, 0) + number
    assert sum(by_status.values()) == ATTENDEES
    assert by_status["pending"] > 0  # students and media wait for approval, as in the demo
    assert set(by_status) == {"confirmed", "pending"}

    # What was seeded is the conference of the data file, part for part.
    exported = runner.invoke(args=["export-conference", SLUG])
    assert exported.exit_code == 0, exported.output
    with open(demo_file(), encoding="utf-8") as handle:
        assert json.loads(exported.output) == json.load(handle)

    logins = LOGIN_LINE.findall(result.output)
    assert [role for _email, _password, role in logins] == [
        f"organizer of {SLUG}",
        f"staff of {SLUG}",
        f"checkin of {SLUG}",
        "site admin",
    ]
    for email, password, _role in logins:
        other = app.test_client()
        assert login(other, email, password).status_code == 302, email

    organizer_password = dict((email, pw) for email, pw, _r in logins)["organizer@example.com"]
    assert login(client, "organizer@example.com", organizer_password).status_code == 302
    dashboard = client.get(f"/manage/{SLUG}/")
    assert dashboard.status_code == 200
    page = dashboard.get_data(as_text=True)
    assert "第五届川渝科技学术大会" in page
    assert f'<p class="big-number">{by_status["confirmed"]}</p>' in page
    assert f'<p class="big-number">{by_status["pending"]}</p>' in page
    assert '<p class="big-number">37</p>' in page  # the timetable's sessions


def test_seed_demo_twice_changes_nothing(app, runner):
    first = seed(runner)
    assert first.exit_code == 0, first.output
    before = what_exists(app)

    second = seed(runner)
    assert second.exit_code == 0, second.output
    assert "already exists" in second.output
    assert "organizer@example.com" in second.output
    assert what_exists(app) == before

    replaced = seed(runner, "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert what_exists(app) == before


def test_the_printed_address_follows_port(app, runner):
    result = seed(runner, env={"PORT": "8123"})
    assert result.exit_code == 0, result.output
    assert "Log in at http://127.0.0.1:8123/login" in result.output
    assert ":5000" not in result.output

    unset = seed(runner, env={"PORT": None})
    assert unset.exit_code == 0, unset.output
    assert "Log in at http://127.0.0.1:5000/login" in unset.output


def test_a_bad_port_or_count_is_refused_before_anything_is_written(app, runner):
    bad_port = seed(runner, env={"PORT": "http"})
    assert bad_port.exit_code == 1
    assert "PORT must be a port number" in bad_port.output

    too_many = runner.invoke(args=["seed-demo", "--attendees", "10000"], env={"PORT": None})
    assert too_many.exit_code == 2
    assert "--attendees" in too_many.output
    assert what_exists(app)["conferences"] == 0


def test_the_demo_file_loads_and_round_trips(app, runner):
    loaded = runner.invoke(args=["load-conference", demo_file()])
    assert loaded.exit_code == 0, loaded.output
    exported = runner.invoke(args=["export-conference", SLUG])
    assert exported.exit_code == 0, exported.output
    data = json.loads(exported.output)
    assert data == demo_conference_json()
    # Bilingual throughout: every part has its English name.
    assert data["title_en"] and data["venue_en"]
    for kind in ("categories", "forums", "rooms", "checkin_lists"):
        assert all(part["name_en"] for part in data[kind]), kind
    assert all(session["title_en"] for session in data["sessions"])


def test_the_generators_are_repeatable_and_within_the_conference():
    attendees = demo_attendees(300)
    assert attendees == demo_attendees(300)
    assert len({a["email"] for a in attendees}) == len({a["phone"] for a in attendees}) == 300
    capacities = {c["code"]: c["capacity"] for c in demo_conference_json()["categories"]}
    for code, capacity in capacities.items():
        assert sum(a["category"] == code for a in attendees) <= capacity
    assert all(a["name"] and a["organization"] and a["position"] for a in attendees)

    signings = demo_signings(60)
    assert signings == demo_signings(60)
    assert len({s["title"] for s in signings}) == 60
    forums = {f["code"] for f in demo_conference_json()["forums"]}
    assert {s["forum"] for s in signings} <= forums
    assert all(s["amount_wan"] > 0 and s["amount_wan"].as_tuple().exponent == -2 for s in signings)
