"""What every command shares: one transaction, and a refusal as one line on stderr."""

from __future__ import annotations

from contextlib import contextmanager

import click

from eventsys.errors import DomainError
from eventsys.extensions import db


@contextmanager
def command_transaction():
    """Commit on success; on a domain error roll back, say why on stderr and exit 1."""
    try:
        yield
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    except BaseException:
        db.session.rollback()
        raise
