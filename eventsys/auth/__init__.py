"""Accounts: logins, passwords, per-conference memberships and API tokens."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Sign-in pages, the user loader, the account commands, role labels for templates."""
    from eventsys.auth import cli
    from eventsys.auth.forms import ROLE_LABELS
    from eventsys.auth.models import User
    from eventsys.auth.views import bp
    from eventsys.extensions import db, login_manager

    app.register_blueprint(bp)
    cli.register(app)
    app.jinja_env.globals["role_labels"] = ROLE_LABELS

    @login_manager.user_loader
    def load_user(user_id: str):
        return db.session.get(User, int(user_id)) if user_id.isdigit() else None
