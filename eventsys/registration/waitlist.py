"""The waitlist: first come, first served, moved up whenever a seat is freed or a limit raised."""

from __future__ import annotations

from sqlalchemy import select, update

from eventsys.conferences.models import Category, Conference
from eventsys.db_types import utcnow
from eventsys.extensions import db
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
        select(Registration.id, Registration.category_id)
        .where(
            Registration.conference_id == conference.id,
            Registration.status == Status.WAITLISTED,
        )
        .order_by(Registration.waitlisted_at, Registration.id)
    ).all()
    for registration_id, category_id in waiting:
        if category_id in full_categories:
            continue
        category = db.session.get(Category, category_id)
        if not take_seats(conference, category, 1):
            db.session.refresh(conference, ["seats_taken", "capacity"])
            if conference.capacity is not None and conference.seats_taken >= conference.capacity:
                break  # the whole conference is full: nobody further down can move up
            full_categories.add(category_id)
            continue
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
            adjust_seats(conference.id, category_id, -1)
            continue
        registration = db.session.get(Registration, registration_id)
        db.session.refresh(registration)
        promoted.append(registration)
        notify(registration, "promoted")
        announce(registration, Status.WAITLISTED)
    return promoted
