"""seed-demo: load the demo conference and print how to log in."""

from __future__ import annotations

import os

import click
from flask import Flask

from eventsys.cli_util import command_transaction
from eventsys.demo.generators import category_counts
from eventsys.demo.services import DEFAULT_ATTENDEES, login_lines, seed_demo

# scripts/run.sh serves on this host, on $PORT (default 5000).
RUN_HOST = "127.0.0.1"
DEFAULT_PORT = 5000


def server_address() -> str:
    """The address ``scripts/run.sh`` makes the server listen on: its host and ``$PORT``."""
    text = os.environ.get("PORT", "").strip()
    if not text:
        return f"http://{RUN_HOST}:{DEFAULT_PORT}"
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise click.ClickException(f"PORT must be a port number (1-65535), not {text!r}.")
    return f"http://{RUN_HOST}:{int(text)}"


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--replace", is_flag=True, help="rebuild the demo conference if it exists")
    @click.option(
        "--attendees",
        type=click.IntRange(min=0),
        default=DEFAULT_ATTENDEES,
        show_default=True,
        help="how many demo attendees to register",
    )
    def seed_demo_command(replace: bool, attendees: int):
        """Load a realistic bilingual demo conference and print how to log in."""
        # A bad PORT or count is refused before anything is written.
        address = server_address()
        try:
            category_counts(attendees)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--attendees") from None
        with command_transaction():
            summary = seed_demo(replace=replace, attendees=attendees)
        for line in summary + login_lines(f"{address}/login"):
            click.echo(line)
