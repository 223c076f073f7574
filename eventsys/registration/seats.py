"""Seats: counted in ``categories.seats_taken`` and ``conferences.seats_taken`` and taken only
by conditional UPDATEs (``SET seats_taken = seats_taken + n WHERE seats_taken + n <= capacity``),
so that the database decides, under any concurrency, who gets the last seat. A registration
holds a seat while it is confirmed or pending; waitlisted, rejected and cancelled ones hold none.

Every change of seats first takes the conference's row lock (``lock_seats``) and holds it to
the end of the transaction, so that in one conference the seats and the waitlist change one
transaction at a time: a registration that finds the category full and goes onto the waitlist
has committed before a cancellation decides whom to promote (and is promoted), or it sees the
seat the cancellation freed. Taking the conference row before any category row also keeps one
lock order everywhere, so that a cancellation promoting into another category cannot deadlock
with a registration. This is the only module that writes ``seats_taken``.
"""

from __future__ import annotations

from sqlalchemy import Integer, bindparam, or_, select, update

from eventsys.conferences.models import Category, Conference
from eventsys.extensions import db
from eventsys.registration.models import Registration


def lock_seats(conference_id: int) -> None:
    """Hold the conference's row until commit: the seats and the waitlist of this conference
    change one transaction at a time from here on (SQLite: every writer already does)."""
    db.session.execute(
        select(Conference.id).where(Conference.id == conference_id).with_for_update()
    )


def _take(table, checked: bool):
    """``UPDATE table SET seats_taken = seats_taken + :n WHERE id = :row_id`` (and, ``checked``,
    only while the capacity allows): built once, a plain Core statement (no ORM bulk-update
    machinery on the path every registration takes)."""
    n = bindparam("n", type_=Integer)
    conditions = [table.c.id == bindparam("row_id")]
    if checked:
        conditions.append(
            or_(table.c.capacity.is_(None), table.c.seats_taken + n <= table.c.capacity)
        )
    return update(table).where(*conditions).values(seats_taken=table.c.seats_taken + n)


_TAKE_CONFERENCE = _take(Conference.__table__, checked=True)
_TAKE_ANY_CONFERENCE = _take(Conference.__table__, checked=False)
_TAKE_CATEGORY = _take(Category.__table__, checked=True)
_TAKE_ANY_CATEGORY = _take(Category.__table__, checked=False)


def take_seats(conference: Conference, category: Category, count: int, force=False) -> bool:
    """Take ``count`` seats of the category and of the conference-wide limit, or none.

    The decision is one conditional UPDATE per row, made under ``lock_seats``. ``force`` (an
    organizer's override) takes them regardless.

    The conference's row is updated first: that UPDATE takes the row lock ``lock_seats``
    would take (the conference before any category, as everywhere), so the usual
    registration sends two statements, not three. When the conference-wide limit refuses,
    the lock is taken explicitly and the limit asked again under it: PostgreSQL does not lock
    a row whose re-checked condition fails, and a cancellation committing in between must not
    leave its freed seat beside the waitlist this registration is about to join.
    """
    take_conference = _TAKE_ANY_CONFERENCE if force else _TAKE_CONFERENCE
    take_category = _TAKE_ANY_CATEGORY if force else _TAKE_CATEGORY
    if db.session.execute(take_conference, {"row_id": conference.id, "n": count}).rowcount != 1:
        lock_seats(conference.id)
        if db.session.execute(take_conference, {"row_id": conference.id, "n": count}).rowcount != 1:
            return False
    if db.session.execute(take_category, {"row_id": category.id, "n": count}).rowcount != 1:
        # Give back the conference's seats only (its row lock is held).
        db.session.execute(_TAKE_ANY_CONFERENCE, {"row_id": conference.id, "n": -count})
        return False
    return True


def adjust_seats(conference_id: int | None, category_id: int, count: int) -> None:
    """Adjust held seats of the category and, unless ``conference_id`` is None, the conference.

    Without ``conference_id`` the caller holds ``lock_seats`` already."""
    if conference_id is not None:
        lock_seats(conference_id)
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


def move_seat(registration: Registration, category: Category, force: bool = False) -> bool:
    """Move the seat a registration holds to ``category``: one seat of it if there is one
    (or regardless, with ``force``), the old category's given back; the conference's count
    stays. False (nothing changed) when the category is full."""
    lock_seats(registration.conference_id)
    conditions = [Category.id == category.id]
    if not force:
        conditions.append(
            or_(Category.capacity.is_(None), Category.seats_taken + 1 <= Category.capacity)
        )
    taken = db.session.execute(
        update(Category)
        .where(*conditions)
        .values(seats_taken=Category.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return False
    adjust_seats(None, registration.category_id, -1)
    return True


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
