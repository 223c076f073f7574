"""Check-in lists: the places where codes are scanned."""

from __future__ import annotations

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsys.conferences.models import Conference, ConferencePart
from eventsys.extensions import db


class CheckinList(ConferencePart, db.Model):
    """A place where codes are scanned: the main entrance, or one session's door."""

    __tablename__ = "checkin_lists"
    __table_args__ = (UniqueConstraint("conference_id", "code"),)

    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedule_sessions.id", ondelete="SET NULL")
    )
    conference: Mapped[Conference] = relationship()
    session = relationship("ScheduleSession")
