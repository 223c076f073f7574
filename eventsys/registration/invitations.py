"""Invitation codes: per category, with a maximum of uses and an expiry, counted atomically."""

from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime
from urllib.parse import urlencode

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update

from eventsys.conferences import services as conference_services
from eventsys.conferences.models import Category, Conference
from eventsys.db_types import utcnow
from eventsys.errors import Conflict, NotFound, ValidationError
from eventsys.extensions import db
from eventsys.i18n import localized
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


def _refused(message: str, reason: str) -> InvitationRequired:
    return InvitationRequired(message, {"invite_code": reason})


def normalized_code(code: str | None) -> str:
    """A code as typed, compared: surrounding spaces gone, full-width letters and digits as
    ASCII (a Chinese keyboard), case ignored (``cast-2026`` is ``CAST-2026``)."""
    return unicodedata.normalize("NFKC", code or "").strip().upper()


def find_invitation(conference: Conference, code: str) -> InvitationCode | None:
    """The conference's invitation code, matched ignoring case and surrounding spaces."""
    wanted = normalized_code(code)
    if not wanted or len(wanted) > CODE_MAX:
        return None
    return (
        db.session.execute(
            select(InvitationCode)
            .where(
                InvitationCode.conference_id == conference.id,
                func.upper(InvitationCode.code) == wanted,
            )
            .order_by(InvitationCode.id)
            .limit(1)
        )
        .scalars()
        .first()
    )


def invitation_state(invitation: InvitationCode, now: datetime | None = None) -> str:
    """``active``, ``withdrawn``, ``expired`` or ``used_up``, as the organizers' list shows it."""
    now = now or utcnow()
    if invitation.withdrawn_at is not None:
        return "withdrawn"
    if invitation.expires_at is not None and invitation.expires_at <= now:
        return "expired"
    if invitation.max_uses is not None and invitation.uses >= invitation.max_uses:
        return "used_up"
    return "active"


def _cannot_be_used() -> InvitationRequired:
    """One answer for a code that does not exist, is used up, has expired or was withdrawn:
    telling them apart would tell a guesser which codes exist (and, for codes organizers
    chose themselves such as VIP-ONE, hint at their neighbours). It still says what to do."""
    return _refused(
        _(
            "This invitation code cannot be used: check how it is written on your "
            "invitation (upper or lower case does not matter). A code may also have been "
            "used up, expired or withdrawn; then ask whoever invited you."
        ),
        _("this invitation code cannot be used"),
    )


def use_invitation(
    conference: Conference, category: Category, code: str, count: int = 1
) -> InvitationCode:
    """Count ``count`` uses of an invitation code for this category, atomically, or refuse.

    Matched ignoring case and surrounding spaces. A real code of another category is told
    so (it helps whoever holds one and chose the wrong category, and tells a guesser nothing:
    any category's codes are as hard to find); every other refusal is the same answer.
    """
    invitation = find_invitation(conference, code)
    if invitation is None:
        raise _cannot_be_used()
    if invitation.category_id != category.id:
        raise _refused(
            _(
                "The invitation code %(code)s is for %(right)s, not for %(category)s; "
                "choose %(right)s.",
                code=invitation.code,
                right=localized(invitation.category, "name"),
                category=localized(category, "name"),
            ),
            _("the code belongs to another category"),
        )
    if invitation_state(invitation) in ("withdrawn", "expired"):
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
        exists = find_invitation(conference, code) is not None
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
    if invitation.withdrawn_at is None:
        invitation.withdrawn_at = utcnow()
    db.session.flush()
    return invitation


# --- giving codes out: the list as a spreadsheet, printed, e-mailed ---------------------------


def state_labels() -> dict[str, str]:
    return {
        "active": _("active"),
        "withdrawn": _("withdrawn"),
        "expired": _("expired"),
        "used_up": _("used up"),
    }


