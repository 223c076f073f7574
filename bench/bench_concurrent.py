"""Concurrent registrations against gunicorn + PostgreSQL: throughput, latency, capacity.

Creates a fresh database (dropped at the end), migrates it with ``flask db upgrade``, loads a
conference with one category of ``--capacity`` seats through ``flask load-conference``,
starts ``gunicorn app:app`` (gthread) and sends ``--requests`` registrations of distinct
people from ``--clients`` threads at once. Prints requests/second, median and p95 latency,
the answers by status, and the confirmed count against the capacity; exits 1 if the capacity
was exceeded, if fewer seats than possible were filled, or if any request failed.

    /tmp/probe-venv/bin/python bench/bench_concurrent.py
    /tmp/probe-venv/bin/python bench/bench_concurrent.py --requests 5000 --clients 128
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from tests.registration.live import (  # noqa: E402
    GunicornServer,
    call,
    fire,
    max_in_flight,
    status_counts,
)

SLUG = "bench-conc"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="registrations to send")
    parser.add_argument("--clients", type=int, default=64, help="client threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--capacity", type=int, default=2000, help="seats in the category")
    parser.add_argument(
        "--pg", default="postgresql://postgres@127.0.0.1:5432", help="server (no database)"
    )
    parser.add_argument(
        "--admin-db", default="postgres", help="database to connect to for CREATE/DROP DATABASE"
    )
    parser.add_argument("--database", default="eventsys_bench_conc")
    parser.add_argument(
        "--no-keepalive",
        action="store_true",
        help="a new TCP connection per request (default: one kept-alive connection a client)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


def admin(args, statement: sql.Composable) -> None:
    with psycopg.connect(f"{args.pg}/{args.admin_db}", autocommit=True) as conn:
        conn.execute(statement)


def flask(args, env: dict, *command: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *command],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise SystemExit(f"flask {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def conference_json(capacity: int) -> dict:
    return {
        "slug": SLUG,
        "title": "并发注册压测会议",
        "title_en": "Concurrent registration benchmark",
        "starts_on": "2026-12-18",
        "ends_on": "2026-12-19",
        "timezone": "Asia/Shanghai",
        "venue": "成都",
        "categories": [
            {
                "code": "delegate",
                "name": "正式代表",
                "capacity": capacity,
                "requires_approval": False,
                "invite_only": False,
            }
        ],
        "forums": [],
        "rooms": [],
        "sessions": [],
        "checkin_lists": [],
    }


def person(n: int) -> dict:
    return {
        "category": "delegate",
        "name": f"压测者{n}",
        "email": f"bench{n}@example.com",
        "phone": f"136{n:08d}",
        "organization": "四川大学",
        "position": "教授",
    }


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


class LockSampler(threading.Thread):
    """Samples pg_stat_activity every 20 ms while the registrations run: how many of the
    app's sessions wait for a row lock, how many hold a transaction open while Python works
    (idle in transaction) and how many run a statement. Shows where the time goes."""

    def __init__(self, url: str, database: str):
        super().__init__(daemon=True)
        self.url = url.replace("postgresql+psycopg://", "postgresql://")
        self.database = database
        self.samples: list[tuple[int, int, int]] = []
        self.done = threading.Event()

    def run(self) -> None:
        query = (
            "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'),"
            " count(*) FILTER (WHERE state = 'idle in transaction'),"
            " count(*) FILTER (WHERE state = 'active' AND wait_event_type IS DISTINCT FROM"
            " 'Lock') FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
        )
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.done.wait(0.02):
                self.samples.append(conn.execute(query, (self.database,)).fetchone())

    def stop(self) -> None:
        self.done.set()
        self.join(timeout=5)

    def summary(self) -> str:
        if not self.samples:
            return "no samples"
        waiting, idle_in_tx, active = (
            sum(column) / len(self.samples) for column in zip(*self.samples, strict=True)
        )
        return (
            f"on average {waiting:.1f} waiting for a lock, {idle_in_tx:.1f} idle in "
            f"transaction, {active:.1f} running a statement ({len(self.samples)} samples)"
        )


def _process_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(gunicorn_pid: int, url: str, database: str) -> dict[str, float]:
    """CPU time used so far by the gunicorn workers, by the PostgreSQL backends serving
    this database, and by this process (the clients). Linux only (zeros elsewhere)."""
    workers = [gunicorn_pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rpartition(")")[2].split()[1]) == gunicorn_pid:
                workers.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        backends = [
            pid
            for (pid,) in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            )
        ]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "app": sum(_process_cpu(pid) for pid in workers),
        "postgres": sum(_process_cpu(pid) for pid in backends),
        "clients": usage.ru_utime + usage.ru_stime,
    }


def run(args, url: str) -> int:
    base_env = {
        **os.environ,
        "EVENTSYS_DATABASE_URL": url,
        "EVENTSYS_SECRET_KEY": "bench-secret-key-0123456789abcdef",
        # Mail with links is only built for a configured host; without one the benchmark
        # would measure registrations that skip their mail.
        "EVENTSYS_BASE_URL": "http://127.0.0.1:8000",
        # Every registration comes from this one address: the public rate limits out of the way.
        "EVENTSYS_REGISTRATION_RATE_LIMIT": "1000000 per minute",
        "EVENTSYS_REGISTRATION_RATE_LIMIT_PER_CONFERENCE": "1000000 per minute",
    }
    base_env.pop("EVENTSYS_REDIS_URL", None)
    scratch = Path(tempfile.mkdtemp(prefix="bench-conc-"))
    try:
        started = time.perf_counter()
        flask(args, base_env, "db", "upgrade")
        conference_file = scratch / "conference.json"
        conference_file.write_text(json.dumps(conference_json(args.capacity), ensure_ascii=False))
        flask(args, base_env, "load-conference", str(conference_file))
        print(f"database migrated and conference loaded in {time.perf_counter() - started:.1f} s")

        server = GunicornServer(
            url, scratch / "gunicorn", workers=args.workers, threads=args.threads
        )
        with server:
            # Warm every worker up (imports, templates, connection pool) before timing.
            fire(
                lambda _i: call(server.url, "GET", f"/api/v1/conferences/{SLUG}"),
                list(range(args.workers * args.threads * 4)),
                args.clients,
            )

            local = threading.local()
            host = server.url.removeprefix("http://")
            path = f"/api/v1/conferences/{SLUG}/registrations"

            def register(n: int):
                connection = None
                if not args.no_keepalive:
                    connection = getattr(local, "connection", None)
                    if connection is None:
                        connection = local.connection = http.client.HTTPConnection(
                            host, timeout=120
                        )
                return call(server.url, "POST", path, person(n), connection=connection)

            sampler = LockSampler(url, args.database)
            sampler.start()
            cpu_before = cpu_seconds(server.process.pid, url, args.database)
            t0 = time.perf_counter()
            replies = fire(register, list(range(1, args.requests + 1)), args.clients)
            elapsed = time.perf_counter() - t0
            cpu_after = cpu_seconds(server.process.pid, url, args.database)
            sampler.stop()
            log_tail = server.log()

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            rows = conn.execute(
                "SELECT r.status, count(*) FROM registrations r JOIN conferences c "
                "ON c.id = r.conference_id WHERE c.slug = %s GROUP BY r.status",
                (SLUG,),
            ).fetchall()
            seats_taken, capacity = conn.execute(
                "SELECT k.seats_taken, k.capacity FROM categories k JOIN conferences c "
                "ON c.id = k.conference_id WHERE c.slug = %s",
                (SLUG,),
            ).fetchone()
            server_version = conn.execute("SHOW server_version").fetchone()[0]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    db_statuses = dict(rows)
    latencies = [r.seconds * 1000 for r in replies]
    counts = status_counts(replies)
    failed = sum(n for (status, _what), n in counts.items() if status == 0 or status >= 500)
    confirmed = db_statuses.get("confirmed", 0)
    expected = min(args.capacity, args.requests)

    print()
    print(f"machine          {machine()}, PostgreSQL {server_version}")
    print(
        f"setup            gunicorn {args.workers} workers x {args.threads} threads (gthread), "
        f"{args.clients} client threads, keep-alive {'off' if args.no_keepalive else 'on'}"
    )
    print(
        f"requests         {len(replies)} in {elapsed:.2f} s = {len(replies) / elapsed:.0f} req/s"
    )
    print(
        f"latency (ms)     median {statistics.median(latencies):.1f}, "
        f"p95 {percentile(latencies, 0.95):.1f}, p99 {percentile(latencies, 0.99):.1f}, "
        f"max {max(latencies):.1f}"
    )
    print(f"max in flight    {max_in_flight(replies)}")
    print(f"server sessions  {sampler.summary()}")
    used = {part: cpu_after[part] - cpu_before[part] for part in cpu_after}
    print(
        "CPU per request  "
        + ", ".join(f"{part} {used[part] / len(replies) * 1000:.1f} ms" for part in used)
        + f" (machine offers {os.cpu_count() * elapsed / len(replies) * 1000:.1f} ms "
        "of CPU per request at this rate; other processes took the rest)"
    )
    print("answers          " + ", ".join(f"{s} {w}: {n}" for (s, w), n in sorted(counts.items())))
    print(f"database         {dict(sorted(db_statuses.items()))}, seats_taken {seats_taken}")
    verdict = "OK" if confirmed == expected and seats_taken == confirmed else "WRONG"
    print(
        f"capacity         confirmed {confirmed} / capacity {capacity} "
        f"(<= capacity: {confirmed <= capacity}; == min(capacity, requests): "
        f"{confirmed == expected}) -> {verdict}"
    )
    if failed:
        print(f"\n{failed} requests failed; server log tail:\n{log_tail}", file=sys.stderr)
    return 0 if verdict == "OK" and not failed and confirmed <= capacity else 1


def main() -> int:
    args = parse_args()
    url = f"{args.pg.replace('postgresql://', 'postgresql+psycopg://')}/{args.database}"
    database = sql.Identifier(args.database)
    admin(args, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
    admin(args, sql.SQL("CREATE DATABASE {}").format(database))
    try:
        return run(args, url)
    finally:
        if args.keep:
            print(f"database kept: {url}")
        else:
            admin(args, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))


if __name__ == "__main__":
    sys.exit(main())
