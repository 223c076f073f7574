"""What attendees choose: forums (分论坛) within the organizer's limits, seats in sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsys.db_types import UTCDateTime, utcnow
from eventsys.extensions import db

#: Whether registrants are asked to choose forums: not at all, optionally, or they must.
FORUM_CHOICE_MODES = ("off", "optional", "required")


class ForumChoiceSettings(db.Model):
    """The organizer's rules for choosing forums in one conference (no row: not asked)."""

    __tablename__ = "forum_choice_settings"
    __table_args__ = (
        CheckConstraint("mode IN ('off', 'optional', 'required')", name="mode"),
        CheckConstraint("max_choices IS NULL OR max_choices >= 1", name="max_choices"),
    )

    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[str] = mapped_column(String(10), default="off")
    # How many forums one attendee may choose; None: as many as they like.
    max_choices: Mapped[int | None] = mapped_column(Integer)
    # Whether attendees may still change their choice on their own page.
    changes_open: Mapped[bool] = mapped_column(default=True)


class ForumLimit(db.Model):
    """How many attendees may choose a forum (no row, or None: no limit)."""

    __tablename__ = "forum_limits"
    __table_args__ = (CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity"),)

    forum_id: Mapped[int] = mapped_column(
        ForeignKey("forums.id", ondelete="CASCADE"), primary_key=True
    )
    capacity: Mapped[int | None] = mapped_column(Integer)


class ForumChoice(db.Model):
    """An attendee chose a forum."""

    __tablename__ = "forum_choices"
    __table_args__ = (
        UniqueConstraint("registration_id", "forum_id"),
        Index("ix_forum_choices_forum_id", "forum_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    forum = relationship("Forum")
    registration = relationship("Registration")


class SessionEnrollment(db.Model):
    """An attendee holds a seat in a session that needs enrollment (one with a capacity)."""

    __tablename__ = "session_enrollments"
    __table_args__ = (
        UniqueConstraint("session_id", "registration_id"),
        Index("ix_session_enrollments_registration_id", "registration_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int] = mapped_column(ForeignKey("schedule_sessions.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session = relationship("ScheduleSession")
    registration = relationship("Registration")
