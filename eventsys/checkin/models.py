"""Check-in lists (the places where codes are scanned), every scan, and who is checked in."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsys.checkin.pg_scan import register_ddl
from eventsys.conferences.models import Category, Conference, ConferencePart
from eventsys.db_types import UTCDateTime, utcnow
from eventsys.extensions import db

CHECKIN_STATUSES = (
    "ok",
    "already_checked_in",
    "invalid",
    "not_confirmed",
    "cancelled",
    "not_allowed",
)
SCAN_TYPES = ("entry", "exit", "reversal")

# The categories a list admits; a list with none admits every category.
checkin_list_categories = Table(
    "checkin_list_categories",
    db.metadata,
    Column("list_id", ForeignKey("checkin_lists.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
)


class CheckinList(ConferencePart, db.Model):
    """A place where codes are scanned: the main entrance, or one session's door."""

    __tablename__ = "checkin_lists"
    __table_args__ = (UniqueConstraint("conference_id", "code"),)

    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedule_sessions.id", ondelete="SET NULL")
    )
    # A time window (UTC); None on either side: open on that side.
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Whether someone who went out may come in again (needs an exit scan in between).
    allow_reentry: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    conference: Mapped[Conference] = relationship()
    session = relationship("ScheduleSession")
    categories: Mapped[list[Category]] = relationship(
        secondary=checkin_list_categories, order_by="Category.position, Category.id"
    )


class Checkin(db.Model):
    """One scan, as it was answered; never updated or deleted (an undo is a new row)."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("conference_id", "nonce"),
        CheckConstraint("type IN ('entry', 'exit', 'reversal')", name="type"),
        CheckConstraint(
            "status IN ('ok', 'already_checked_in', 'invalid', 'not_confirmed', 'cancelled', "
            "'not_allowed')",
            name="status",
        ),
        Index("ix_checkins_conference_id_id", "conference_id", "id"),
        Index("ix_checkins_registration_id", "registration_id"),
        Index("ix_checkins_list_id", "list_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"))
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL")
    )
    list_id: Mapped[int] = mapped_column(ForeignKey("checkin_lists.id", ondelete="CASCADE"))
    gate: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    nonce: Mapped[str] = mapped_column(String(100))
    offline: Mapped[bool] = mapped_column(default=False)
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    operator_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    api_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="SET NULL")
    )
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("checkins.id", ondelete="SET NULL"), unique=True
    )
    # The answer given, returned again for a repeated nonce.
    answer: Mapped[dict] = mapped_column(JSON, default=dict)

    registration = relationship("Registration")
    checkin_list: Mapped[CheckinList] = relationship()
    operator = relationship("User")


class CheckinState(db.Model):
    """Whether a registration is checked in on a list, and whether they are inside now."""

    __tablename__ = "checkin_states"
    __table_args__ = (
        UniqueConstraint("list_id", "registration_id"),
        Index("ix_checkin_states_conference_id", "conference_id"),
        # The attendee's own page asks whether they were checked in on any list (its
        # certificate link), and deleting a registration looks here: by registration alone.
        Index("ix_checkin_states_registration_id", "registration_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"))
    list_id: Mapped[int] = mapped_column(ForeignKey("checkin_lists.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    first_checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_gate: Mapped[str] = mapped_column(String(100))
    inside: Mapped[bool] = mapped_column(default=True)
    last_scan_at: Mapped[datetime] = mapped_column(UTCDateTime)


# On PostgreSQL a scan is decided by one function (pg_scan.py); create_all makes it too.
register_ddl(db.metadata)
