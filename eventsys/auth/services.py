"""Accounts, memberships and API tokens."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from typing import Protocol

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from eventsys.auth.models import ROLE_RANK, ROLES, ApiToken, Membership, User
from eventsys.db_types import utcnow
from eventsys.errors import Conflict, NotFound, ValidationError
from eventsys.extensions import db


class ConferenceRef(Protocol):
    """What the account rules need of a conference (auth sits under the conference domain)."""

    id: int


MIN_PASSWORD_LENGTH = 8
TOKEN_PREFIX = "esk_"


DEFAULT_PASSWORD_HASH_METHOD = "scrypt"


def _hash_method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD") or DEFAULT_PASSWORD_HASH_METHOD


def hash_password(password: str) -> str:
    """A new hash of ``password`` by the configured ``PASSWORD_HASH_METHOD`` (scrypt unless
    set otherwise). Sign-in checks a stored hash by the method it names, whatever the setting."""
    return generate_password_hash(password, method=_hash_method())


# A hash that costs as much to check as a real one, so unknown e-mails take as long as wrong
# passwords and do not reveal which accounts exist. Made on first need, not at every start,
# with the method new passwords get.
@functools.cache
def _dummy_hash_for(method: str) -> str:
    return generate_password_hash("not-a-password-" + secrets.token_hex(8), method=method)


def _dummy_hash() -> str:
    return _dummy_hash_for(_hash_method())


def normalize_email(email: str) -> str:
    """Check an e-mail address's form and return it lower-cased."""
    try:
        info = validate_email((email or "").strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(
            _("Invalid e-mail address: %(exc)s", exc=exc), {"email": str(exc)}
        ) from exc
    return info.normalized.lower()


def find_user(email: str) -> User | None:
    email = (email or "").strip().lower()
    return db.session.execute(
        select(User).where(func.lower(User.email) == email)
    ).scalar_one_or_none()


def create_user(email: str, password: str, name: str = "", is_admin: bool = False) -> User:
    """Create a login; refuses a taken e-mail or a short password."""
    email = normalize_email(email)
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _(
                "Password must have at least %(min_password_length)s characters.",
                min_password_length=MIN_PASSWORD_LENGTH,
            ),
            {"password": _("too short")},
        )
    if find_user(email):
        raise Conflict(
            _("A user with e-mail %(email)s already exists.", email=email),
            {"email": _("already used")},
        )
    user = User(
        email=email,
        name=(name or "").strip()[:100],
        password_hash=hash_password(password),
        is_admin=is_admin,
    )
    db.session.add(user)
    db.session.flush()
    return user


def user_for_session_id(session_id: str) -> User | None:
    """The user a session or remember-me cookie names (``<id>:<session key>``), or None when
    that user's sessions have been ended since (sign-out, new password, removal)."""
    user_id, _sep, key = (session_id or "").partition(":")
    if not user_id.isdigit() or not key:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not hmac.compare_digest(user.session_key.encode(), key.encode()):
        return None
    return user if user.is_active else None  # a switched-off account is signed out too


def set_password(user: User, password: str) -> None:
    """A new password; every session of the user ends (a stolen cookie stops working)."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _(
                "Password must have at least %(min_password_length)s characters.",
                min_password_length=MIN_PASSWORD_LENGTH,
            ),
            {"password": _("too short")},
        )
    user.password_hash = hash_password(password)
    user.end_all_sessions()


def change_password(user: User, current_password: str, new_password: str) -> None:
    """The user's own change: needs the current password."""
    if not check_password_hash(user.password_hash, current_password or ""):
        raise ValidationError(
            _("The current password is wrong."), {"current_password": _("wrong password")}
        )
    set_password(user, new_password)


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None."""
    user = find_user(email)
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.is_active:
        return None
    return user


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError(
            _(
                "Unknown role %(role)s; use one of %(join_roles)s.",
                role=role,
                join_roles=", ".join(ROLES),
            ),
            {"role": _("unknown")},
        )
    return role


def role_for(user: User | None, conference: ConferenceRef) -> str | None:
    """The user's role in the conference; site admins act as organizers everywhere."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.is_admin:
        return "organizer"
    return db.session.execute(
        select(Membership.role).where(
            Membership.user_id == user.id, Membership.conference_id == conference.id
        )
    ).scalar_one_or_none()


def role_allows(have: str | None, need: str) -> bool:
    """checkin < staff < organizer: a higher role may do what a lower one may."""
    return have is not None and ROLE_RANK[have] >= ROLE_RANK[need]


def set_membership(conference: ConferenceRef, user: User, role: str) -> Membership:
    """Give the user this role in the conference (replacing an earlier one)."""
    check_role(role)
    membership = db.session.execute(
        select(Membership).where(
            Membership.user_id == user.id, Membership.conference_id == conference.id
        )
    ).scalar_one_or_none()
    if membership is None:
        membership = Membership(user=user, conference_id=conference.id, role=role)
        db.session.add(membership)
    else:
        membership.role = role
    db.session.flush()
    return membership


