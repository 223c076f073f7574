"""import-registrations."""

from __future__ import annotations

import click
from flask import Flask

from eventsys.cli_util import command_transaction
from eventsys.conferences.services import get_conference
from eventsys.registration import columns as vocabulary


def register(app: Flask) -> None:
    @app.cli.command(
        "import-registrations",
        help="Register everyone in a .csv or .xlsx file, confirmed; all rows or none.\n\n"
        "The first row names the columns, in either spelling and any order: "
        f"{vocabulary.both_spellings()} (the category by its code or name). "
        "Other columns are ignored.",
    )
    @click.argument("slug")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option(
        "--notify",
        is_flag=True,
        help="e-mail each imported person their confirmation (default: no e-mails)",
    )
    def import_registrations_command(slug: str, file: str, notify: bool):
        from eventsys.registration.imports import import_registrations

        with command_transaction():
            conference = get_conference(slug)
            result = import_registrations(conference, file, notify=notify)
        noun = "registration" if result.imported == 1 else "registrations"
        click.echo(f"Imported {result.imported} {noun} into {slug}.")
