"""A conference and what an organizer sets up for it."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsys.db_types import UTCDateTime, utcnow
from eventsys.extensions import db


class Conference(db.Model):
    __tablename__ = "conferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    venue: Mapped[str] = mapped_column(String(200), default="")
    venue_en: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Conference-wide limit on registrations across all categories; None means none.
    capacity: Mapped[int | None] = mapped_column(Integer)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Seats held (confirmed + pending) across all categories; kept by the registration
    # services with conditional UPDATEs so that concurrent requests never oversell.
    seats_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    # Whether an attendee's own edits send a confirmed registration of a category that
    # needs approval back to the approval queue.
    edits_require_approval: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    categories: Mapped[list[Category]] = relationship(
        back_populates="conference",
        order_by="Category.position, Category.id",
        cascade="all, delete-orphan",
    )
    forums: Mapped[list[Forum]] = relationship(
        back_populates="conference",
        order_by="Forum.position, Forum.id",
        cascade="all, delete-orphan",
    )
    rooms: Mapped[list[Room]] = relationship(
        back_populates="conference",
        order_by="Room.position, Room.id",
        cascade="all, delete-orphan",
    )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def __repr__(self) -> str:
        return f"<Conference {self.slug}>"


class ConferencePart:
    """Columns shared by the things an organizer lists under a conference."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(default=0)


class Category(ConferencePart, db.Model):
    """A registration category (正式代表, 特邀嘉宾, 学生 ...)."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("conference_id", "code"),)

    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"))
    capacity: Mapped[int | None] = mapped_column(Integer)
    requires_approval: Mapped[bool] = mapped_column(default=False)
    invite_only: Mapped[bool] = mapped_column(default=False)
    seats_taken: Mapped[int] = mapped_column(default=0, server_default="0")

    conference: Mapped[Conference] = relationship(back_populates="categories")


class Forum(ConferencePart, db.Model):
    """A sub-forum (分论坛)."""

    __tablename__ = "forums"
    __table_args__ = (UniqueConstraint("conference_id", "code"),)

    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"))
    conference: Mapped[Conference] = relationship(back_populates="forums")


class Room(ConferencePart, db.Model):
    __tablename__ = "rooms"
    __table_args__ = (UniqueConstraint("conference_id", "code"),)

    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"))
    capacity: Mapped[int | None] = mapped_column(Integer)
    conference: Mapped[Conference] = relationship(back_populates="rooms")
