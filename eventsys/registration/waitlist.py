"""The waitlist: first come, first served, moved up whenever a seat is freed or a limit raised.

A group registered together (a delegation) waits together and moves up as a whole: only
when its category has places for all of its people. Until then single places that come free
go to those behind it (a place is not kept empty for a group that may never fit); the group
keeps its turn for the moment enough places are free together.
"""

from __future__ import annotations

from sqlalchemy import select, update

from eventsys.conferences.models import Category, Conference
from eventsys.db_types import utcnow
from eventsys.extensions import db
from eventsys.registration import history
from eventsys.registration.models import Registration
from eventsys.registration.notifications import notify
from eventsys.registration.seats import adjust_seats, lock_seats, take_seats
from eventsys.registration.statuses import Action, Status, announce, target


def promote_from_waitlist(conference: Conference) -> list[Registration]:
    """Give free seats to the waitlist, first come first served, and tell those promoted.

    Runs under the conference's seat lock (``seats.lock_seats``), taken before the waitlist
    is read: every registration that went onto the waitlist before has committed and is seen
    here, and none can join it until this transaction ends.
    """
    lock_seats(conference.id)
    promoted: list[Registration] = []
    full_categories: set[int] = set()
    waiting = db.session.execute(
        select(Registration.id, Registration.category_id, Registration.delegation_id)
        .where(
            Registration.conference_id == conference.id,
            Registration.status == Status.WAITLISTED,
        )
        .order_by(Registration.waitlisted_at, Registration.id)
    ).all()
    groups: dict[tuple[int, int], list[int]] = {}
    for registration_id, category_id, delegation_id in waiting:
        if delegation_id is not None:
            groups.setdefault((delegation_id, category_id), []).append(registration_id)
    moved_groups: set[tuple[int, int]] = set()
    for registration_id, category_id, delegation_id in waiting:
        if category_id in full_categories:
            continue
        group = groups.get((delegation_id, category_id)) if delegation_id is not None else None
        if group is not None:
            if (delegation_id, category_id) in moved_groups:
                continue
            moved_groups.add((delegation_id, category_id))
            category = db.session.get(Category, category_id)
            if not take_seats(conference, category, len(group)):
                continue  # too few places for all of them: the group keeps waiting
            for member_id in group:
                _promote_one(conference, category, member_id, promoted)
            continue
        category = db.session.get(Category, category_id)
        if not take_seats(conference, category, 1):
            db.session.refresh(conference, ["seats_taken", "capacity"])
            if conference.capacity is not None and conference.seats_taken >= conference.capacity:
                break  # the whole conference is full: nobody further down can move up
            full_categories.add(category_id)
            continue
        _promote_one(conference, category, registration_id, promoted)
    return promoted


def _promote_one(
    conference: Conference, category: Category, registration_id: int, promoted: list
) -> None:
    """Off the waitlist into the seat already taken for it (given back if someone else was
    quicker)."""
    action = Action.PROMOTE_FOR_APPROVAL if category.requires_approval else Action.PROMOTE
    status = target(action, Status.WAITLISTED)
    now = utcnow()
    # Conditional, so that two transactions never promote the same person twice.
    moved = db.session.execute(
        update(Registration)
        .where(Registration.id == registration_id, Registration.status == Status.WAITLISTED)
        .values(
            status=status,
            updated_at=now,
            confirmed_at=now if status == Status.CONFIRMED else None,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        adjust_seats(conference.id, category.id, -1)
        return
    registration = db.session.get(Registration, registration_id)
    db.session.refresh(registration)
    promoted.append(registration)
    history.record(registration, "promoted", via="system")
    notify(registration, "promoted")
    announce(registration, Status.WAITLISTED)
