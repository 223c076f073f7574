"""The worker runs jobs for real: a job that raises is retried, then recorded as failed with
its error, and the worker goes on; ``flask --app app worker`` stops on SIGINT and SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from eventsys.extensions import db
from eventsys.jobs import Job, job, start_job, submit
from eventsys.jobs.worker import Worker
from tests.conftest import DATABASES, build_app
from tests.factories import applicant, make_conference
from tests.jobs.helpers import SmtpServer, outbox_rows, wait_for

ROOT = Path(__file__).resolve().parents[2]
RUNS: list[str] = []


@job("tests.explode", retries=2, retry_delay=0.1, tracked=True)
def explode(row: Job) -> None:
    RUNS.append("explode")
    raise ValueError(f"the spreadsheet of job {row.id} is broken")


@job("tests.succeed", tracked=True)
def succeed(row: Job) -> None:
    RUNS.append("succeed")


def job_row(app, job_id: int) -> Job:
    with app.app_context():
        row = db.session.get(Job, job_id)
        db.session.expunge(row)
        db.session.remove()
        return row


def start(app, kind: str) -> int:
    with app.app_context():
        row = start_job(kind)
        db.session.commit()
        assert submit(row)
        job_id = row.id
        db.session.remove()
        return job_id


@pytest.mark.parametrize("database", DATABASES)
def test_a_job_that_raises_is_retried_then_failed_and_the_worker_survives(database, tmp_path):
    app = build_app(database, tmp_path, MAIL_DELIVERY="queue")
    RUNS.clear()
    try:
        with Worker(app):
            failing = start(app, "tests.explode")
            wait_for(lambda: job_row(app, failing).status == "failed", message="failed job")
            row = job_row(app, failing)
            assert row.attempts == 3 and RUNS.count("explode") == 3
            assert f"ValueError: the spreadsheet of job {failing} is broken" in row.error
            assert row.finished_at is not None
            # The same worker still runs the next job.
            fine = start(app, "tests.succeed")
            wait_for(lambda: job_row(app, fine).status == "done", message="next job done")
        assert job_row(app, fine).progress == 100
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def run_worker(env: dict, stop_signal: int, before_stop) -> None:
    """``flask --app app worker`` as a process; ``before_stop()``, then the signal: it must
    exit 0 within 30 seconds."""
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        # The signals are the consumer's once it has started its threads.
        wait_for(
            lambda: any("consumer started" in line for line in lines),
            timeout=60,
            message="the worker to start",
        )
        time.sleep(1)
        before_stop()
        process.send_signal(stop_signal)
        process.wait(timeout=30)
        reader.join(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
    output = "".join(lines)
    assert process.returncode == 0, output
    assert "eventsys worker" in output


def test_the_worker_command_delivers_and_stops_on_sigint_and_sigterm(tmp_path):
    smtp = SmtpServer().start()
    app = build_app("sqlite", tmp_path, MAIL_DELIVERY="queue")
    from eventsys.registration.services import register

    with app.app_context():
        conference = make_conference()
        register(conference, applicant(email="cli@example.com"))
        db.session.commit()
        db.session.remove()
    env = {
        **os.environ,
        "EVENTSYS_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "EVENTSYS_SECRET_KEY": "worker-test-secret",
        "EVENTSYS_SMTP_URL": smtp.url,
        "EVENTSYS_JOBS_DATABASE": str(tmp_path / "worker-jobs.db"),
    }
    env.pop("EVENTSYS_REDIS_URL", None)
    try:
        # SIGINT once the mail is out; SIGTERM while idle.
        run_worker(env, signal.SIGINT, lambda: wait_for(lambda: smtp.inbox.messages, 60))
        assert outbox_rows(app)[0].status == "sent"
        run_worker(env, signal.SIGTERM, lambda: None)
        assert len(smtp.inbox.messages) == 1
    finally:
        smtp.stop()
        with app.app_context():
            db.engine.dispose()


def test_the_worker_deletes_old_export_files_and_keeps_recent_ones(tmp_path):
    """An export holds every attendee's personal data: its file goes JOB_FILES_KEEP_HOURS after
    the job finished, when the worker next looks; the staff page then answers 404."""
    from datetime import timedelta

    from eventsys.db_types import utcnow
    from eventsys.jobs import job_files
    from tests.conftest import login
    from tests.factories import PASSWORD, make_user

    app = build_app("sqlite", tmp_path, MAIL_DELIVERY="queue", JOB_FILES_KEEP_HOURS=72)
    try:
        with app.app_context():
            conference = make_conference()
            make_user("staff@example.com", "staff", conference)
            folder = job_files()
            folder.mkdir(parents=True, exist_ok=True)
            ids = {}
            for name, age in (("old", timedelta(hours=73)), ("recent", timedelta(hours=1))):
                (folder / f"{name}.xlsx").write_bytes(b"PK personal data")
                row = Job(
                    kind="registrations.export_xlsx",
                    conference_id=conference.id,
                    status="done",
                    progress=100,
                    result_path=f"{name}.xlsx",
                    result_name=f"{name}.xlsx",
                    finished_at=utcnow() - age,
                )
                db.session.add(row)
                db.session.flush()
                ids[name] = row.id
            db.session.commit()
            db.session.remove()
        client = app.test_client()
        login(client, "staff@example.com", PASSWORD)

        def download(job_id: int) -> int:
            response = client.get(f"/manage/cy-2026/jobs/{job_id}/download")
            response.close()  # a file answer holds the file open until closed
            return response.status_code

        assert download(ids["old"]) == 200
        with Worker(app):
            wait_for(lambda: not (folder / "old.xlsx").exists(), message="the old file removed")
        assert (folder / "recent.xlsx").exists()
        assert download(ids["old"]) == 404
        assert download(ids["recent"]) == 200
        assert job_row(app, ids["old"]).status == "done"
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
