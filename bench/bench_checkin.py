"""Check-in throughput: distinct valid codes, 32 concurrent scanners, gunicorn on PostgreSQL,
against a bare Flask JSON endpoint served the same way in the same run; and the size of the
offline code list for 20,000 attendees.

    python bench/bench_checkin.py                      # defaults below
    python bench/bench_checkin.py --duration 20 --rounds 3 --workers 2 --threads 16
    python bench/bench_checkin.py --config gthread:2x4 --config gthread:2x16 --config sync:8
    python bench/bench_checkin.py --floor      # then PostgreSQL alone, with pgbench

What it does:

1. creates a fresh PostgreSQL database (``--database``, dropped at the end; its name must
   contain ``bench``), migrates it, loads a conference with a check-in list ``main`` and
   imports ``--people`` (20,000) generated attendees, all confirmed;
2. measures the offline list a gate downloads (``GET .../checkins/offline``) for them:
   bytes as JSON and gzip-compressed (level 6, as a web server sends it);
3. starts ``gunicorn app:app`` and ``gunicorn bench.bare_app:app`` with the same options
   (``-k`` ``--worker-class``, gthread; ``--workers`` x ``--threads``, 2 x 16 as in
   docs/deploy; or each ``--config`` in turn), and in each of
   ``--rounds`` rounds loads first the bare endpoint, then the check-in endpoint, for
   ``--duration`` seconds each, with **wrk** (``apt-get install wrk``): ``--connections``
   (32) concurrent connections, each request a ``POST`` with a JSON body; for check-in, a
   code nobody has scanned yet and a fresh nonce (bench/checkin.lua hands each wrk thread
   its own share of the codes);
4. prints requests/second, p50 / p99 latency (wrk --latency), the ratio check-in / bare, and
   the answers the database recorded (every scan should be ``ok``).

Not a test: it takes a minute, loads the machine and prints figures (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402  (data and database helpers)

SLUG = bench_import.CONFERENCE["slug"]
SECRET = "bench-checkin-secret-key-0123456789"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/eventsys_bench_checkin"

LUA = r"""
-- bench/bench_checkin.py writes this script: each wrk thread posts codes from its own share
-- of the file (so no code is scanned twice) with a fresh nonce each time.
local codes = {}
for line in io.lines(os.getenv("BENCH_CODES")) do codes[#codes + 1] = line end
local threads = tonumber(os.getenv("BENCH_THREADS"))
local run = os.getenv("BENCH_RUN")
local headers = {["Content-Type"] = "application/json",
  ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")}
local counter = 0
thread_number = 0  -- global: setup() sets it in each thread's own Lua state

function setup(thread)
  thread:set("thread_number", counter)
  counter = counter + 1
end

local i = 0
function request()
  local index = (i * threads + thread_number) % #codes + 1
  i = i + 1
  local body = '{"code":"' .. codes[index] .. '","list":"main","gate":"wrk-' ..
    thread_number .. '","nonce":"' .. run .. '-' .. thread_number .. '-' .. i ..
    '","type":"entry"}'
  return wrk.format("POST", nil, headers, body)
end
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--connections", type=int, default=32, help="concurrent scanners")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--threads", type=int, default=16, help="threads per gunicorn worker (as deployed)"
    )
    parser.add_argument(
        "--worker-class", default="gthread", help="gunicorn -k for both servers (gthread, sync)"
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--database-url", default=os.environ.get("EVENTSYS_BENCH_CHECKIN_URL", DEFAULT_PG)
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        help="gunicorn options for both servers, e.g. gthread:2x16 or sync:8; repeat to "
        "compare several in one run (overrides --workers, --threads, --worker-class)",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="then measure PostgreSQL alone with pgbench: a round trip, a one-row commit, "
        "the scan function (1, 8 and 32 connections)",
    )
    parser.add_argument("--floor-seconds", type=int, default=8)
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("EVENTSYS_BENCH_PORT", 0)) or None,
        help="the application's port (the bare endpoint's is the next one); default: free ports",
    )
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """``gunicorn <target>`` with the options both endpoints share."""

    def __init__(self, target: str, args, env: dict, log: Path, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self.log = open(log, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(args.workers),
                "-k",
                args.worker_class,
                "--threads",
                str(args.threads),
                "-b",
                f"127.0.0.1:{self.port}",
                "--backlog",
                "2048",
                "--timeout",
                "60",
                target,
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                urllib.request.urlopen(self.url + path, timeout=2).read()
                return
            except OSError as error:
                if getattr(error, "code", None):  # an HTTP answer: a worker is up
                    return
                time.sleep(0.1)
        raise SystemExit(f"gunicorn did not answer:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def wrk(url: str, script: Path, env: dict, args) -> dict:
    done = subprocess.run(
        [
            "wrk",
            "-t",
            str(args.wrk_threads),
            "-c",
            str(args.connections),
            "-d",
            f"{args.duration}s",
            "--latency",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=args.duration + 60,
    )
    if done.returncode != 0:
        raise SystemExit(f"wrk failed:\n{done.stdout}\n{done.stderr}")
    out = done.stdout

    def ms(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "requests": requests,
        "p50": ms("50"),
        "p99": ms("99"),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def prepare(url: str, people: int, workdir: Path) -> tuple[str, list[str], dict]:
    """The database, the attendees, a check-in token; the codes; the offline list's size."""
    from sqlalchemy import select

    from eventsys import create_app
    from eventsys.auth import services as auth_services
    from eventsys.checkin.codes import checkin_code
    from eventsys.checkin.offline import offline_list
    from eventsys.extensions import db
    from eventsys.registration.imports import import_rows, read_rows
    from eventsys.registration.models import Registration

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": SECRET,
            "MAIL_OUTBOX": str(workdir / "outbox"),
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    bench_import.migrate_schema(app)
    with app.app_context():
        conference = bench_import.load_bench_conference()
        started = time.perf_counter()
        path = bench_import.write_csv(workdir / "people.csv", bench_import.generate_rows(people))
        headers, rows = read_rows(path)
        import_rows(conference, headers, rows, source_name=path.name)
        db.session.commit()
        print(f"{people} attendees imported in {time.perf_counter() - started:.1f} s")
        user = auth_services.create_user("gate@bench.example.com", "bench-gate-password")
        auth_services.set_membership(conference, user, "checkin")
        _row, token = auth_services.create_api_token(user, conference, "checkin")
        db.session.commit()
        tokens = (
            db.session.execute(
                select(Registration.checkin_token)
                .where(
                    Registration.conference_id == conference.id, Registration.status == "confirmed"
                )
                .order_by(Registration.id)
            )
            .scalars()
            .all()
        )
        with app.test_request_context():
            codes = [checkin_code(t).rsplit("/", 1)[1] for t in tokens]
        started = time.perf_counter()
        data = offline_list(conference, ["main"])
        built = time.perf_counter() - started
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        size = {
            "attendees": len(data["attendees"]),
            "json": len(raw),
            "gzip": len(gzip.compress(raw, 6)),
            "seconds": built,
        }
        db.session.remove()
        db.engine.dispose()
    return token, codes, size


def _process_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_of(server: Gunicorn, url: str | None = None) -> float:
    """CPU seconds used so far by the server's master and workers and, with ``url``, by the
    PostgreSQL backends connected to that database (Linux /proc)."""
    pids = [server.process.pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rpartition(")")[2].split()[1]) == server.process.pid:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    total = sum(_process_cpu(pid) for pid in pids)
    if url:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            backends = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            ).fetchall()
        total += sum(_process_cpu(pid) for (pid,) in backends)
    return total


def recorded(url: str) -> dict:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return dict(
            conn.execute("SELECT status, count(*) FROM checkins GROUP BY status").fetchall()
        )


def machine() -> str:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    load = Path("/proc/loadavg").read_text().split()[:3]
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"load average {' '.join(load)}"
    )


def parse_config(text: str, args) -> argparse.Namespace:
    """``gthread:2x16`` (worker class : workers x threads) or ``sync:8`` as gunicorn options."""
    kind, _sep, size = text.partition(":")
    workers, _x, threads = size.partition("x")
    if kind not in ("gthread", "sync") or not workers.isdigit() or not (threads or "1").isdigit():
        raise SystemExit(f"--config {text!r}: write gthread:WORKERSxTHREADS or sync:WORKERS")
    return argparse.Namespace(
        **{
            **vars(args),
            "worker_class": kind,
            "workers": int(workers),
            "threads": int(threads or 1),
        }
    )


def clear_scans(url: str) -> dict:
    """What the round recorded, then an empty scan log, so that every round scans codes
    nobody has scanned, on tables of the same size."""
    import psycopg

    answers = recorded(url)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("TRUNCATE checkins, checkin_states")
    return answers


def measure(config, url: str, token: str, workdir: Path, script: Path, env: dict) -> list:
    """Both servers with one set of gunicorn options; ``config.rounds`` interleaved rounds."""
    checkin = Gunicorn("app:app", config, env, workdir / "app.log", config.port)
    bare = Gunicorn(
        "bench.bare_app:app", config, env, workdir / "bare.log", config.port and config.port + 1
    )
    results = []
    try:
        checkin.wait(f"/api/v1/conferences/{SLUG}")
        bare.wait("/ready")
        print(
            f"setup        gunicorn {config.workers} workers x {config.threads} threads "
            f"({config.worker_class}) for both; wrk {config.wrk_threads} threads, "
            f"{config.connections} connections, {config.duration} s per measurement"
        )
        wrk_env = {
            **os.environ,
            "BENCH_CODES": str(workdir / "codes.txt"),
            "BENCH_THREADS": str(config.wrk_threads),
            "BENCH_TOKEN": token,
        }
        # Warm both up (imports, connection pools, prepared statements).
        short = argparse.Namespace(**{**vars(config), "duration": 2})
        wrk(f"{bare.url}/bare", script, {**wrk_env, "BENCH_RUN": "warm"}, short)
        checkin_url = f"{checkin.url}/api/v1/conferences/{SLUG}/checkins"
        wrk(checkin_url, script, {**wrk_env, "BENCH_RUN": "warm"}, short)
        time.sleep(0.5)
        clear_scans(url)
        for round_number in range(1, config.rounds + 1):
            load = Path("/proc/loadavg").read_text().split()[0]
            cpu_before = cpu_of(bare)
            bare_result = wrk(f"{bare.url}/bare", script, {**wrk_env, "BENCH_RUN": "bare"}, config)
            bare_result["cpu_ms"] = (cpu_of(bare) - cpu_before) / bare_result["requests"] * 1000
            cpu_before = cpu_of(checkin, url)
            checkin_result = wrk(
                checkin_url, script, {**wrk_env, "BENCH_RUN": f"r{round_number}"}, config
            )
            time.sleep(0.2)  # the last requests wrk gave up on finish
            checkin_result["cpu_ms"] = (
                (cpu_of(checkin, url) - cpu_before) / checkin_result["requests"] * 1000
            )
            checkin_result["recorded"] = clear_scans(url)
            ratio = checkin_result["rps"] / bare_result["rps"]
            results.append((bare_result, checkin_result, ratio))
            for name, result in (("bare Flask", bare_result), ("check-in", checkin_result)):
                print(
                    f"round {round_number}  {name:<10} {result['rps']:8.0f} req/s  "
                    f"p50 {result['p50']:6.1f} ms  p99 {result['p99']:6.1f} ms  "
                    f"CPU {result['cpu_ms']:.2f} ms/request  "
                    f"({result['requests']} requests, non-2xx {result['non_2xx']}"
                    + (
                        f", socket errors {result['socket_errors']}"
                        if result["socket_errors"]
                        else ""
                    )
                    + ")"
                )
            print(
                f"round {round_number}  check-in / bare = {ratio:.0%}; recorded "
                f"{checkin_result['recorded']}; load average {load} -> "
                f"{Path('/proc/loadavg').read_text().split()[0]}"
            )
    finally:
        checkin.stop()
        bare.stop()
    return results


FLOOR_SCRIPTS = {
    "SELECT 1 (a round trip)": "SELECT 1;\n",
    "INSERT one row, commit (a WAL flush)": ("INSERT INTO bench_floor (note) VALUES ('x');\n"),
    "one scan: eventsys_checkin(), commit": (
        "\\set id random(1, {people})\n"
        "SELECT eventsys_checkin({conference}, 'token', "
        "(SELECT checkin_token FROM registrations WHERE id = :id), 'main', 'pgbench', "
        "'pgbench-' || :client_id || '-' || random()::text, 'entry', false, "
        "now()::timestamp, now()::timestamp, 'x', NULL, NULL, false, 'Asia/Shanghai', "
        "'{{a,b,c,d,e,f,g,h,i,j,Admit.,l,m}}'::text[]);\n"
    ),
}


def floor(url: str, people: int, workdir: Path, clients: list[int], seconds: int) -> None:
    """What PostgreSQL alone does on this machine, with pgbench: a bare round trip, a
    one-row write with its WAL flush, and the scan function itself (random attendees), at
    the concurrency gunicorn's threads give it."""
    import psycopg

    if shutil.which("pgbench") is None:
        print("floor        skipped: pgbench not installed (apt-get install -y postgresql-client)")
        return
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, note text)")
        conference = conn.execute("SELECT min(conference_id) FROM registrations").fetchone()[0]
        low, high = conn.execute("SELECT min(id), max(id) FROM registrations").fetchone()
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    for label, text in FLOOR_SCRIPTS.items():
        script = workdir / f"floor-{len(label)}.sql"
        script.write_text(
            text.format(people=high, conference=conference).replace("random(1, ", f"random({low}, ")
        )
        for count in clients:
            done = subprocess.run(
                [
                    "pgbench", "-n", "-M", "prepared", "-h", parsed.host or "127.0.0.1",
                    "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres",
                    "-c", str(count), "-j", str(min(count, 2)), "-T", str(seconds),
                    "-f", str(script), parsed.database,
                ],
                capture_output=True, text=True, timeout=seconds + 60,
            )  # fmt: skip
            tps = re.search(r"tps = ([\d.]+)", done.stdout)
            latency = re.search(r"latency average = ([\d.]+) ms", done.stdout)
            if not tps:
                print(f"floor        {label}: pgbench failed: {done.stderr.strip()[-300:]}")
                break
            print(
                f"floor        {label:<38} {count:>3} connections: "
                f"{float(tps.group(1)):8.0f} per s, {float(latency.group(1)):6.2f} ms average"
            )
    clear_scans(url)


def main() -> int:
    args = parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    url = args.database_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    configs = [parse_config(text, args) for text in args.config] or [args]
    bench_import.recreate_postgres(url)  # refuses names without "bench" (see postgres_url)
    workdir = Path(tempfile.mkdtemp(prefix="bench-checkin-"))
    try:
        print(f"machine      {machine()}")
        token, codes, size = prepare(url, args.people, workdir)
        print(
            f"offline list {size['attendees']} attendees: {size['json'] / 1e6:.2f} MB JSON, "
            f"{size['gzip'] / 1e6:.3f} MB gzip-compressed (built in {size['seconds']:.2f} s)"
        )
        (workdir / "codes.txt").write_text("\n".join(codes) + "\n")
        script = workdir / "checkin.lua"
        script.write_text(LUA)
        env = {
            **os.environ,
            "EVENTSYS_DATABASE_URL": url,
            "EVENTSYS_SECRET_KEY": SECRET,
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("EVENTSYS_REDIS_URL", None)
        summary = []
        for config in configs:
            results = measure(config, url, token, workdir, script, env)
            label = f"{config.worker_class} {config.workers}x{config.threads}"
            summary.append((label, results))
            for _bare, checkin, _ratio in results:
                if checkin["requests"] > len(codes):
                    print("note         more scans than codes: some codes were scanned twice")
        for label, results in summary:
            best = max(results, key=lambda r: r[2])
            print(
                f"summary      {label:<14} check-in {best[1]['rps']:.0f} req/s vs bare "
                f"{best[0]['rps']:.0f} req/s = {best[2]:.0%} (best round; all rounds "
                f"{', '.join(f'{r[2]:.0%}' for r in results)}); check-in p99 "
                f"{min(r[1]['p99'] for r in results):.1f}-"
                f"{max(r[1]['p99'] for r in results):.1f} ms; CPU "
                f"{min(r[1]['cpu_ms'] for r in results):.2f}-"
                f"{max(r[1]['cpu_ms'] for r in results):.2f} ms/scan"
            )
        print(
            f"summary      offline list {size['gzip'] / 1e6:.3f} MB gzip for "
            f"{size['attendees']} attendees"
        )
        if args.floor:
            floor(url, args.people, workdir, [1, 8, 32], args.floor_seconds)
        print(f"machine now  {machine()}")
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if not args.keep:
            bench_import.drop_postgres(url)


if __name__ == "__main__":
    sys.exit(main())
