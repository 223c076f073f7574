"""import-signings and export-signings."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from eventsys.cli_util import command_transaction
from eventsys.conferences.services import get_conference


def register(app: Flask) -> None:
    from eventsys.signing.imports import both_spellings

    @app.cli.command(
        "import-signings",
        help="Record the signed projects in a .csv or .xlsx file; all rows or none.\n\n"
        "The first row names the columns, in either spelling and any order: "
        f"{both_spellings()} (the forum by its code or name). Rows already recorded (same "
        "key, or same title, parties and date) are skipped and reported.",
    )
    @click.argument("slug")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    def import_signings_command(slug: str, file: str):
        from eventsys.signing.imports import import_file
        from eventsys.signing.money import display_wan
        from eventsys.signing.services import Actor

        with command_transaction():
            conference = get_conference(slug)
            preview = import_file(conference, file, Actor(label="import-signings"))
        click.echo(
            f"Imported {len(preview.rows)} signed project(s) into {slug}, "
            f"{display_wan(preview.total_wan) or '0'} in all."
        )
        if preview.skipped:
            rows = ", ".join(str(number) for number, _title in preview.skipped[:20])
            more = " …" if len(preview.skipped) > 20 else ""
            click.echo(
                f"Skipped {len(preview.skipped)} row(s) already recorded: rows {rows}{more}."
            )

    @app.cli.command(
        "export-signings",
        help="Write the signed projects to FILE: .csv, .xlsx (with totals and tallies) or "
        ".pdf, by its extension.",
    )
    @click.argument("slug")
    @click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False))
    def export_signings_command(slug: str, output: str):
        from eventsys.signing.exports import FORMATS, export_to

        path = Path(output)
        if path.suffix.lower().lstrip(".") not in FORMATS:
            raise click.UsageError("the output file must end in .csv, .xlsx or .pdf")
        with command_transaction():
            conference = get_conference(slug)
            count = export_to(conference, path)
        click.echo(f"Wrote {count} signed project(s) of {slug} to {path}.")