def register_link(conference: Conference, invitation: InvitationCode, base: str) -> str:
    """The registration form with the category chosen and the code filled in."""
    query = urlencode({"category": invitation.category.code, "code": invitation.code})
    return f"{base}/c/{conference.slug}/register?{query}"


def invitation_table(
    conference: Conference, base: str, codes: list[InvitationCode] | None = None
) -> tuple[list[str], list[list]]:
    """The codes as rows of a spreadsheet (export), in the reader's language."""
    headers = [
        _("Code"),
        _("Category"),
        _("Status"),
        _("Used"),
        _("Uses per code"),
        _("Valid until"),
        _("Note"),
        _("Registration link"),
    ]
    labels = state_labels()
    rows = []
    for code in codes if codes is not None else list_invitations(conference):
        expires = (
            code.expires_at.astimezone(conference.tz).replace(tzinfo=None)
            if (code.expires_at)
            else None
        )
        rows.append(
            [
                code.code,
                localized(code.category, "name"),
                labels[invitation_state(code)],
                code.uses,
                code.max_uses if code.max_uses is not None else "",
                expires,
                code.note,
                register_link(conference, code, base),
            ]
        )
    return headers, rows


MAX_INVITEES = 500


def parse_invitees(text: str) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """``[(name, address)]`` from one invitee a line: ``address``, ``Name <address>`` or
    ``Name, address`` (full-width ＠ and commas too); errors name the line."""
    from email_validator import EmailNotValidError, validate_email

    invitees: list[tuple[str, str]] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = unicodedata.normalize("NFKC", line).strip()
        if not line:
            continue
        name, address = "", line
        if "<" in line and line.endswith(">"):
            name, address = line[: line.index("<")], line[line.index("<") + 1 : -1]
        elif "," in line or "\t" in line:
            parts = [p.strip() for p in line.replace("\t", ",").split(",") if p.strip()]
            address = next((p for p in parts if "@" in p), parts[-1] if parts else "")
            name = " ".join(p for p in parts if p != address)
        name = name.strip().strip('"')
        try:
            address = validate_email(address.strip(), check_deliverability=False).normalized
        except EmailNotValidError:
            problems.append(_("line %(n)s: not a valid e-mail address", n=number))
            continue
        if address.lower() in seen:
            continue
        seen.add(address.lower())
        invitees.append((name[:100], address))
    errors: dict[str, str] = {}
    if problems:
        errors["addresses"] = "; ".join(problems[:10])
    elif not invitees:
        errors["addresses"] = _("required")
    elif len(invitees) > MAX_INVITEES:
        errors["addresses"] = _("at most %(n)s addresses at a time", n=MAX_INVITEES)
    return invitees, errors


def email_invitations(
    conference: Conference,
    category: Category,
    addresses_text: str,
    message: str,
    base: str,
    *,
    expires_at: datetime | None = None,
) -> list[InvitationCode]:
    """A new single-use code for each invitee, each sent in a plain-text mail (through the
    outbox, with this transaction), its note naming whom it went to."""
    from flask import render_template

    from eventsys.mail import Mail, queue_mail
    from eventsys.text import clean_text

    invitees, errors = parse_invitees(addresses_text)
    message = clean_text(message, 2000, "message", errors, multiline=True)
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    codes = create_invitations(
        conference, category, count=len(invitees), max_uses=1, expires_at=expires_at
    )
    # Whom the invitation reaches is not known to read Chinese: the mail is in both.
    subject = f"邀请函 Invitation · {conference.title}"
    for (name, address), code in zip(invitees, codes, strict=True):
        code.note = (f"{name} <{address}>" if name else address)[:200]
        text = render_template(
            "registration/invitation_mail.txt",
            conference=conference,
            name=name,
            code=code,
            category=category,
            message=message,
            link=register_link(conference, code, base),
        )
        queue_mail(
            db.session,
            Mail(to=address, subject=subject, text=text, conference_id=conference.id),
        )
    db.session.flush()
    return codes
