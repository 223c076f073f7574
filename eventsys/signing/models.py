"""Signed cooperation projects (签约项目), their audit log and each conference's settings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsys.db_types import UTCDateTime, utcnow
from eventsys.extensions import db
from eventsys.signing.money import from_yuan

KINDS = ("cooperation", "transfer", "investment", "platform", "talent")
STATUSES = ("signed", "intent")


class SignedProject(db.Model):
    """One project signed (or announced as intended) at a conference.

    The amount is kept as whole yuan (``amount_yuan``; ``amount_wan`` is the Decimal in 万元)
    so that SUM is exact on SQLite as on PostgreSQL. ``key`` is stable across imports: an
    explicit key from the file, or a hash of the normalised title, parties and date.
    """

    __tablename__ = "signed_projects"
    __table_args__ = (
        UniqueConstraint("conference_id", "key"),
        # The tallies: GROUP BY one key within a conference, summing the amount; the amount in
        # the index lets PostgreSQL answer from the index alone.
        # region then sector: the tally by region and the region × sector table alike
        Index(
            "ix_signed_projects_region",
            "conference_id",
            "status",
            "region",
            "sector",
            "amount_yuan",
        ),
        Index("ix_signed_projects_sector", "conference_id", "status", "sector", "amount_yuan"),
        Index("ix_signed_projects_forum", "conference_id", "status", "forum_id", "amount_yuan"),
        Index("ix_signed_projects_date", "conference_id", "status", "signed_on", "amount_yuan"),
        Index("ix_signed_projects_kind", "conference_id", "status", "kind", "amount_yuan"),
        # the totals (signed / intent, on site / counted only) from the index alone
        Index("ix_signed_projects_totals", "conference_id", "status", "on_site", "amount_yuan"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    party_a: Mapped[str] = mapped_column(String(200))
    party_b: Mapped[str] = mapped_column(String(200))
    other_parties: Mapped[str] = mapped_column(Text, default="")
    region: Mapped[str] = mapped_column(String(40), default="")
    city: Mapped[str] = mapped_column(String(40), default="")
    sector: Mapped[str] = mapped_column(String(60), default="")
    kind: Mapped[str] = mapped_column(String(20), default="cooperation")
    amount_yuan: Mapped[int | None] = mapped_column(BigInteger)
    signed_on: Mapped[date]
    forum_id: Mapped[int | None] = mapped_column(
        ForeignKey("forums.id", ondelete="SET NULL"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedule_sessions.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default="signed")
    on_site: Mapped[bool] = mapped_column(default=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    forum = relationship("Forum")
    session = relationship("ScheduleSession")

    @property
    def amount_wan(self) -> Decimal | None:
        return from_yuan(self.amount_yuan)


class SigningAudit(db.Model):
    """Every change to the projects: who, when, what (``changes``: field → [before, after];
    an import is one entry with its file name and count). Kept when a project is deleted."""

    __tablename__ = "signing_audit"
    __table_args__ = (Index("ix_signing_audit_conference", "conference_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(10))  # create, update, delete, import
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    title: Mapped[str] = mapped_column(String(300), default="")
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)


class SigningSettings(db.Model):
    """A conference's sector list, its big-screen link and its last edition."""

    __tablename__ = "signing_settings"

    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), primary_key=True
    )
    sectors: Mapped[list] = mapped_column(sa.JSON, default=list)
    screen_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    screen_enabled: Mapped[bool] = mapped_column(default=False)
    last_edition_id: Mapped[int | None] = mapped_column(
        ForeignKey("conferences.id", ondelete="SET NULL")
    )

    last_edition = relationship("Conference", foreign_keys=[last_edition_id])
