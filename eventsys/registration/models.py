"""Registrations, the questions organizers ask, invitation codes and delegations."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsys.db_types import UTCDateTime, utcnow
from eventsys.extensions import db
from eventsys.registration.statuses import ACTIVE_STATUSES, SEAT_STATUSES, STATUSES

QUESTION_KINDS = ("text", "choice", "multi", "yesno", "number", "date")

_ACTIVE_SQL = "status IN ({})".format(", ".join(f"'{s}'" for s in ACTIVE_STATUSES))
# A phone number is unique among standing registrations unless the conference lets several
# people share one (a secretary registering two leaders): those registrations are marked.
_PHONE_UNIQUE_SQL = _ACTIVE_SQL + " AND phone_unique"
_STATUS_SQL = "status IN ({})".format(", ".join(f"'{s}'" for s in STATUSES))


def new_checkin_token() -> str:
    """The random part of a registration's QR code (144 bits; check-in signs it)."""
    return secrets.token_urlsafe(18)


# A code short enough to type at a desk: no 0/O, 1/I/L to misread.
MANUAL_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MANUAL_CODE_LENGTH = 8


def new_manual_code() -> str:
    """The code printed under the QR code, typed when a screen is cracked (31^8 ≈ 8.5e11)."""
    # One random number below 31^8 written in the alphabet's 31 digits: the same uniform
    # choice as eight secrets.choice calls, with one read of the system's randomness instead
    # of eight (an import makes thousands).
    number = secrets.randbelow(len(MANUAL_CODE_ALPHABET) ** MANUAL_CODE_LENGTH)
    digits = []
    for _ in range(MANUAL_CODE_LENGTH):
        number, digit = divmod(number, len(MANUAL_CODE_ALPHABET))
        digits.append(MANUAL_CODE_ALPHABET[digit])
    return "".join(digits)


class Registration(db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        CheckConstraint(_STATUS_SQL, name="status"),
        # One standing registration per e-mail and per phone in a conference; a cancelled or
        # rejected one does not stop the person from registering again.
        Index(
            "uq_registrations_email_active",
            "conference_id",
            "email_key",
            unique=True,
            postgresql_where=text(_ACTIVE_SQL),
            sqlite_where=text(_ACTIVE_SQL),
        ),
        Index(
            "uq_registrations_phone_active",
            "conference_id",
            "phone_key",
            unique=True,
            postgresql_where=text(_PHONE_UNIQUE_SQL),
            sqlite_where=text(_PHONE_UNIQUE_SQL),
        ),
        Index("ix_registrations_conference_status", "conference_id", "status"),
        # The staff list pages newest first within a conference.
        Index("ix_registrations_conference_id_id", "conference_id", "id"),
        Index("ix_registrations_waitlist", "conference_id", "status", "waitlisted_at", "id"),
        UniqueConstraint("conference_id", "manual_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    delegation_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegations.id", ondelete="SET NULL"), index=True
    )
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitation_codes.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(100))
    # "" when the person gave none (a walk-in at the desk); its key is then NULL, so that the
    # unique index lets any number of them stand.
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(32))
    phone_key: Mapped[str] = mapped_column(String(32))
    # False when the conference allowed a shared phone at the time: the index then lets it be.
    phone_unique: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    organization: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[str] = mapped_column(String(100), default="")
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    status: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20), default="web")
    reason: Mapped[str] = mapped_column(Text, default="")
    manage_token: Mapped[str] = mapped_column(String(64), unique=True)
    checkin_token: Mapped[str] = mapped_column(String(64), unique=True)
    manual_code: Mapped[str] = mapped_column(String(8), default=new_manual_code)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    conference = relationship("Conference")
    category = relationship("Category")
    delegation: Mapped[Delegation | None] = relationship(back_populates="members")
    invitation = relationship("InvitationCode")

    @property
    def holds_seat(self) -> bool:
        return self.status in SEAT_STATUSES


class Question(db.Model):
    """An organizer's own question on the registration form."""

    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("conference_id", "code"),
        CheckConstraint(
            "kind IN ('text', 'choice', 'multi', 'yesno', 'number', 'date')", name="kind"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(10), default="text")
    required: Mapped[bool] = mapped_column(default=False)
    # For choice and multi: [{"value": "a", "label": "甲", "label_en": "A"}, ...]
    options: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)


class InvitationCode(db.Model):
    __tablename__ = "invitation_codes"
    __table_args__ = (UniqueConstraint("conference_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    max_uses: Mapped[int | None] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when an organizer withdrew the code (it stops working, and says so on the list).
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category = relationship("Category")


class Delegation(db.Model):
    """A group registered together by one contact of one organization (单位集体报名)."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    organization: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str] = mapped_column(String(32))
    manage_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[Registration]] = relationship(
        back_populates="delegation", order_by="Registration.id"
    )


class RegistrationEvent(db.Model):
    """One line of a registration's history: who did what, when, and which fields changed."""

    __tablename__ = "registration_events"
    __table_args__ = (Index("ix_registration_events_registration_id_id", "registration_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    # The staff member or organizer; None for the attendee, the system (the waitlist) or a
    # user since deleted (``actor`` then still names them as they were).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254), default="")
    # registered, approved, rejected, cancelled, promoted, edited, category, resent …
    action: Mapped[str] = mapped_column(String(30))
    # {field: [old, new]} for the fields an edit changed.
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    # Where it was done: web, desk, api, import, staff (a staff page), attendee (own page).
    via: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RegistrationSettings(db.Model):
    """A conference's registration rules that are not set-up of its own (one row or none)."""

    __tablename__ = "registration_settings"

    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), primary_key=True
    )
    # Several standing registrations may give the same phone number (a secretary's).
    shared_phone_allowed: Mapped[bool] = mapped_column(default=False)