def remove_membership(conference: ConferenceRef, membership_id: int) -> None:
    """Take the user off the team: their tokens for this conference are revoked and every
    session of theirs ends, so nothing opened while they were a member stays open."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.conference_id != conference.id:
        raise NotFound(_("No such member."))
    user = membership.user
    db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.conference_id == conference.id,
            ApiToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    user.end_all_sessions()
    db.session.delete(membership)
    db.session.flush()


def list_memberships(conference: ConferenceRef) -> list[Membership]:
    return list(
        db.session.execute(
            select(Membership)
            .join(Membership.user)
            .where(Membership.conference_id == conference.id)
            .order_by(Membership.role.desc(), User.email)
        ).scalars()
    )


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(
    user: User, conference: ConferenceRef, role: str, label: str = ""
) -> tuple[ApiToken, str]:
    """A new token; returns the row and the token text, which is not stored and shown once."""
    check_role(role)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        token_hash=_hash_token(token),
        prefix=token[: len(TOKEN_PREFIX) + 6],
        user=user,
        conference_id=conference.id,
        role=role,
        label=label[:100],
    )
    db.session.add(row)
    db.session.flush()
    return row, token


def create_member_token(
    conference: ConferenceRef, user_id: int, role: str, label: str = ""
) -> tuple[ApiToken, str]:
    """A token made on the team page: for a member of the conference, with a role no higher
    than theirs (a token never acts above its owner)."""
    check_role(role)
    user = db.session.get(User, user_id)
    have = role_for(user, conference) if user is not None and user.is_active else None
    if have is None:
        raise ValidationError(
            _("Choose a member of this conference's team."),
            {"user_id": _("Choose a member of this conference's team.")},
        )
    if not role_allows(have, role):
        message = _("A token cannot have a higher role than its owner has.")
        raise ValidationError(message, {"role": message})
    return create_api_token(user, conference, role, (label or "").strip())


def issue_api_token(
    user: User, conference: ConferenceRef, role: str, label: str = ""
) -> tuple[ApiToken, str]:
    """For the ``create-token`` command: gives the user the role in the conference when they
    lack it (never lowers a higher one), so that the new token works, then makes the token."""
    check_role(role)
    if not role_allows(role_for(user, conference), role):
        set_membership(conference, user, role)
    return create_api_token(user, conference, role, label)


def token_role(row: ApiToken) -> str | None:
    """The role a token acts with now: the one it was made with, but never above its owner's
    current role in the conference; None once the owner has none (or the account is off)."""
    if row.revoked_at is not None or not row.user.is_active:
        return None
    have = role_for(row.user, row.conference)
    if have is None:
        return None
    return row.role if ROLE_RANK[row.role] <= ROLE_RANK[have] else have


def _capped_role(row: ApiToken, have: str | None) -> str | None:
    """``token_role`` given the owner's role in the conference today (``have``)."""
    if row.revoked_at is not None or not row.user.is_active:
        return None
    if row.user.is_admin:
        have = "organizer"
    if have is None:
        return None
    return row.role if ROLE_RANK[row.role] <= ROLE_RANK[have] else have


def resolve_conference_token(conference_model, slug: str, token: str):
    """``(conference, token row, role now)`` in one round trip: the conference with this slug
    (``conference_model``: the Conference class, which auth does not import) and, joined to
    it, the token with this text, its owner and the owner's membership in the token's
    conference. ``(None, None, None)`` without the conference; the token and role are None
    when the token is unknown, revoked or its owner may no longer act (as
    ``resolve_api_token``). Every API request with a token, each check-in scan among them,
    comes through here: three queries (conference, token and owner, membership) made one."""
    conference_query = select(conference_model).where(conference_model.slug == slug)
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        row = db.session.execute(conference_query).scalar_one_or_none()
        return row, None, None
    found = db.session.execute(
        conference_query.add_columns(ApiToken, User, Membership.role)
        .select_from(conference_model)
        .outerjoin(ApiToken, ApiToken.token_hash == _hash_token(token))
        .outerjoin(User, User.id == ApiToken.user_id)
        .outerjoin(
            Membership,
            (Membership.user_id == ApiToken.user_id)
            & (Membership.conference_id == ApiToken.conference_id),
        )
    ).one_or_none()
    if found is None:
        return None, None, None
    conference, row, _user, have = found
    if row is None:
        return conference, None, None
    role = _capped_role(row, have)  # row.user: the joined User, from the identity map
    return conference, (row if role is not None else None), role


def resolve_api_token(token: str) -> ApiToken | None:
    """The live token row for this text, or None."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = db.session.execute(
        select(ApiToken)
        .options(joinedload(ApiToken.user))  # one query: every check-in scan comes through here
        .where(ApiToken.token_hash == _hash_token(token))
    ).scalar_one_or_none()
    if row is None or token_role(row) is None:
        return None
    return row


def revoke_api_token(conference: ConferenceRef, token_id: int) -> None:
    row = db.session.get(ApiToken, token_id)
    if row is None or row.conference_id != conference.id:
        raise NotFound(_("No such token."))
    row.revoked_at = utcnow()
    db.session.flush()


def revoke_own_api_token(user: User, token_id: int) -> None:
    """A user revokes one of their own tokens, in any conference."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(_("No such token."))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    db.session.flush()


def list_api_tokens(conference: ConferenceRef) -> list[ApiToken]:
    return list(
        db.session.execute(
            select(ApiToken)
            .where(ApiToken.conference_id == conference.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc())
        ).scalars()
    )


def list_own_api_tokens(user: User) -> list[ApiToken]:
    """The user's tokens not yet revoked, in every conference, newest first."""
    return list(
        db.session.execute(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        ).scalars()
    )


# --- password reset --------------------------------------------------------------------------

RESET_MAX_AGE = 3600  # seconds a reset link stays valid


def _reset_serializer():
    from flask import current_app
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def password_reset_token(user: User) -> str:
    """A signed, expiring token; it carries a piece of the current password hash, so it stops
    working once the password has been changed (it can be used once)."""
    return _reset_serializer().dumps({"user": user.id, "hash": user.password_hash[-16:]})


def user_for_reset_token(token: str) -> User | None:
    """The user a reset token is for, or None when it is forged, expired or already used."""
    from itsdangerous import BadSignature

    try:
        data = _reset_serializer().loads(token, max_age=RESET_MAX_AGE)
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("user"))
    if user is None or not user.is_active or user.password_hash[-16:] != data.get("hash"):
        return None
    return user
