"""create-user and set-password."""

from __future__ import annotations

import click
from flask import Flask

from eventsys.auth import services
from eventsys.cli_util import command_transaction
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
