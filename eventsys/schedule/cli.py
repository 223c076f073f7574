"""publish-schedule: the timetable as it stands, published as a new release."""

from __future__ import annotations

import click
from flask import Flask

from eventsys.cli_util import command_transaction
from eventsys.conferences.services import get_conference
from eventsys.schedule import releases


def register(app: Flask) -> None:
    @app.cli.command("publish-schedule")
    @click.argument("slug")
    @click.option("--version", "version", default="", help="the release's name (default: 1, 2 …)")
    @click.option("--comment", default="", help="a note for the changelog")
    def publish_schedule(slug: str, version: str, comment: str):
        """Publish the timetable as it stands as a new release (refused when nothing
        changed since the last one)."""
        with command_transaction():
            conference = get_conference(slug)
            release = releases.publish(conference, version or None, comment=comment)
            number, name, changes = release.number, release.version, release.changes
        counts: dict[str, int] = {}
        for change in changes:
            counts[change["change"]] = counts.get(change["change"], 0) + 1
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "no session"
        click.echo(f"Published {slug} schedule version {name} (release {number}): {summary}.")
