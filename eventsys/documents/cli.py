"""badges and report: the printed documents from the command line."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import Flask

from eventsys.cli_util import command_transaction
from eventsys.conferences.services import get_conference
from eventsys.documents.models import BADGE_LAYOUTS


def _output(path: str) -> Path:
    target = Path(path)
    if target.suffix.lower() != ".pdf":
        raise click.ClickException(f"{path}: the output file must end in .pdf")
    if not target.parent.is_dir():
        raise click.ClickException(f"{path}: the folder {target.parent} does not exist")
    return target


def _write(target: Path, data: bytes) -> None:
    # Written beside and renamed: a failed run never leaves half a PDF under the name.
    partial = target.with_name(target.name + ".part")
    try:
        partial.write_bytes(data)
        partial.replace(target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"{target}: cannot write: {error.strerror}") from None


class _Progress:
    """A progress bar on stderr (``[#####-----] 50%  500/1000 badges``), redrawn in place on a
    terminal, one line per quarter otherwise (logs stay short)."""

    def __init__(self, badges: int):
        self.badges = badges
        self.tty = sys.stderr.isatty()
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        percent = int(done * 100 / total)
        if not self.tty and percent // 25 == self.shown // 25 and done != total:
            return
        self.shown = percent
        filled = percent // 5
        count = round(self.badges * done / total)
        line = f"[{'#' * filled}{'-' * (20 - filled)}] {percent:3d}%  {count}/{self.badges} badges"
        if self.tty:
            click.echo("\r" + line, err=True, nl=done == total)
        else:
            click.echo(line, err=True)


def register(app: Flask) -> None:
    @app.cli.command("badges", help="Print the badges of all confirmed attendees into one PDF.")
    @click.argument("slug")
    @click.option("-o", "--output", required=True, help="the PDF file to write")
    @click.option("--category", default=None, help="only this category (its code)")
    @click.option(
        "--layout",
        default=None,
        help="a6 (one per page) or a4-4up (four per A4 sheet with cut marks); "
        "default: the conference's badge settings",
    )
    @click.option("--organization", default=None, help="only organizations containing this text")
    @click.option("--not-printed", is_flag=True, help="only badges not printed before")
    @click.option(
        "--mark-printed/--no-mark-printed",
        default=True,
        help="count these badges as printed (default: yes)",
    )
    def badges_command(slug, output, category, layout, organization, not_printed, mark_printed):
        from eventsys.documents import services

        if layout is not None and layout not in BADGE_LAYOUTS:
            raise click.ClickException(
                f"unknown layout {layout!r}: choose {' or '.join(BADGE_LAYOUTS)}"
            )
        target = _output(output)
        started = time.perf_counter()
        with command_transaction():
            conference = get_conference(slug)
            registrations = services.badge_registrations(
                conference, category=category, organization=organization, not_printed=not_printed
            )
            if not registrations:
                raise click.ClickException(f"no badges to print in {slug}: nobody matches")
            data = services.badges_pdf(
                conference, registrations, layout, progress=_Progress(len(registrations))
            )
            _write(target, data)
            if mark_printed:
                services.mark_printed(conference, [r.id for r in registrations])
        noun = "badge" if len(registrations) == 1 else "badges"
        click.echo(
            f"Wrote {len(registrations)} {noun} to {target} "
            f"({len(data) // 1024} kB, {time.perf_counter() - started:.1f} s)."
        )

    @app.cli.command("report", help="Write the conference's summary report as a PDF.")
    @click.argument("slug")
    @click.option("-o", "--output", required=True, help="the PDF file to write")
    @click.option(
        "--language",
        type=click.Choice(["zh", "en"]),
        default="zh",
        show_default=True,
        help="the report's language",
    )
    def report_command(slug, output, language):
        from flask_babel import force_locale

        from eventsys.documents.report import report_pdf

        target = _output(output)
        with command_transaction():
            conference = get_conference(slug)
            with force_locale("en" if language == "en" else "zh_Hans_CN"):
                data = report_pdf(conference)
            _write(target, data)
        click.echo(f"Wrote the report of {slug} to {target} ({len(data) // 1024} kB).")
