"""create-user and create-token."""

from __future__ import annotations

import click
from flask import Flask

from eventsys.auth import services
from eventsys.auth.models import ROLES
from eventsys.cli_util import command_transaction
from eventsys.conferences.services import get_conference
from eventsys.errors import NotFound


def register(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--password", required=True, help="at least 8 characters")
    @click.option("--name", default="", help="the person's name")
    @click.option("--admin", is_flag=True, help="a site administrator")
    def create_user(email: str, password: str, name: str, admin: bool):
        """Create a login."""
        with command_transaction():
            user = services.create_user(email, password, name, is_admin=admin)
        click.echo(f"Created user {user.email}{' (site administrator)' if admin else ''}.")

    @app.cli.command("set-password")
    @click.argument("email")
    @click.option("--password", required=True, help="at least 8 characters")
    def set_password(email: str, password: str):
        """Give a login a new password; every session of that login ends."""
        with command_transaction():
            user = services.find_user(email)
            if user is None:
                raise NotFound(f"No user with e-mail {email}.")
            services.set_password(user, password)
        click.echo(f"New password set for {user.email}.")

    @app.cli.command("create-token")
    @click.argument("email")
    @click.option("--conference", "slug", required=True, help="the conference's slug")
    @click.option("--role", required=True, type=click.Choice(ROLES))
    @click.option("--label", default="", help="a note to tell tokens apart, e.g. the gate")
    def create_token(email: str, slug: str, role: str, label: str):
        """Give the user the role when they lack it; print a new API token once, alone on
        the last line."""
        with command_transaction():
            user = services.find_user(email)
            if user is None:
                raise NotFound(f"No user with e-mail {email}; create it with create-user.")
            conference = get_conference(slug)
            _row, token = services.issue_api_token(user, conference, role, label)
        click.echo(f"API token for {email}, {role} of {slug} (shown once, keep it safe):")
        click.echo(token)
