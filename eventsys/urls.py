"""Absolute links for QR codes and e-mails, which leave the browser and need the public host."""

from __future__ import annotations

from flask import current_app, has_request_context, request


def base_url() -> str:
    """EVENTSYS_BASE_URL when set (behind a proxy, in commands); else the request's host."""
    configured = current_app.config.get("EVENTSYS_BASE_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.url_root.rstrip("/")
    return "http://127.0.0.1:5000"
