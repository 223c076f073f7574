"""What the documents domain keeps: badge settings per conference and colours per category,
which badges were printed, and the certificates of attendance issued."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsys.db_types import UTCDateTime, utcnow
from eventsys.extensions import db

BADGE_LAYOUTS = ("a6", "a4-4up")
DEFAULT_BADGE_COLOUR = "#1f5fa8"


class BadgeSettings(db.Model):
    """A conference's badge: the layout printed by default and what it shows."""

    __tablename__ = "badge_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), unique=True
    )
    layout: Mapped[str] = mapped_column(String(10), default="a6")
    show_organization: Mapped[bool] = mapped_column(default=True)
    show_position: Mapped[bool] = mapped_column(default=False)
    # A line at the foot of every badge (the organizer, a hashtag, a Wi-Fi name …).
    footer: Mapped[str] = mapped_column(String(100), default="")


class BadgeColour(db.Model):
    """The colour of a category's band on the badge (and the text colour on it)."""

    __tablename__ = "badge_colours"
    __table_args__ = (UniqueConstraint("category_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    colour: Mapped[str] = mapped_column(String(7), default=DEFAULT_BADGE_COLOUR)
    text_colour: Mapped[str] = mapped_column(String(7), default="#ffffff")


class BadgePrint(db.Model):
    """A registration's badge went into a printed batch (the "not yet printed" filter)."""

    __tablename__ = "badge_prints"

    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    first_printed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_printed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    times: Mapped[int] = mapped_column(default=1)


def new_certificate_token() -> str:
    """The random part of a certificate's verification link (144 bits)."""
    return secrets.token_urlsafe(18)


class Certificate(db.Model):
    """A certificate of attendance (参会证明) issued to someone who was checked in; its token
    is the public verification link ``/v/<token>``."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), unique=True
    )
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_certificate_token)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration = relationship("Registration")
    conference = relationship("Conference")
