"""Background work: a huey queue, the ``jobs`` table pages poll, mail outbox delivery.

Core infrastructure under every domain: it imports only core modules (extensions, config,
db_types, errors, mail), never a domain. A domain declares a job with ``@job(name)``, starts
a user-visible one with ``start_job`` + ``submit``, and the worker (``flask --app app worker``)
runs it inside an application context.
"""

from __future__ import annotations

from flask import Flask

from eventsys.jobs.models import JOB_STATUSES, Job
from eventsys.jobs.queue import (
    enqueue,
    huey_of,
    job,
    job_files,
    register_all,
    report_progress,
    start_job,
    submit,
    unfinished_job,
)

__all__ = [
    "JOB_STATUSES",
    "Job",
    "enqueue",
    "huey_of",
    "init_app",
    "job",
    "job_files",
    "register_all",
    "report_progress",
    "start_job",
    "submit",
    "unfinished_job",
]


def init_app(app: Flask) -> None:
    """The application's queue (SQLite in the instance folder, or Redis), delivery of the
    mail outbox after each commit, and the ``worker`` command."""
    from eventsys.jobs import outbox
    from eventsys.jobs.worker import register_commands

    app.config.setdefault("MAIL_DELIVERY", "queue")
    app.config.setdefault("MAIL_SWEEP_SECONDS", 5)
    app.extensions.pop("eventsys_jobs", None)  # the queue is made on first use (huey_of)
    outbox.install_listeners()
    register_commands(app)
