"""Rate limits of public registration: per address, and per conference over every address
(the web form and the API count together), so that no one floods a conference with
sign-ups and the mails they send to addresses of the sender's choosing."""

from __future__ import annotations

from flask import current_app, request

from eventsys.extensions import limiter

TOO_MANY_FROM_ADDRESS = "Too many registrations from your address; wait a minute and try again."
TOO_MANY_FOR_CONFERENCE = (
    "This conference is receiving too many registrations at once; try again in a minute."
)


def _conference_key() -> str:
    return "conference:" + str((request.view_args or {}).get("slug", "")).strip().lower()


def per_address(exempt_when=None):
    """``REGISTRATION_RATE_LIMIT`` per address on this route's POSTs."""
    return limiter.limit(
        lambda: current_app.config["REGISTRATION_RATE_LIMIT"],
        methods=["POST"],
        exempt_when=exempt_when,
        error_message=TOO_MANY_FROM_ADDRESS,
    )


def per_conference(exempt_when=None):
    """``REGISTRATION_RATE_LIMIT_PER_CONFERENCE``: one count per conference, shared by every
    route so decorated."""
    return limiter.shared_limit(
        lambda: current_app.config["REGISTRATION_RATE_LIMIT_PER_CONFERENCE"],
        scope="registrations-per-conference",
        key_func=_conference_key,
        methods=["POST"],
        exempt_when=exempt_when,
        error_message=TOO_MANY_FOR_CONFERENCE,
    )
