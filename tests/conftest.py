"""Fixtures: an app on a fresh database per test, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path

import jinja2
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.serving import make_server

from eventsys import create_app
from eventsys.extensions import db


def _share_url_builders() -> None:
    """Werkzeug compiles two Python functions per URL rule for every app (``Rule.compile``),
    ~35 ms of each ``create_app``; the tests make an app per test. A builder depends only on
    the rule's parsed parts and the names of its defaults, so apps with the same rules can
    share them: same code, compiled once per run. Rules with a default for one of their
    variables (converted at compile time) are compiled as usual."""
    from werkzeug.routing.rules import Rule

    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:  # another Werkzeug: nothing to share
        return
    builders: dict = {}

    def shared_builder(self, append_unknown: bool = True):
        defaults = self.defaults or {}
        if defaults and any(dynamic and data in defaults for dynamic, data in self._trace):
            return compile_builder(self, append_unknown)
        key = (self.rule, append_unknown, tuple(self._trace), tuple(defaults))
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = compile_builder(self, append_unknown)
        return builder

    Rule._compile_builder = shared_builder


_share_url_builders()


class _SharedTemplateCode(jinja2.BytecodeCache):
    """Every app has its own Jinja environment, which compiles each template it renders (~15 %
    of the tests' time went to it). The apps built here are configured alike, so they share
    the compiled code, keyed by template and checked against its source (Jinja's bytecode
    cache, in memory)."""

    def __init__(self) -> None:
        self.code: dict = {}

    def load_bytecode(self, bucket) -> None:
        checksum, code = self.code.get(bucket.key, (None, None))
        if checksum == bucket.checksum:
            bucket.code = code

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = (bucket.checksum, bucket.code)


_TEMPLATE_CODE = _SharedTemplateCode()

PG_URL = os.environ.get("EVENTSYS_TEST_DATABASE_URL")
if PG_URL and PG_URL.startswith("postgresql://"):
    PG_URL = "postgresql+psycopg://" + PG_URL.removeprefix("postgresql://")
DATABASES = ["sqlite"] + (["postgresql"] if PG_URL else [])

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-not-for-production",
    "SERVER_NAME": None,
    "RATELIMIT_STORAGE_URI": "memory://",
    # Mail is sent right after the commit, so tests read it from the outbox folder at once;
    # tests of the worker itself set MAIL_DELIVERY back to "queue".
    "MAIL_DELIVERY": "immediate",
    # Exports are built in the request in tests (the inline path is what most tests check);
    # tests of the background export set a small threshold themselves.
    "EXPORT_INLINE_MAX": 100_000,
    # Test users' passwords are hashed cheaply (scrypt costs ~90 ms a hash, paid for every
    # user made and every sign-in); tests/auth/test_login.py checks the production default.
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    # Confirmation mails without the e-ticket PDF (~0.1 s to render each), as the product
    # setting allows: the tests of the mail's content and of the ticket attachment
    # (tests/registration/test_mail_content.py, test_mail.py, tests/documents/test_ticket_mail.py)
    # switch it back on.
    "MAIL_TICKET_PDF": False,
}

_pg_schema_ready = False

# The id sequences of the tables (owned by their columns) that a test advanced, even by an
# insert it rolled back, and where they start.
_PG_USED_SEQUENCES = """
SELECT s.oid, ps.start_value FROM pg_sequences AS ps
JOIN pg_namespace AS n ON n.nspname = ps.schemaname
JOIN pg_class AS s ON s.relname = ps.sequencename AND s.relnamespace = n.oid
JOIN pg_depend AS d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
    AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
JOIN pg_class AS c ON c.oid = d.refobjid
WHERE ps.last_value IS NOT NULL AND c.relname = ANY(:tables)
"""


def _reset_postgresql(app) -> None:
    """Create the schema once per run, then leave it as fresh for the next test: no rows, ids
    from 1 (as ``TRUNCATE <every table> RESTART IDENTITY CASCADE`` did, at ~85 ms a test and
    far more when the disk is busy, as it makes new files for all 36 tables). Only the tables
    the last test left rows in are emptied, children first, and only the sequences it
    advanced are restarted; the commit need not wait for the disk (a test database)."""
    global _pg_schema_ready
    with app.app_context():
        if not _pg_schema_ready:
            db.drop_all()
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
            db.create_all()
            _pg_schema_ready = True
            return
        quote = db.engine.dialect.identifier_preparer.quote
        tables = [t.name for t in db.metadata.sorted_tables]
        with_rows = " UNION ALL ".join(
            f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {quote(name)})" for name in tables
        )
        with db.engine.begin() as conn:
            conn.execute(sa.text("SET LOCAL synchronous_commit = off"))
            filled = {row[0] for row in conn.execute(sa.text(with_rows))}
            for name in reversed(tables):  # referencing tables before the ones they refer to
                if name in filled:
                    conn.execute(sa.text(f"DELETE FROM {quote(name)}"))
            conn.execute(
                sa.text(f"SELECT setval(oid, start_value, false) FROM ({_PG_USED_SEQUENCES}) AS u"),
                {"tables": tables},
            )


_sqlite_template: Path | None = None


def _copy_sqlite_schema(path: Path) -> bool:
    """Put an empty schema at ``path`` unless a database is there already (a test that
    builds a second app on its first one's database): a copy of one made once per run by
    ``db.create_all()``, a millisecond instead of ~25 ms. False: ``path`` existed."""
    global _sqlite_template
    if path.exists():
        return False
    if _sqlite_template is None:
        folder = Path(tempfile.mkdtemp(prefix="eventsys-test-schema-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        template = folder / "schema.db"
        app = create_app(
            {
                **TEST_CONFIG,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{template}",
                "MAIL_OUTBOX": str(folder / "outbox"),
                "JOBS_DATABASE": str(folder / "jobs.db"),
                "JOB_FILES": str(folder / "job-files"),
                "QR_CACHE_DIR": str(folder / "qr-cache"),
                "PROGRAMME_PDF_DIR": str(folder / "programme-pdf"),
            }
        )
        with app.app_context():
            db.create_all()
            db.engine.dispose()  # the last connection closed: everything is in the file
        _sqlite_template = template
    shutil.copyfile(_sqlite_template, path)
    return True


def build_app(database: str, tmp_path, **extra):
    copied = False
    if database == "postgresql":
        uri = PG_URL
    else:
        path = tmp_path / "test.db"
        copied = extra.get("SQLALCHEMY_DATABASE_URI") is None and _copy_sqlite_schema(path)
        uri = f"sqlite:///{path}"
    config = {
        **TEST_CONFIG,
        "SQLALCHEMY_DATABASE_URI": uri,
        "MAIL_OUTBOX": str(tmp_path / "outbox"),
        "JOBS_DATABASE": str(tmp_path / "jobs.db"),
        "JOB_FILES": str(tmp_path / "job-files"),
        "QR_CACHE_DIR": str(tmp_path / "qr-cache"),
        "PROGRAMME_PDF_DIR": str(tmp_path / "programme-pdf"),
        **extra,
    }
    app = create_app(config)
    app.jinja_env.bytecode_cache = _TEMPLATE_CODE
    if database == "postgresql":
        _reset_postgresql(app)
    elif not copied:
        with app.app_context():
            db.create_all()
    app.config["TEST_DATABASE"] = database
    return app


@pytest.fixture(params=DATABASES)
def app(request, tmp_path):
    app = build_app(request.param, tmp_path)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def sqlite_app(tmp_path):
    """For tests that exercise pages, not the database: SQLite only."""
    app = build_app("sqlite", tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


def end_test_transaction() -> None:
    """Close the test's own transaction (``ctx``) before a request or command runs, as no real
    client holds one open; on SQLite an open one would keep the write lock."""
    from flask import has_app_context

    if has_app_context():
        db.session.commit()


class Client(FlaskClient):
    """Each request in its own application context, as in a real server: a test that holds
    a context open (``ctx``) must not share ``g`` or the database session with requests."""

    def open(self, *args, **kwargs):
        end_test_transaction()
        with self.application.app_context():
            return super().open(*args, **kwargs)


class Runner(FlaskCliRunner):
    def invoke(self, *args, **kwargs):
        end_test_transaction()
        return super().invoke(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def runner(app):
    app.test_cli_runner_class = Runner
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An application context for calling services directly."""
    with app.app_context():
        yield app


CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(client, page: str) -> str:
    """The CSRF token a user's browser would get from ``page``."""
    html = client.get(page).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {page}"
    return match.group(1) or match.group(2)


def submit(client, page: str, data: dict, action: str | None = None, **kwargs):
    """Fill in the form on ``page`` like a browser (with its CSRF token) and post it."""
    data = {**data, "csrf_token": csrf_token(client, page)}
    return client.post(action or page, data=data, **kwargs)


def login(client, email: str, password: str):
    return submit(client, "/login", {"email": email, "password": password})


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(sqlite_app):
    with LiveServer(sqlite_app) as server:
        yield server
