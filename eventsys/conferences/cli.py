"""load-conference, export-conference and seed-demo."""

from __future__ import annotations

import json
import sys

import click
from flask import Flask

from eventsys.cli_util import command_transaction
from eventsys.conferences.jsonio import export_conference, load_conference
from eventsys.conferences.services import get_conference
from eventsys.text import loads_json


def register(app: Flask) -> None:
    @app.cli.command("load-conference")
    @click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
    @click.option("--replace", is_flag=True, help="update the conference with the same slug")
    def load_conference_command(file: str, replace: bool):
        """Create (or with --replace update) a conference from its JSON file."""
        try:
            if file == "-":
                text = sys.stdin.read()
            else:
                with open(file, encoding="utf-8-sig") as handle:
                    text = handle.read()
            data = loads_json(text)
        except OSError as exc:
            raise click.ClickException(f"Cannot read {file}: {exc.strerror}.") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise click.ClickException(f"{file} is not valid JSON: {exc}.") from None
        with command_transaction():
            conference = load_conference(data, replace=replace)
            slug = conference.slug
        click.echo(f"{'Updated' if replace else 'Loaded'} conference {slug}.")

    @app.cli.command("export-conference")
    @click.argument("slug")
    def export_conference_command(slug: str):
        """Print the conference's JSON (to clone last year's meeting)."""
        with command_transaction():
            data = export_conference(get_conference(slug))
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))

    @app.cli.command("seed-demo")
    @click.option("--replace", is_flag=True, help="rebuild the demo conference if it exists")
    def seed_demo_command(replace: bool):
        """Load a realistic bilingual demo conference and print how to log in."""
        from eventsys.demo import seed_demo

        with command_transaction():
            summary = seed_demo(replace=replace)
        for line in summary:
            click.echo(line)
