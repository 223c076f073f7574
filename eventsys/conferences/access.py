"""The one permission check every conference page and API endpoint goes through: the
conference from the URL, and the signed-in user's (or the API token's) role in it."""

from __future__ import annotations

import hashlib
import itertools
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import wraps
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask import abort, current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import bindparam, event, select, update
from sqlalchemy.orm import Session

from eventsys.auth.models import ApiToken, Membership, User
from eventsys.auth.services import resolve_conference_token, role_allows, role_for
from eventsys.conferences import extend
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


def _note_token_use(token) -> bool:
    """Record when a token was last used, at most every five minutes: a write per request
    would make every gate contend on the token row. Committed at once, before the endpoint
    runs, so read-only requests record it too."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < timedelta(minutes=5):
        return False
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id)
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


# --- the per-worker cache of resolved tokens (check-in scans) ------------------------------


@dataclass(frozen=True, slots=True)
class CachedConference:
    """What an endpoint served from the token cache gets as its ``conference``."""

    id: int
    slug: str
    timezone: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class CachedToken:
    """What such an endpoint gets as ``g.api_token``: the token's id, its owner's id (as
    ``user.id``), its conference and when it was last noted as used."""

    id: int
    conference_id: int
    user: SimpleNamespace
    last_used_at: datetime | None


# Bumped by every flush that adds, changes or deletes a token, a membership, a user or a
# conference in this process: the entries cached before it are not used again, so a change
# made here (revoking, removing from the team, deactivating) counts at once in this worker;
# other workers see it when their entry expires (API_TOKEN_CACHE_SECONDS; docs/SECURITY.md).
_generation = itertools.count()
_current_generation = next(_generation)
_WATCHED = (ApiToken, Membership, User, Conference)
_MAX_ENTRIES = 10_000


@event.listens_for(Session, "after_flush")
def _forget_grants(session, _context) -> None:
    global _current_generation
    for instance in itertools.chain(session.new, session.dirty, session.deleted):
        if isinstance(instance, _WATCHED):
            _current_generation = next(_generation)
            return


def _grant_cache() -> dict:
    return current_app.extensions.setdefault("eventsys_api_grants", {})


def _cached_grant(slug: str, token_text: str):
    """``(conference, token, role)`` resolved within the last API_TOKEN_CACHE_SECONDS for this
    slug and token text in this worker, or None."""
    seconds = current_app.config.get("API_TOKEN_CACHE_SECONDS") or 0
    if seconds <= 0:
        return None, None
    key = (slug, hashlib.sha256(token_text.encode()).digest())
    entry = _grant_cache().get(key)
    if entry is None or entry[0] < time.monotonic() or entry[1] != _current_generation:
        return key, None
    return key, entry[2:]


def _remember_grant(key, conference: Conference, token, role_now: str) -> None:
    cache = _grant_cache()
    if len(cache) >= _MAX_ENTRIES:
        cache.clear()
    generation = _current_generation
    cache[key] = (
        time.monotonic() + current_app.config["API_TOKEN_CACHE_SECONDS"],
        generation,
        CachedConference(conference.id, conference.slug, conference.timezone),
        CachedToken(
            token.id, token.conference_id, SimpleNamespace(id=token.user_id), token.last_used_at
        ),
        role_now,
    )


def _serve_cached(key, cached, role: str, view, kwargs):
    conference, token, role_now = cached
    if not role_allows(role_now, role):
        raise Forbidden(f"This endpoint needs the {role} role; the token has {role_now}.")
    if _note_token_use(token):
        token = replace(token, last_used_at=utcnow())
        entry = _grant_cache().get(key)
        if entry is not None:
            _grant_cache()[key] = (*entry[:3], token, role_now)
    g.api_token = token
    g.api_role = role_now
    g.conference = conference
    return view(conference=conference, **kwargs)


def api_conference(
    role: str | None,
    optional: bool = False,
    cached: bool = False,
    load: tuple = (),
    preload: bool = False,
):
    """Decorate an API endpoint whose URL has ``<slug>``.

    ``role`` None: public. Otherwise a bearer token for this very conference with at least
    that role is needed; with ``optional`` a request without a token is served as public, so
    endpoints like registration can give staff more while staying open to everyone.

    ``cached``: the conference, the token and its role, once resolved, are kept by the worker
    for API_TOKEN_CACHE_SECONDS (no query at all for the next requests with that token); the
    endpoint then gets a ``CachedConference`` (id, slug, timezone, tz) and ``g.api_token`` a
    ``CachedToken``. For the check-in scan, the one endpoint hit hundreds of times a second.

    ``load``: loader options for the conference when it is read without a token (public
    requests), e.g. ``(joinedload(Conference.categories),)`` to read the categories with it in
    one query; ``preload``: with the domains' facts of the conference too
    (``extend.Preload``: its settings …), for an endpoint that reads them.
    """

    def decorator(view):
        def preloaded_query():
            query = select(Conference).where(Conference.slug == bindparam("slug")).options(*load)
            return query, Conference.id, None

        @wraps(view)
        def wrapper(slug: str, **kwargs):
            g.api_token = None
            g.api_role = None
            header = request.headers.get("Authorization", "")
            key = None
            if cached and role is not None and header[:7].lower() == "bearer ":
                key, hit = _cached_grant(slug, header[7:].strip())
                if hit is not None:
                    return _serve_cached(key, hit, role, view, kwargs)
            query = select(Conference).where(Conference.slug == slug).options(*load)
            if role is None or not (header or not optional):
                conference = (
                    extend.execute_with_preloads(preloaded_query, slug=slug)
                    if preload
                    else db.session.execute(query).unique().scalar_one_or_none()
                )
                if conference is None:
                    raise NotFound(f"No conference with slug {slug!r}.")
            else:
                scheme, _sep, token_text = header.partition(" ")
                if scheme.lower() != "bearer" or not token_text.strip():
                    if db.session.execute(query).unique().scalar_one_or_none() is None:
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
                if key is not None:
                    _remember_grant(key, conference, token, role_now)
                g.api_token = token
                g.api_role = role_now
            g.conference = conference
            return view(conference=conference, **kwargs)

        return wrapper

    return decorator
