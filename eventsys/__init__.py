"""eventsys: conference management for academic meetings and science-and-technology forums."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from eventsys.config import instance_path_from_environment, load_config

PACKAGE_DIR = Path(__file__).resolve().parent


def shipped_folder(name: str) -> Path:
    """The absolute path of ``templates``, ``static`` or ``migrations``: inside the package when
    installed from a wheel (setup.py copies them there), beside it in a checkout or an editable
    install. Absolute, so that nothing depends on the working directory."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


MIGRATIONS_DIR = str(shipped_folder("migrations"))


def create_app(test_config: dict | None = None) -> Flask:
    """The application: config, then extensions, the domains, error handlers."""
    app = Flask(
        __name__,
        instance_path=instance_path_from_environment() if test_config is None else None,
        instance_relative_config=True,
        template_folder=shipped_folder("templates"),
        static_folder=shipped_folder("static"),
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
    register_domains(app)
    from eventsys.web import (
        register_errorhandlers,
        register_input_checks,
        register_security_headers,
        register_template_helpers,
    )

    register_errorhandlers(app)
    register_input_checks(app)
    register_security_headers(app)
    register_template_helpers(app)
    from eventsys.assets import register_static_files

    register_static_files(app)
    return app


def register_extensions(app: Flask) -> None:
    from eventsys import models  # noqa: F401  (every model registered before use)
    from eventsys.extensions import babel, csrf, db, limiter, login_manager, migrate
    from eventsys.i18n import install_domain, select_locale, select_timezone

    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from eventsys.db_setup import configure_sqlite

        with app.app_context():
            configure_sqlite(db.engine)
    elif not app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):
        from eventsys.db_setup import ping_idle_connections

        with app.app_context():
            ping_idle_connections(db.engine, app.config["POOL_PING_IDLE_SECONDS"])
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    with app.app_context():
        from eventsys import txcache

        txcache.listen()
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
    install_domain(babel, app)
    limiter.init_app(app)
    # One limiter object serves every app made in this process (the tests make many): a
    # storage found dead for an earlier app must not make a new one count in memory.
    limiter._storage_dead = False
    from eventsys import jobs

    jobs.init_app(app)

    # Flask-Login's own message, in the reader's language (flashed as plain text).
    from flask_babel import gettext

    login_manager.login_message = "Please sign in to open this page."
    login_manager.localize_callback = gettext


# The domains, lowest first: each may import those before it, never one after it, and adds
# its pages, commands, template helpers, signal receivers, parts of the conference pages and
# section of the conference JSON in its own ``init_app``. Their order is the order of the
# conference pages' sections and of the JSON's keys where they give none.
DOMAINS = (
    "eventsys.auth",
    "eventsys.conferences",
    "eventsys.schedule",
    "eventsys.signing",
    "eventsys.registration",
    "eventsys.agenda",
    "eventsys.checkin",
    "eventsys.documents",
    "eventsys.api",
    "eventsys.demo",  # last: the demo conference is built with every other domain
)


def register_domains(app: Flask) -> None:
    from importlib import import_module

    for name in DOMAINS:
        import_module(name).init_app(app)
