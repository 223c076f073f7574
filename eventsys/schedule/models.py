"""Timetable entries, the people in them, and the published releases of the programme."""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsys.db_types import UTCDateTime, utcnow
from eventsys.extensions import db

# The kinds of sessions of an academic meeting or a science-and-technology forum. The older
# values (talk, workshop, ceremony, other) stay valid: files written before keep loading.
SESSION_KINDS = (
    "opening",
    "plenary",
    "keynote",
    "forum",
    "panel",
    "talk",
    "workshop",
    "signing",
    "ceremony",
    "visit",
    "break",
    "other",
)
SPEAKER_ROLES = ("speaker", "chair", "host", "moderator", "panelist", "guest")

_SPACES = re.compile(r"\s+")


def person_key(text: str) -> str:
    """What two spellings of one name (or organization) share: full-width letters, digits and
    spaces folded (NFKC), every space removed, case ignored. "张 三", "张　三" and "张三" are
    one person; so are "ＡＢＣ Lab" and "abclab"."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text or "")).casefold()


def new_uuid() -> str:
    return str(uuid.uuid4())


class ScheduleSession(db.Model):
    """A session of the draft timetable (what organizers edit). The public sees a release's
    snapshot of it (``ScheduleRelease``), never this row directly."""

    __tablename__ = "schedule_sessions"
    __table_args__ = (UniqueConstraint("conference_id", "code"), UniqueConstraint("uuid"))

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    # Stable across releases: the ICS UID and the frab guid.
    uuid: Mapped[str] = mapped_column(String(36), default=new_uuid)
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(20), default="talk")
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"))
    forum_id: Mapped[int | None] = mapped_column(ForeignKey("forums.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    # A session that was in a published release is never deleted (enrollments and check-in
    # lists refer to it): removing it from the draft cancels it.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When it first appeared in a release; None: never published, may really be deleted.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    conference = relationship("Conference")
    room = relationship("Room")
    forum = relationship("Forum")
    speakers: Mapped[list[SessionSpeaker]] = relationship(
        back_populates="session",
        order_by="SessionSpeaker.position, SessionSpeaker.id",
        cascade="all, delete-orphan",
    )

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None


class Person(db.Model):
    """A speaker, chair (主持人), guest (嘉宾) or panelist of a conference: one row however many
    sessions they are in. ``contact`` is for staff only, never published."""

    __tablename__ = "schedule_people"
    __table_args__ = (UniqueConstraint("conference_id", "name_key", "organization_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    organization: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    bio_en: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(300), default="")
    name_key: Mapped[str] = mapped_column(String(100))
    organization_key: Mapped[str] = mapped_column(String(200), default="")

    links: Mapped[list[SessionSpeaker]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )

    def set_keys(self) -> None:
        self.name_key = person_key(self.name)
        self.organization_key = person_key(self.organization)


class SessionSpeaker(db.Model):
    """A person in a session, with a role (speaker, chair …)."""

    __tablename__ = "session_speakers"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("schedule_sessions.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("schedule_people.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20), default="speaker")
    position: Mapped[int] = mapped_column(default=0)

    session: Mapped[ScheduleSession] = relationship(back_populates="speakers")
    person: Mapped[Person] = relationship(back_populates="links")

    # The contract's JSON names a speaker by name and affiliation.
    @property
    def name(self) -> str:
        return self.person.name

    @property
    def affiliation(self) -> str:
        return self.person.organization


class ScheduleRelease(db.Model):
    """A published version of the programme: the whole public programme as it was published
    (``snapshot``) and what changed since the release before (``changes``)."""

    __tablename__ = "schedule_releases"
    __table_args__ = (
        UniqueConstraint("conference_id", "number"),
        UniqueConstraint("conference_id", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    snapshot: Mapped[dict] = mapped_column(JSON)
    changes: Mapped[list] = mapped_column(JSON)

    published_by = relationship("User")
