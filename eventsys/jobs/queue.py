"""The queue: huey, with SQLite storage in the instance folder, or Redis when configured.

Jobs are declared once, at import, with ``@job("name")``; each application gets its own huey
instance (``init_app``) on which every declared job is registered, and each run happens inside
that application's context with a fresh database session.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey
from huey.api import Huey
from sqlalchemy import select, update

from eventsys.db_types import utcnow
from eventsys.extensions import db
from eventsys.jobs.models import Job

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable[..., Any]
    retries: int
    retry_delay: float
    tracked: bool


_REGISTRY: dict[str, JobSpec] = {}


def job(name: str, *, retries: int = 0, retry_delay: float = 0, tracked: bool = False):
    """Declare a background job. ``tracked`` jobs take a ``Job`` row (from ``start_job``) as
    their first argument; the runner keeps its status, attempts and error, and stores the
    path the function returns as the result file. A job that raises is retried ``retries``
    times, ``retry_delay`` seconds apart, then recorded as failed."""

    def decorator(func):
        _REGISTRY[name] = JobSpec(name, func, retries, retry_delay, tracked)
        return func

    return decorator


def create_huey(app: Flask) -> Huey:
    config = app.config
    name = config.get("JOBS_QUEUE_NAME") or "eventsys"
    redis_url = config.get("REDIS_URL")
    if redis_url:
        # Short timeouts: a Redis outage must not hold a request that only enqueues.
        import redis

        pool = redis.ConnectionPool.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
        return RedisHuey(name, results=False, connection_pool=pool)
    path = config["JOBS_DATABASE"]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, results=False, filename=path, timeout=10)


_CREATE_LOCK = threading.Lock()


def huey_of(app: Flask | None = None) -> Huey:
    """``app``'s queue, made on first use (a command that queues nothing opens nothing)."""
    app = app or current_app._get_current_object()
    huey = app.extensions.get("eventsys_jobs")
    if huey is None:
        with _CREATE_LOCK:
            huey = app.extensions.get("eventsys_jobs")
            if huey is None:
                huey = app.extensions["eventsys_jobs"] = create_huey(app)
    return huey


def _task(app: Flask, name: str):
    """The huey task for job ``name`` on ``app``'s queue, registered on first use."""
    tasks = app.extensions.setdefault("eventsys_job_tasks", {})
    if name not in tasks:
        huey = huey_of(app)
        with _CREATE_LOCK:
            if name not in tasks:
                spec = _REGISTRY[name]
                tasks[name] = huey.task(
                    retries=spec.retries, retry_delay=spec.retry_delay, context=True, name=spec.name
                )(_runner(app, spec))
    return tasks[name]


def register_all(app: Flask) -> None:
    """Every declared job on ``app``'s queue (the worker needs them all before it starts)."""
    for name in list(_REGISTRY):
        _task(app, name)


def enqueue(name: str, *args: Any) -> None:
    """Put a run of job ``name`` on the queue. Raises when the queue is unreachable (Redis
    down): callers decide whether that matters."""
    _task(current_app._get_current_object(), name)(*args)


def _runner(app: Flask, spec: JobSpec):
    def run(*args, task=None):
        with app.app_context():
            try:
                if spec.tracked:
                    final = task is None or not task.retries
                    return _run_tracked(spec, args, final)
                return spec.func(*args)
            finally:
                db.session.remove()

    run.__name__ = spec.name
    return run


def _set(job_id: int, **values) -> None:
    db.session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _run_tracked(spec: JobSpec, args: tuple, final: bool):
    job_id, *rest = args
    row = db.session.get(Job, job_id)
    if row is None or row.status in ("done", "failed"):
        log.info("job %s (%s) is gone or finished; nothing to do", job_id, spec.name)
        return None
    _set(job_id, status="running", started_at=utcnow(), attempts=Job.attempts + 1, error="")
    try:
        row = db.session.get(Job, job_id)
        result = spec.func(row, *rest)
    except Exception as error:
        db.session.rollback()
        text = "".join(traceback.format_exception_only(error)).strip()[:2000]
        if final:
            _set(job_id, status="failed", error=text, finished_at=utcnow())
        else:
            _set(job_id, status="queued", error=text)
        raise
    values: dict = {"status": "done", "progress": 100, "finished_at": utcnow()}
    if isinstance(result, tuple):
        values["result_path"], values["result_name"] = result
    elif result is not None:
        values["result_path"] = str(result)
    _set(job_id, **values)
    return None


def job_files(app: Flask | None = None) -> Path:
    """The folder for files that jobs make; a job stores its result relative to it."""
    app = app or current_app._get_current_object()
    return Path(app.config["JOB_FILES"])


def remove_expired_files(now: datetime | None = None) -> int:
    """Delete the result files of jobs finished more than ``JOB_FILES_KEEP_HOURS`` ago (an
    export holds every attendee's personal data; it is not kept longer than people need to
    fetch it). The job stays listed; its download then answers 404. Returns how many went."""
    hours = current_app.config.get("JOB_FILES_KEEP_HOURS", 72)
    cutoff = (now or utcnow()) - timedelta(hours=hours)
    expired = db.session.execute(
        select(Job).where(Job.result_path.is_not(None), Job.finished_at < cutoff)
    ).scalars()
    folder = job_files().resolve()
    removed = 0
    for job in expired:
        path = (folder / job.result_path).resolve()
        if path.is_relative_to(folder):
            path.unlink(missing_ok=True)
        job.result_path = None
        removed += 1
    db.session.commit()
    return removed


def report_progress(job: Job, percent: int) -> None:
    """Record how far a tracked job has come (0–100) for the page that polls it. Commits the
    session: call it between units of work, never inside one."""
    _set(job.id, progress=max(0, min(int(percent), 99)))


def start_job(
    kind: str,
    *args: Any,
    conference_id: int | None = None,
    requested_by_id: int | None = None,
    params: dict | None = None,
) -> Job:
    """Write a ``Job`` row in the caller's transaction; the caller commits and then calls
    ``submit(job)``. The row is what a page polls."""
    if kind not in _REGISTRY:
        raise KeyError(f"no job named {kind!r}")
    row = Job(
        kind=kind,
        conference_id=conference_id,
        requested_by_id=requested_by_id,
        params=params or {},
        status="queued",
        progress=0,
        attempts=0,
        error="",
    )
    db.session.add(row)
    db.session.flush()
    return row


def unfinished_job(
    kind: str, conference_id: int | None, requested_by_id: int | None, params: dict
) -> Job | None:
    """The same user's same job, still queued or running (a second click shows that one)."""
    from sqlalchemy import select

    candidates = db.session.execute(
        select(Job)
        .where(
            Job.kind == kind,
            Job.conference_id == conference_id,
            Job.requested_by_id == requested_by_id,
            Job.status.in_(("queued", "running")),
        )
        .order_by(Job.id.desc())
        .limit(10)
    ).scalars()
    return next((row for row in candidates if (row.params or {}) == params), None)


def submit(row: Job) -> bool:
    """Enqueue a committed ``Job`` row. When the queue cannot be reached the job is marked
    failed with the reason (so the page says so) and False is returned."""
    try:
        enqueue(row.kind, row.id)
    except Exception as error:
        log.exception("could not enqueue job %s (%s)", row.id, row.kind)
        _set(
            row.id,
            status="failed",
            error=f"queue unavailable: {error.__class__.__name__}: {error}"[:2000],
            finished_at=utcnow(),
        )
        return False
    return True
