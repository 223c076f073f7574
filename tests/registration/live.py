"""Real servers and real concurrent HTTP clients for the concurrency tests and benchmarks.

Nothing here is mocked: ``GunicornServer`` runs the production entry point (``app:app``) in
a subprocess, ``fire`` sends requests from many threads that a barrier releases together.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Reply:
    status: int
    body: Any
    seconds: float = 0.0
    started: float = 0.0  # time.perf_counter() when the request left

    @property
    def error(self) -> str | None:
        return self.body.get("error") if isinstance(self.body, dict) else None


def call(
    base_url: str,
    method: str,
    path: str,
    body: dict | None = None,
    token: str | None = None,
    timeout: float = 60,
    connection: http.client.HTTPConnection | None = None,
) -> Reply:
    """One HTTP request with a JSON body; the answer parsed as JSON when it is JSON.

    A fresh connection per call unless ``connection`` (kept alive by the caller) is given.
    A refused or reset connection is a Reply with status 0, so the caller counts it as a
    failure instead of the thread dying.
    """
    host_port = base_url.removeprefix("http://").rstrip("/")
    headers = {"Accept": "application/json"}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    own = connection is None
    conn = connection or http.client.HTTPConnection(host_port, timeout=timeout)
    started = time.perf_counter()
    try:
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        status = response.status
    except (OSError, http.client.HTTPException) as error:
        conn.close()
        failed = {"error": "transport", "message": repr(error)}
        return Reply(0, failed, time.perf_counter() - started, started)
    finally:
        if own:
            conn.close()
    seconds = time.perf_counter() - started
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode("utf-8", "replace")
    return Reply(status, parsed, seconds, started)


def fire(task, items: list, max_workers: int = 32) -> list:
    """Run ``task(item)`` for every item from ``max_workers`` threads, all released at once.

    Every worker thread waits at a barrier (in the pool's initializer) until the pool is
    full and the main thread has submitted everything, so the first ``max_workers`` requests
    leave together and the rest follow as fast as threads free up. Results keep item order.
    """
    workers = max(1, min(max_workers, len(items)))
    barrier = threading.Barrier(workers + 1)
    with ThreadPoolExecutor(max_workers=workers, initializer=barrier.wait) as pool:
        futures = [pool.submit(task, item) for item in items]
        barrier.wait(timeout=60)
        return [future.result(timeout=120) for future in futures]


def status_counts(replies: list[Reply]) -> Counter:
    """(HTTP status, registration status or error code) -> number of replies."""
    counts: Counter = Counter()
    for reply in replies:
        if reply.status == 201 and isinstance(reply.body, dict):
            counts[(201, reply.body.get("status"))] += 1
        else:
            counts[(reply.status, reply.error)] += 1
    return counts


def max_in_flight(replies: list[Reply]) -> int:
    """The most requests that were open at the same moment, as the clients saw it."""
    events = []
    for reply in replies:
        events.append((reply.started, 1))
        events.append((reply.started + reply.seconds, -1))
    most = current = 0
    for _moment, step in sorted(events, key=lambda e: (e[0], e[1])):
        current += step
        most = max(most, current)
    return most


_GUNICORN_HOOKS = """\
# Written by tests/registration/live.py: e-mails go to a scratch folder, not instance/outbox.
def post_worker_init(worker):
    worker.wsgi.config["MAIL_OUTBOX"] = {outbox!r}
"""


@dataclass
class GunicornServer:
    """``gunicorn app:app`` on a free port, as in production, until ``stop``."""

    database_url: str
    scratch: Path
    workers: int = 4
    threads: int = 4
    port: int = 0
    env: dict = field(default_factory=dict)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_timeout: float = 30) -> GunicornServer:
        self.scratch.mkdir(parents=True, exist_ok=True)
        hooks = self.scratch / "gunicorn_hooks.py"
        hooks.write_text(_GUNICORN_HOOKS.format(outbox=str(self.scratch / "outbox")))
        self.port = self.port or free_port()
        env = {
            **os.environ,
            "EVENTSYS_DATABASE_URL": self.database_url,
            "EVENTSYS_SECRET_KEY": "concurrency-test-secret-key-0123456789",
            # Links in e-mails need a configured base URL (a Host header is not trusted).
            "EVENTSYS_BASE_URL": f"http://127.0.0.1:{self.port}",
            "PYTHONUNBUFFERED": "1",
            # Delivery jobs for the mails go to a scratch queue, not instance/jobs.db.
            "EVENTSYS_JOBS_DATABASE": str(self.scratch / "jobs.db"),
            **self.env,
        }
        env.pop("EVENTSYS_REDIS_URL", None)
        self.log_path = self.scratch / "gunicorn.log"
        log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop)
        self._log = log
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(self.workers),
                "-k",
                "gthread",
                "--threads",
                str(self.threads),
                "-b",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "--backlog",
                "2048",
                "-c",
                str(hooks),
                "app:app",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.wait_ready(ready_timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        """Poll until every worker could have answered: the server must say 404 for a
        conference that does not exist (any HTTP answer proves a worker is up)."""
        deadline = time.monotonic() + timeout
        answered = 0
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.log()}")
            reply = call(self.url, "GET", "/api/v1/conferences/no-such-conference", timeout=5)
            if reply.status == 404:
                answered += 1
                if answered >= self.workers * 2:
                    return
            time.sleep(0.05 if reply.status else 0.1)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-5000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if getattr(self, "_log", None) is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> GunicornServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
