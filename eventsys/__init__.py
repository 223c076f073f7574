"""eventsys: conference management for academic meetings and science-and-technology forums."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from eventsys.config import load_config

# Absolute, so `flask db ...` works from any working directory.
MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(test_config: dict | None = None) -> Flask:
    """The application: config, then extensions, blueprints, error handlers and commands."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    load_config(app, test_config)
    app.json.ensure_ascii = False  # Chinese stays readable in the API's answers
    app.json.sort_keys = False
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # Behind nginx: take client address and scheme from X-Forwarded-* (rate limits, URLs).
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies
        )
    register_extensions(app)
    register_blueprints(app)
    from eventsys.web import (
        register_errorhandlers,
        register_security_headers,
        register_template_helpers,
    )

    register_errorhandlers(app)
    register_security_headers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from eventsys import models  # noqa: F401  (every model registered before use)
    from eventsys.extensions import babel, csrf, db, limiter, login_manager, migrate
    from eventsys.i18n import select_locale, select_timezone

    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from eventsys.db_setup import configure_sqlite

        with app.app_context():
            configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "warning"
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories="translations",
    )
    limiter.init_app(app)
    from eventsys import jobs

    jobs.init_app(app)

    @login_manager.user_loader
    def load_user(user_id: str):
        from eventsys.auth.models import User

        return db.session.get(User, int(user_id)) if user_id.isdigit() else None

    login_manager.localize_callback = None


def register_blueprints(app: Flask) -> None:
    from eventsys.api.views import bp as api_bp
    from eventsys.auth.views import bp as auth_bp
    from eventsys.conferences.job_views import bp as conference_jobs_bp
    from eventsys.conferences.mail_views import bp as conference_mail_bp
    from eventsys.conferences.views import bp as conferences_bp
    from eventsys.conferences.views import public_bp
    from eventsys.extensions import csrf
    from eventsys.registration.staff_views import bp as registration_staff_bp
    from eventsys.registration.views import bp as registration_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(registration_staff_bp)
    app.register_blueprint(conferences_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(conference_mail_bp)
    app.register_blueprint(conference_jobs_bp)
    # The API authenticates with bearer tokens, never with the session cookie, so a forged
    # cross-site request carries no credentials and CSRF tokens have nothing to protect.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)


def register_commands(app: Flask) -> None:
    from eventsys.auth.cli import register as register_auth
    from eventsys.conferences.cli import register as register_conferences
    from eventsys.registration.cli import register as register_registration

    register_auth(app)
    register_conferences(app)
    register_registration(app)
