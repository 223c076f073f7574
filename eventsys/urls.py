"""Absolute links for QR codes and e-mails, which leave the browser and need the public host.

A link in an e-mail goes to someone other than whoever sent the request that caused it (a
password reset, a private registration link), so its host must never come from the request's
``Host`` header alone: anyone can forge that header and have a valid token mailed to their
own site. Such links come from ``EVENTSYS_BASE_URL`` or, when Flask's ``TRUSTED_HOSTS`` is set
(``EVENTSYS_TRUSTED_HOSTS``, which makes Flask refuse every other host), from the request.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, request

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def base_url() -> str:
    """For links shown to the requester (QR codes on pages, API answers):
    EVENTSYS_BASE_URL when set; else the request's host (only the requester sees it)."""
    configured = current_app.config.get("EVENTSYS_BASE_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.url_root.rstrip("/")
    return "http://127.0.0.1:5000"


def mail_base_url() -> str | None:
    """For links sent by e-mail: EVENTSYS_BASE_URL, or the request's host when Flask checks it
    against TRUSTED_HOSTS, or None (logged) when neither is configured: then no such link may
    be sent. In debug and testing a loopback host (127.0.0.1, localhost) is taken too: a link
    to the recipient's own machine gives nothing away."""
    config = current_app.config
    configured = config.get("EVENTSYS_BASE_URL")
    if configured:
        return configured.rstrip("/")
    local = current_app.debug or current_app.testing
    if has_request_context():
        if config.get("TRUSTED_HOSTS"):
            return request.url_root.rstrip("/")  # Flask has refused any other host with 400
        if local and (urlsplit(request.url_root).hostname or "") in _LOOPBACK:
            return request.url_root.rstrip("/")
        current_app.logger.error(
            "Not sending an e-mail link for host %r: set EVENTSYS_BASE_URL (or "
            "EVENTSYS_TRUSTED_HOSTS) so that links in e-mails cannot be pointed elsewhere "
            "with a forged Host header.",
            request.host,
        )
        return None
    if local:
        return "http://127.0.0.1:5000"
    current_app.logger.error(
        "Not sending an e-mail link: set EVENTSYS_BASE_URL, the public address of this site."
    )
    return None
