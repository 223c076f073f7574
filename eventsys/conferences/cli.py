"""load-conference, export-conference and create-token (a role in a conference, and its API
token)."""

from __future__ import annotations

import json
import sys

import click
from flask import Flask

from eventsys.auth import services as auth_services
from eventsys.auth.models import ROLES
from eventsys.cli_util import command_transaction
from eventsys.conferences.jsonio import export_conference, load_conference
from eventsys.conferences.services import get_conference
from eventsys.errors import NotFound
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

    @app.cli.command("create-token")
    @click.argument("email")
    @click.option("--conference", "slug", required=True, help="the conference's slug")
    @click.option("--role", required=True, type=click.Choice(ROLES))
    @click.option("--label", default="", help="a note to tell tokens apart, e.g. the gate")
    def create_token(email: str, slug: str, role: str, label: str):
        """Give the user the role when they lack it; print a new API token once, alone on
        the last line."""
        with command_transaction():
            user = auth_services.find_user(email)
            if user is None:
                raise NotFound(f"No user with e-mail {email}; create it with create-user.")
            conference = get_conference(slug)
            _row, token = auth_services.issue_api_token(user, conference, role, label)
        click.echo(f"API token for {email}, {role} of {slug} (shown once, keep it safe):")
        click.echo(token)
