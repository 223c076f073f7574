"""Where the app keeps its files: never relative to the working directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from eventsys import create_app
from eventsys.extensions import db


@pytest.fixture
def server_environment(monkeypatch, tmp_path):
    """A shell with only what these tests set, working in an unrelated directory."""
    for variable in list(os.environ):
        if variable.startswith("EVENTSYS_"):
            monkeypatch.delenv(variable)
    monkeypatch.setenv("EVENTSYS_SECRET_KEY", "config-test-secret-key")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return monkeypatch


def test_instance_path_from_the_environment_holds_config_database_and_outbox(
    server_environment, tmp_path
):
    instance = tmp_path / "state"
    server_environment.setenv("EVENTSYS_INSTANCE_PATH", str(instance))
    instance.mkdir()
    (instance / "config.py").write_text(
        'MAIL_OUTBOX = "mail"\nEVENTSYS_BASE_URL = "https://x.test"\n'
    )

    app = create_app()
    with app.app_context():
        db.engine.dispose()

    assert app.instance_path == str(instance)
    assert app.config["EVENTSYS_BASE_URL"] == "https://x.test"  # its config.py was read
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'eventsys.db'}"
    # A relative outbox is in the instance folder, not in the working directory.
    assert Path(app.config["MAIL_OUTBOX"]) == instance / "mail"


def test_relative_instance_path_is_refused_with_a_reason(server_environment):
    server_environment.setenv("EVENTSYS_INSTANCE_PATH", "var/eventsys")
    with pytest.raises(RuntimeError, match="EVENTSYS_INSTANCE_PATH must be an absolute path"):
        create_app()
