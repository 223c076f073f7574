"""The JSON API (``/api/v1``): thin, it calls the domains' services."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from eventsys.api.views import bp
    from eventsys.extensions import csrf

    # The API authenticates with bearer tokens, never with the session cookie, so a forged
    # cross-site request carries no credentials and CSRF tokens have nothing to protect.
    csrf.exempt(bp)
    app.register_blueprint(bp)
