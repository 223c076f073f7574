"""Settings: defaults, then the instance folder's config.py, then EVENTSYS_* variables."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from flask import Flask

DEFAULTS = {
    # A pooled connection that lay idle for POOL_PING_IDLE_SECONDS is pinged before use: a
    # database restart takes longer than that, so after one no request fails on a dead
    # connection. One in steady use (a busy worker reuses it within milliseconds) is not: a
    # round trip saved on every request (docs/PERFORMANCE.md). Connections are replaced after
    # an hour whatever happens (pool_recycle).
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_recycle": 3600},
    "POOL_PING_IDLE_SECONDS": 1,
    # How long a worker keeps a resolved API token (its conference, owner and role) for the
    # check-in scan endpoint; a revoked token or a removed member still scans that long on
    # the other workers (docs/SECURITY.md). 0: resolve on every request.
    "API_TOKEN_CACHE_SECONDS": 5,
    # PostgreSQL: connections each worker keeps for check-in scans (their own pool, autocommit,
    # not pinged: eventsys/checkin/pg_scan.py); at least gunicorn's --threads.
    "CHECKIN_POOL_SIZE": 16,
    # Werkzeug's method for new password hashes (docs/SECURITY.md). Stored hashes name their
    # own method and are checked by it, so changing this never locks anyone out.
    "PASSWORD_HASH_METHOD": "scrypt",
    "BABEL_DEFAULT_LOCALE": "zh_CN",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "LANGUAGES": ["zh_CN", "en"],
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_DURATION": timedelta(days=14),
    # Stated, not left to the limiter: one limiter object serves every app of a process and
    # would otherwise keep an earlier app's choice.
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_STRATEGY": "moving-window",
    "RATELIMIT_HEADERS_ENABLED": True,
    # A Redis outage must not stop sign-in and registration: count in memory meanwhile
    # (Flask-Limiter logs the switch and goes back to Redis when it answers again).
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
    "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
    # Failed sign-ins per account, over every address and every worker (database or Redis).
    "LOGIN_FAILURE_LIMIT": "10 per minute;50 per hour",
    "LOGIN_RATE_LIMIT_PER_ADDRESS": "60 per minute;300 per hour",
    # Per address: a venue's Wi-Fi puts many phones behind one address.
    "REGISTRATION_RATE_LIMIT": "60 per minute",
    # All public registrations of one conference (web form and API), whatever their address.
    "REGISTRATION_RATE_LIMIT_PER_CONFERENCE": "600 per minute",
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "EVENTSYS_BASE_URL": None,
    # Host names the app answers to (Flask refuses others with 400); links in e-mails may then
    # use the request's host. Without this or EVENTSYS_BASE_URL no e-mail carries a link.
    "TRUSTED_HOSTS": None,
    "MAIL_OUTBOX": None,
    # "queue": a delivery job after each commit (the worker sends); "immediate": sent in the
    # committing process at once. Either way the mail is in the outbox table first.
    "MAIL_DELIVERY": "queue",
    "MAIL_SWEEP_SECONDS": 5,
    # Attach the e-ticket PDF to confirmation mails (the worker renders one per mail, ~0.1 s).
    # False: the mail still shows the QR code and links the registration page, where the
    # ticket can be downloaded (smaller mails; the tests send most mail without it).
    "MAIL_TICKET_PDF": True,
    # The job queue's SQLite file when no REDIS_URL is set (default instance/jobs.db).
    "JOBS_DATABASE": None,
    # Files that jobs make (large exports), served only through the job's page.
    "JOB_FILES": None,
    "JOBS_QUEUE_NAME": "eventsys",
    # Larger XLSX exports are built by the worker, with a page to wait on.
    # Result files of background jobs (exports hold personal data) are deleted this long
    # after the job finished; the worker checks every hour.
    "JOB_FILES_KEEP_HOURS": 72,
    "EXPORT_INLINE_MAX": 5000,
    # Drawn QR codes (SVG), one file per code text, shared by the workers of this machine;
    # default instance/qr-cache. Empty: keep them only in each worker's memory.
    "QR_CACHE_DIR": None,
    # The printed programme, one PDF per release, language and conference details, shared by
    # the workers of this machine; default instance/programme-pdf. Empty: memory only.
    "PROGRAMME_PDF_DIR": None,
}

# Environment variables read at start-up: name -> config key.
ENVIRONMENT = {
    "EVENTSYS_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "EVENTSYS_SECRET_KEY": "SECRET_KEY",
    "EVENTSYS_REDIS_URL": "REDIS_URL",
    "EVENTSYS_BASE_URL": "EVENTSYS_BASE_URL",
    "EVENTSYS_TRUSTED_HOSTS": "TRUSTED_HOSTS",
    "EVENTSYS_SMTP_URL": "SMTP_URL",
    "EVENTSYS_MAIL_FROM": "MAIL_FROM",
    "EVENTSYS_SESSION_COOKIE_SECURE": "SESSION_COOKIE_SECURE",
    "EVENTSYS_TRUSTED_PROXIES": "TRUSTED_PROXIES",
    "EVENTSYS_REGISTRATION_RATE_LIMIT": "REGISTRATION_RATE_LIMIT",
    "EVENTSYS_REGISTRATION_RATE_LIMIT_PER_CONFERENCE": "REGISTRATION_RATE_LIMIT_PER_CONFERENCE",
    "EVENTSYS_JOBS_DATABASE": "JOBS_DATABASE",
}
# EVENTSYS_INSTANCE_PATH is read before the app exists, as Flask fixes the instance folder
# when it is created: see instance_path_from_environment.


def instance_path_from_environment() -> str | None:
    """``EVENTSYS_INSTANCE_PATH``, the folder for instance/config.py, the default SQLite
    database and the mail outbox. Unset, Flask's default applies: ``instance/`` in a checkout,
    ``<prefix>/var/eventsys-instance`` for an installed package."""
    value = os.environ.get("EVENTSYS_INSTANCE_PATH")
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_absolute():
        # Relative to what? The working directory differs between a shell and a service.
        raise RuntimeError(f"EVENTSYS_INSTANCE_PATH must be an absolute path, not {value!r}.")
    return str(path)


def load_config(app: Flask, test_config: dict | None) -> None:
    """Fill ``app.config`` from defaults, instance/config.py and the environment (or tests)."""
    instance = Path(app.instance_path)
    try:
        instance.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RuntimeError(
            f"Cannot create the instance folder {instance} ({exc.strerror}); point "
            "EVENTSYS_INSTANCE_PATH at a folder this user may write."
        ) from None
    app.config.from_mapping(DEFAULTS)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'eventsys.db'}"
    app.config["MAIL_OUTBOX"] = str(instance / "outbox")
    app.config["JOBS_DATABASE"] = str(instance / "jobs.db")
    app.config["JOB_FILES"] = str(instance / "job-files")
    app.config["QR_CACHE_DIR"] = str(instance / "qr-cache")
    app.config["PROGRAMME_PDF_DIR"] = str(instance / "programme-pdf")

    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        for variable, key in ENVIRONMENT.items():
            value = os.environ.get(variable)
            if value:
                app.config[key] = value
    else:
        app.config.from_mapping(test_config)

    # A relative outbox (from instance/config.py) lives in the instance folder, as a relative
    # SQLite path does (Flask-SQLAlchemy), never in whatever the working directory is.
    if app.config.get("MAIL_OUTBOX"):
        app.config["MAIL_OUTBOX"] = str(instance / app.config["MAIL_OUTBOX"])

    if isinstance(app.config.get("SESSION_COOKIE_SECURE"), str):
        app.config["SESSION_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"] in ("1", "true")
    # The remember-me cookie is as sensitive as the session cookie: same transport rule.
    app.config.setdefault("REMEMBER_COOKIE_SECURE", bool(app.config.get("SESSION_COOKIE_SECURE")))
    hosts = app.config.get("TRUSTED_HOSTS")
    if isinstance(hosts, str):
        app.config["TRUSTED_HOSTS"] = [h.strip() for h in hosts.split(",") if h.strip()] or None

    redis_url = app.config.get("REDIS_URL")
    if redis_url and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = redis_url
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://")):
        # Fail fast when Redis is away, so the in-memory fallback takes over at once.
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1}
        )

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://"):
        uri = "postgresql+psycopg://" + uri.removeprefix("postgres://")
    elif uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri.removeprefix("postgresql://")
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    if uri.startswith("sqlite"):
        # SQLite serialises writers; give a waiting writer time instead of failing at once.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}

    if not app.config.get("SECRET_KEY"):
        if app.debug or app.testing or app.config.get("TESTING"):
            import secrets

            app.config["SECRET_KEY"] = secrets.token_urlsafe(48)
        else:
            app.config["SECRET_KEY"] = None
            app.config["SECRET_KEY_MISSING"] = True
