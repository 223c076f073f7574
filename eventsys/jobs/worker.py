"""The worker: huey's consumer for queued jobs, plus the outbox sweep every few seconds.

``flask --app app worker`` runs it until SIGINT or SIGTERM. Tests start the same ``Worker`` in
a thread of their own process (``start`` / ``stop``).
"""

from __future__ import annotations

import logging
import threading
import time

import click
from flask import Flask
from huey.consumer import Consumer

from eventsys.extensions import db
from eventsys.jobs.outbox import sweep_outbox
from eventsys.jobs.queue import huey_of, register_all, remove_expired_files

log = logging.getLogger(__name__)

# How often the worker deletes the files of old finished jobs (JOB_FILES_KEEP_HOURS).
CLEANUP_SECONDS = 3600


class _EmbeddedConsumer(Consumer):
    """A consumer that leaves the process's signal handlers alone (run inside tests)."""

    def _set_signal_handlers(self):
        pass


class Worker:
    def __init__(self, app: Flask, threads: int = 2, sweep_seconds: float | None = None):
        self.app = app
        self.threads = threads
        self.sweep_seconds = float(
            sweep_seconds if sweep_seconds is not None else app.config.get("MAIL_SWEEP_SECONDS", 5)
        )
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None
        self._next_cleanup = 0.0  # old job files are removed at start, then every hour
        self.consumer: Consumer | None = None

    def _consumer(self, embedded: bool) -> Consumer:
        register_all(self.app)
        huey = huey_of(self.app)
        cls = _EmbeddedConsumer if embedded else Consumer
        return cls(
            huey,
            workers=self.threads,
            worker_type="thread",
            periodic=False,
            initial_delay=0.1,
            max_delay=1.0,  # a new job waits at most a second when the queue was idle
            check_worker_health=True,
        )

    def _sweep_forever(self) -> None:
        while not self._stop.is_set():
            try:
                with self.app.app_context():
                    try:
                        counts = sweep_outbox()
                        if time.monotonic() >= self._next_cleanup:
                            self._next_cleanup = time.monotonic() + CLEANUP_SECONDS
                            remove_expired_files()
                    finally:
                        db.session.remove()
                if counts["sent"] or counts["failed"]:
                    log.info("outbox sweep: %s", counts)
            except Exception:
                # The database may be restarting; try again at the next tick.
                log.exception("outbox sweep failed")
            self._stop.wait(self.sweep_seconds)

    def _start_sweeper(self) -> None:
        self._sweeper = threading.Thread(
            target=self._sweep_forever, name="outbox-sweep", daemon=True
        )
        self._sweeper.start()

    def start(self) -> Worker:
        """Run in background threads of this process (for tests and embedding)."""
        self.consumer = self._consumer(embedded=True)
        self.consumer.start()
        self._start_sweeper()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self.consumer is not None:
            self.consumer.stop(graceful=True)
        if self._sweeper is not None:
            self._sweeper.join(timeout=30)

    def __enter__(self) -> Worker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def run(self) -> None:
        """Run until SIGINT (finish the running jobs) or SIGTERM (stop now)."""
        self.consumer = self._consumer(embedded=False)
        self._start_sweeper()
        try:
            self.consumer.run()
        finally:
            self._stop.set()
            if self._sweeper is not None:
                self._sweeper.join(timeout=30)


def register_commands(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--threads", default=2, show_default=True, help="Jobs run at the same time.")
    def worker_command(threads: int) -> None:
        """Run background jobs (mail, large exports, bulk documents) until stopped."""
        from flask import current_app

        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        app_ = current_app._get_current_object()
        where = app_.config.get("REDIS_URL") and "Redis" or "SQLite (instance folder)"
        click.echo(
            f"eventsys worker: {threads} thread(s), queue in {where}; Ctrl-C stops it", err=True
        )
        Worker(app_, threads=threads).run()
