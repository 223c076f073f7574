"""Seeding the demo: the conference from its JSON file, the logins, attendees and signings."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from sqlalchemy import select

from eventsys.auth.services import create_user, find_user, set_membership
from eventsys.conferences.jsonio import load_conference
from eventsys.conferences.models import Conference
from eventsys.demo.generators import (
    demo_attendees,
    demo_conference_json,
    demo_logins,
    demo_signings,
)
from eventsys.errors import Conflict
from eventsys.extensions import db
from eventsys.registration.services import seed_registrations
from eventsys.schedule.releases import publish as publish_schedule

DEFAULT_ATTENDEES = 300
DEFAULT_SIGNINGS = 60


def _optional_seeder(module_name: str, function_name: str) -> Callable | None:
    """``module.function`` if that part of the program exists yet, else None."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name not in (module_name, module_name.rpartition(".")[0]):
            raise  # the module is there but itself imports something missing: a real error
        return None
    return getattr(module, function_name, None)


def login_lines(login_url: str) -> list[str]:
    """How to log in to the demo: the page and the demo logins with their passwords."""
    slug = demo_conference_json()["slug"]
    lines = [f"Log in at {login_url} with one of:"]
    for login in demo_logins():
        what = f"{login['role']} of {slug}" if login["role"] else "site admin"
        lines.append(f"  {login['email']:<24} password {login['password']:<16} ({what})")
    return lines


def seed_demo(replace: bool = False, attendees: int = DEFAULT_ATTENDEES) -> list[str]:
    """Load the demo conference, its logins, attendees and signings; return what was done.

    Does nothing when the conference exists and ``replace`` is False, so running it twice is
    harmless. With ``replace`` the conference is brought back to the demo (logins are created
    if missing); attendees and signings are only seeded into a conference this call created,
    so they are never doubled. ``attendees`` demo attendees are registered (ValueError if the
    categories cannot hold them). Flushes, never commits: the caller commits.
    """
    data = demo_conference_json()
    slug = data["slug"]
    people = demo_attendees(attendees)  # refuses a count the categories cannot hold, first
    existing = db.session.execute(
        select(Conference).where(Conference.slug == slug)
    ).scalar_one_or_none()
    if existing is not None and not replace:
        return [
            f"Demo conference {slug} already exists; nothing loaded (use --replace to reload it)."
        ]

    conference = load_conference(data, replace=replace)
    lines = [
        f"{'Reloaded' if existing else 'Loaded'} demo conference {slug} ({data['title']}): "
        f"{len(data['categories'])} categories, {len(data['forums'])} forums, "
        f"{len(data['rooms'])} rooms, {len(data['sessions'])} sessions, "
        f"{len(data['checkin_lists'])} check-in lists."
    ]

    # The public programme is the published one: the demo publishes what it loaded.
    try:
        release = publish_schedule(conference, comment="演示数据")
    except Conflict:
        pass  # reloaded unchanged: the published version still holds
    else:
        lines.append(f"Published the programme as version {release.version}.")

    for login in demo_logins():
        user = find_user(login["email"])
        if user is None:
            user = create_user(
                login["email"], login["password"], name=login["name"], is_admin=not login["role"]
            )
        if login["role"]:
            set_membership(conference, user, login["role"])
    db.session.flush()

    if existing is None:
        seed_registrations(conference, people)
        lines.append(f"Registered {len(people)} demo attendees.")
        # The signing domain is still to come; its seeder is used as soon as it exists.
        seed_signings = _optional_seeder("eventsys.signing.services", "seed_signings")
        if seed_signings is not None:
            signings = demo_signings(DEFAULT_SIGNINGS)
            seed_signings(conference, signings)
            total = sum(s["amount_wan"] for s in signings)
            lines.append(
                f"Recorded {len(signings)} signed projects, {total / 10_000:.2f} 亿元 in all."
            )
        db.session.flush()

    return lines
