"""Accounts: logins, passwords, per-conference memberships and API tokens."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Sign-in pages, the user loader, the account commands, role labels for templates."""
    from eventsys.auth import cli
    from eventsys.auth.forms import ROLE_LABELS
    from eventsys.auth.services import user_for_session_id
    from eventsys.auth.views import bp
    from eventsys.extensions import login_manager

    app.register_blueprint(bp)
    cli.register(app)
    app.jinja_env.globals["role_labels"] = ROLE_LABELS

    @login_manager.user_loader
    def load_user(session_id: str):
        # "<id>:<session key>": a new key (sign-out, new password, removal from a team)
        # ends every session of the user, copied cookies included.
        return user_for_session_id(session_id)
