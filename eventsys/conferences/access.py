"""The one permission check every conference page and API endpoint goes through: the
conference from the URL, and the signed-in user's (or the API token's) role in it."""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from flask import abort, g, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select, update

from eventsys.auth.models import ApiToken
from eventsys.auth.services import resolve_conference_token, role_allows, role_for
from eventsys.conferences.models import Conference
from eventsys.db_types import utcnow
from eventsys.errors import Forbidden, NotFound, Unauthorized
from eventsys.extensions import db, login_manager


def get_conference_or_404(slug: str) -> Conference:
    conference = db.session.execute(
        select(Conference).where(Conference.slug == slug)
    ).scalar_one_or_none()
    if conference is None:
        abort(404)
    return conference


def conference_view(role: str | None):
    """Decorate a page whose URL has ``<slug>``: loads the conference as ``conference`` and,
    when ``role`` is given, requires a signed-in user with at least that role in it."""

    def decorator(view):
        @wraps(view)
        def wrapper(slug: str, **kwargs):
            conference = get_conference_or_404(slug)
            if role is not None:
                if not current_user.is_authenticated:
                    return login_manager.unauthorized()
                have = role_for(current_user, conference)
                if not role_allows(have, role):
                    abort(403, description=_("Your role in this conference does not allow this."))
                g.conference_role = have
            g.conference = conference
            return view(conference=conference, **kwargs)

        return wrapper

    return decorator


def _note_token_use(token) -> None:
    """Record when a token was last used, at most every five minutes: a write per request
    would make every gate contend on the token row. Committed at once, before the endpoint
    runs, so read-only requests record it too."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < timedelta(minutes=5):
        return
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id)
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def api_conference(role: str | None, optional: bool = False):
    """Decorate an API endpoint whose URL has ``<slug>``.

    ``role`` None: public. Otherwise a bearer token for this very conference with at least
    that role is needed; with ``optional`` a request without a token is served as public, so
    endpoints like registration can give staff more while staying open to everyone.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(slug: str, **kwargs):
            query = select(Conference).where(Conference.slug == slug)
            g.api_token = None
            g.api_role = None
            header = request.headers.get("Authorization", "")
            if role is None or not (header or not optional):
                conference = db.session.execute(query).scalar_one_or_none()
                if conference is None:
                    raise NotFound(f"No conference with slug {slug!r}.")
            else:
                scheme, _sep, token_text = header.partition(" ")
                if scheme.lower() != "bearer" or not token_text.strip():
                    if db.session.execute(query).scalar_one_or_none() is None:
                        raise NotFound(f"No conference with slug {slug!r}.")
                    raise Unauthorized("Send an API token as 'Authorization: Bearer <token>'.")
                # One round trip: the conference, the token, its owner and the owner's role.
                conference, token, role_now = resolve_conference_token(
                    Conference, slug, token_text.strip()
                )
                if conference is None:
                    raise NotFound(f"No conference with slug {slug!r}.")
                if token is None:
                    raise Unauthorized("The API token is unknown or revoked.")
                if token.conference_id != conference.id:
                    raise Forbidden("This API token belongs to another conference.")
                # role_now: the role it was made with, but never above its owner's role today.
                if not role_allows(role_now, role):
                    raise Forbidden(
                        f"This endpoint needs the {role} role; the token has {role_now}."
                    )
                _note_token_use(token)
                g.api_token = token
                g.api_role = role_now
            g.conference = conference
            return view(conference=conference, **kwargs)

        return wrapper

    return decorator
