"""Who is acting, as the web layer knows it, for the registration history (``history``):
the signed-in staff member or organizer, the owner of the API token, or nobody (the attendee
on their own page, the public form)."""

from __future__ import annotations

from flask import g, has_request_context, request
from flask_login import current_user

from eventsys.auth.models import User
from eventsys.extensions import db
from eventsys.registration.history import NOBODY, Actor


def _shown(user: User | None) -> str:
    if user is None:
        return ""
    return f"{user.name} <{user.email}>" if user.name else user.email


def actor_from_request() -> Actor:
    if not has_request_context():
        return NOBODY
    token = g.get("api_token")
    if token is not None:
        user_id = token.user.id if hasattr(token, "user") else token.user_id
        return Actor(user_id, _shown(db.session.get(User, user_id)), "api")
    if request.blueprint == "registration":
        return Actor(None, "", "attendee")  # the public form and the attendee's own page
    if current_user.is_authenticated:
        return Actor(current_user.id, _shown(current_user), "staff")
    return NOBODY
