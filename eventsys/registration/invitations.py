"""Invitation codes: per category, with a maximum of uses and an expiry, counted atomically."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from eventsys.conferences import services as conference_services
from eventsys.conferences.models import Category, Conference
from eventsys.db_types import utcnow
from eventsys.errors import Conflict, NotFound, ValidationError
from eventsys.extensions import db
from eventsys.registration.errors import InvitationRequired
from eventsys.registration.models import InvitationCode

# Generated codes: 10 characters from 30 that cannot be mistaken for each other (no 0, O, 1,
# I, L or U): 30**10 ≈ 5.9e14 codes, so at the public rate limits (60 tries a minute per
# address, 600 a minute per conference) guessing one of even 1000 live codes takes about
# 1,900 years on average.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
CODE_MAX = 64


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def _cannot_be_used() -> InvitationRequired:
    """One answer for a code that does not exist, is used up, has expired or was withdrawn:
    telling them apart would tell a guesser which codes exist."""
    return InvitationRequired(
        _("This invitation code cannot be used."),
        {"invite_code": _("this invitation code cannot be used")},
    )


def use_invitation(
    conference: Conference, category: Category, code: str, count: int = 1
) -> InvitationCode:
    """Count ``count`` uses of an invitation code for this category, atomically, or refuse."""
    code = (code or "").strip()
    if not code or len(code) > CODE_MAX:
        raise _cannot_be_used()
    invitation = db.session.execute(
        select(InvitationCode).where(
            InvitationCode.conference_id == conference.id, InvitationCode.code == code
        )
    ).scalar_one_or_none()
    if invitation is None:
        raise _cannot_be_used()
    if invitation.category_id != category.id:
        # The one specific answer: it helps whoever holds a real code and chose the wrong
        # category, and tells a guesser nothing (any category's codes are as hard to find).
        raise InvitationRequired(
            _("This invitation code is not for %(category)s.", category=category.name),
            {"invite_code": _("the code belongs to another category")},
        )
    now = utcnow()
    if invitation.expires_at is not None and invitation.expires_at <= now:
        raise _cannot_be_used()
    used = db.session.execute(
        update(InvitationCode)
        .where(
            InvitationCode.id == invitation.id,
            or_(
                InvitationCode.max_uses.is_(None),
                InvitationCode.uses + count <= InvitationCode.max_uses,
            ),
        )
        .values(uses=InvitationCode.uses + count)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        raise _cannot_be_used()
    return invitation


def create_invitations(
    conference: Conference,
    category: Category,
    count: int = 1,
    max_uses: int | None = 1,
    expires_at: datetime | None = None,
    code: str | None = None,
    note: str = "",
) -> list[InvitationCode]:
    """New invitation codes (random unless ``code`` names one) for a category."""
    if category.conference_id != conference.id:
        raise NotFound(_("Not found in this conference."))
    if max_uses is not None and max_uses < 1:
        raise ValidationError(_("Maximum uses: at least 1, or empty."), {"max_uses": "invalid"})
    if not 1 <= count <= 1000:
        raise ValidationError(_("Make 1 to 1000 codes at a time."), {"count": "invalid"})
    codes = []
    if code:
        code = conference_services.check_code(code, "code")
        exists = db.session.execute(
            select(InvitationCode.id).where(
                InvitationCode.conference_id == conference.id, InvitationCode.code == code
            )
        ).first()
        if exists or count != 1:
            raise Conflict(_("The code %(code)s is already used in this conference.", code=code))
        codes = [code]
    else:
        codes = [new_code() for _i in range(count)]
    made = [
        InvitationCode(
            conference_id=conference.id,
            category_id=category.id,
            code=c,
            max_uses=max_uses,
            expires_at=expires_at,
            note=note[:200],
        )
        for c in codes
    ]
    db.session.add_all(made)
    db.session.flush()
    return made


def list_invitations(conference: Conference) -> list[InvitationCode]:
    return list(
        db.session.execute(
            select(InvitationCode)
            .where(InvitationCode.conference_id == conference.id)
            .order_by(InvitationCode.created_at.desc(), InvitationCode.id.desc())
        ).scalars()
    )


def withdraw_invitation(conference: Conference, invitation_id: int) -> InvitationCode:
    """Stop a code from working from now on; registrations made with it stay."""
    invitation = db.session.get(InvitationCode, invitation_id)
    if invitation is None or invitation.conference_id != conference.id:
        raise NotFound(_("Not found in this conference."))
    now = utcnow()
    if invitation.expires_at is None or invitation.expires_at > now:
        invitation.expires_at = now
    db.session.flush()
    return invitation
