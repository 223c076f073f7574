"""Seats: counted in ``categories.seats_taken`` and ``conferences.seats_taken`` and taken only
by conditional UPDATEs (``SET seats_taken = seats_taken + n WHERE seats_taken + n <= capacity``),
so that the database decides, under any concurrency, who gets the last seat. A registration
holds a seat while it is confirmed or pending; waitlisted, rejected and cancelled ones hold none.
"""

from __future__ import annotations

from sqlalchemy import or_, update

from eventsys.conferences.models import Category, Conference
from eventsys.extensions import db
from eventsys.registration.models import Registration


def take_seats(conference: Conference, category: Category, count: int, force=False) -> bool:
    """Take ``count`` seats of the category and of the conference-wide limit, or none.

    The decision is one conditional UPDATE per row: a concurrent request waits for the row
    and then sees the new count. ``force`` (an organizer's override) takes them regardless.
    """
    cat_cond = [Category.id == category.id]
    conf_cond = [Conference.id == conference.id]
    if not force:
        cat_cond.append(
            or_(Category.capacity.is_(None), Category.seats_taken + count <= Category.capacity)
        )
        conf_cond.append(
            or_(
                Conference.capacity.is_(None),
                Conference.seats_taken + count <= Conference.capacity,
            )
        )
    taken = db.session.execute(
        update(Category)
        .where(*cat_cond)
        .values(seats_taken=Category.seats_taken + count)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return False
    taken = db.session.execute(
        update(Conference)
        .where(*conf_cond)
        .values(seats_taken=Conference.seats_taken + count)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        adjust_seats(None, category.id, -count)  # give back the category's seats only
        return False
    return True


def adjust_seats(conference_id: int | None, category_id: int, count: int) -> None:
    """Adjust held seats of the category and, unless ``conference_id`` is None, the conference."""
    db.session.execute(
        update(Category)
        .where(Category.id == category_id)
        .values(seats_taken=Category.seats_taken + count)
        .execution_options(synchronize_session=False)
    )
    if conference_id is not None:
        db.session.execute(
            update(Conference)
            .where(Conference.id == conference_id)
            .values(seats_taken=Conference.seats_taken + count)
            .execution_options(synchronize_session=False)
        )


def release_seat(registration: Registration) -> None:
    adjust_seats(registration.conference_id, registration.category_id, -1)


def places_left(conference: Conference, category: Category) -> int | None:
    """Free seats of the category as loaded (None: no limit), the conference limit included."""
    left = None
    if category.capacity is not None:
        left = max(category.capacity - category.seats_taken, 0)
    if conference.capacity is not None:
        conf_left = max(conference.capacity - conference.seats_taken, 0)
        left = conf_left if left is None else min(left, conf_left)
    return left


def seats_left(category: Category) -> int | None:
    """Free seats of the category now, read again from the database."""
    db.session.refresh(category, ["seats_taken", "capacity"])
    db.session.refresh(category.conference, ["seats_taken", "capacity"])
    return places_left(category.conference, category)
