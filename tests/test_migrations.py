"""The migrations, not create_all, own the schema: they must build exactly the models' tables."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parent.parent


def flask(*args, database_url: str):
    env = {
        **os.environ,
        "EVENTSYS_DATABASE_URL": database_url,
        "EVENTSYS_SECRET_KEY": "migration-test",
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def check_upgrade(url: str):
    upgrade = flask("db", "upgrade", database_url=url)
    assert upgrade.returncode == 0, upgrade.stderr
    check = flask("db", "check", database_url=url)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr
    again = flask("db", "upgrade", database_url=url)
    assert again.returncode == 0, again.stderr


def test_migrations_on_sqlite(tmp_path):
    check_upgrade(f"sqlite:///{tmp_path / 'fresh.db'}")


@pytest.mark.skipif(not PG_URL, reason="EVENTSYS_TEST_DATABASE_URL not set")
def test_migrations_on_postgresql():
    name = f"eventsys_mig_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        check_upgrade(PG_URL.rsplit("/", 1)[0] + "/" + name)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
