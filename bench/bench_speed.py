"""Speed against the floor: eventsys and a bare Flask + SQLAlchemy Core app doing the same
database work (bench/bare_speed_app.py), side by side in one run, on PostgreSQL.

    python bench/bench_speed.py                        # everything, defaults below
    python bench/bench_speed.py --duration 10 --rounds 3
    python bench/bench_speed.py --only pages           # or: registration, import, export

What it does:

1. creates a fresh PostgreSQL database (``--database-url``, default
   ``eventsys_bench_speed``; its name must contain ``bench``; dropped at the end), migrates
   it, loads a conference with four forums and a programme of 16 sessions, and fills it with
   ``--people`` (10,000) registrations; a second, identical conference receives the bare
   app's registrations;
2. starts ``gunicorn app:app`` and ``gunicorn bench.bare_speed_app:app`` with the same
   options (``--workers`` 2, ``-k sync``) and, in each of ``--rounds`` rounds, loads each
   request first on the bare app, then on eventsys, for ``--duration`` seconds each, with
   **wrk** (``--connections`` 16): the registration API POST (a Lua script gives every
   request a new e-mail and phone), the attendee's own page ``/r/<token>`` (cycling through
   500 attendees' tokens, each visited once before: their QR codes drawn, as the worker that
   sends the confirmation mail draws them) and the public conference page (its programme
   published as release v1); prints requests/s, p50/p99 and the
   CPU milliseconds per request of the server's processes plus the PostgreSQL backends, and
   the ratio eventsys : bare (requests/s) and the CPU ratio (bare's CPU per request over
   eventsys's: the steadier figure on a busy machine);
3. imports ``--import-rows`` (10,000) rows as CSV and as XLSX with the import service (as
   ``import-registrations`` does, commit included) and, for each, the floor: the same file
   read (csv / openpyxl read-only) and one executemany INSERT of the same rows; prints
   seconds (wall and CPU) and the ratio;
4. exports the 10,000 registrations as CSV (streamed) and as XLSX through the staff pages
   (Flask test client, signed in as staff): time to the first byte, to the last, and the
   peak of Python memory (tracemalloc, in a second run). The XLSX is built in the request
   here (``EXPORT_INLINE_MAX`` raised); the application gives files of more than 5,000 rows
   to the worker, which builds them the same way.

The public rate limits are switched off for both servers (an instance config.py written for
the run): wrk sends everything from one address, and the per-conference limit (600 a minute
by default) would refuse most of it. Needs ``wrk`` (``apt-get install -y wrk``).
Not a test: it takes a few minutes and loads the machine (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import argparse
import copy
import csv
import os
import secrets
import shutil
import sys
import tempfile
import time
import tracemalloc
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_checkin  # noqa: E402  (gunicorn, wrk, CPU helpers)
import bench_import  # noqa: E402  (data and database helpers)
import bench_list  # noqa: E402  (bulk data, the staff user)

SLUG = bench_import.CONFERENCE["slug"]
BARE_SLUG = "bench-bare"
SECRET = "bench-speed-secret-key-0123456789"
BASE_URL = "https://reg.bench.example.org"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/eventsys_bench_speed"


def conference_spec(slug: str) -> dict:
    """The benchmark's conference: large categories, forums, rooms and a programme."""
    spec = copy.deepcopy(bench_import.CONFERENCE)
    spec["slug"] = slug
    spec["categories"][0]["capacity"] = 1_000_000
    spec["forums"] = [
        {"code": "ai", "name": "人工智能分论坛", "name_en": "AI Forum"},
        {"code": "energy", "name": "能源与碳中和分论坛", "name_en": "Energy Forum"},
        {"code": "health", "name": "生物医药分论坛", "name_en": "Health Forum"},
        {"code": "agri", "name": "现代农业分论坛", "name_en": "Agriculture Forum"},
    ]
    spec["rooms"] = [
        {"code": "hall-a", "name": "A厅", "capacity": 2000},
        {"code": "room-1", "name": "1号会议室", "capacity": 300},
        {"code": "room-2", "name": "2号会议室", "capacity": 300},
    ]
    sessions = []
    for i in range(16):
        day = 18 + i // 8
        hour = 9 + (i % 8)
        forum = spec["forums"][i % 4]["code"] if i % 8 else None
        sessions.append(
            {
                "code": f"s{i:02d}",
                "title": f"第{i + 1}场 · 川渝科技创新与产业协同报告会",
                "kind": "plenary" if forum is None else "talk",
                "room": "hall-a" if forum is None else f"room-{1 + i % 2}",
                "forum": forum,
                "starts_at": f"2026-12-{day}T{hour:02d}:00",
                "ends_at": f"2026-12-{day}T{hour:02d}:50",
                "capacity": None,
                "speakers": [
                    {"name": "陆为民", "affiliation": "四川大学", "role": "speaker"},
                    {"name": "陈思雨", "affiliation": "重庆大学", "role": "chair"},
                ],
            }
        )
    spec["sessions"] = sessions
    return spec


REGISTER_LUA = r"""
-- bench/bench_speed.py: every request a new person (e-mail and phone unique per run,
-- thread and request).
local run = os.getenv("BENCH_RUN")
local path = os.getenv("BENCH_PATH")
local headers = {["Content-Type"] = "application/json"}
local counter = 0
thread_number = 0
function setup(thread)
  thread:set("thread_number", counter)
  counter = counter + 1
end
local i = 0
function request()
  i = i + 1
  local n = string.format("%s%d%06d", run, thread_number, i)
  local body = '{"category":"delegate","name":"测试' .. n .. '","email":"r' .. n ..
    '@bench.example.com","phone":"13' .. n .. '","organization":"四川大学","position":"教授"}'
  return wrk.format("POST", path, headers, body)
end
"""

MANAGE_LUA = r"""
-- bench/bench_speed.py: each thread walks the attendees' tokens from its own offset.
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
local counter = 0
thread_number = 0
function setup(thread)
  thread:set("thread_number", counter)
  counter = counter + 1
end
local i = 0
function request()
  i = i + 1
  return wrk.format("GET", "/r/" .. tokens[(i * 7 + thread_number * 97) % #tokens + 1])
end
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000, help="registrations filled in")
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--worker-class", default="sync", help="gunicorn -k for both servers")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--only",
        action="append",
        choices=("registration", "pages", "import", "export"),
        help="run only these parts (repeatable)",
    )
    parser.add_argument(
        "--port", type=int, default=5185, help="eventsys listens here, the bare app on +1"
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("EVENTSYS_BENCH_SPEED_URL", DEFAULT_PG)
    )
    return parser.parse_args()


def make_app(url: str, workdir: Path, **extra):
    from eventsys import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": SECRET,
            "EVENTSYS_BASE_URL": BASE_URL,
            "MAIL_OUTBOX": str(workdir / "outbox"),
            "JOBS_DATABASE": str(workdir / "jobs.db"),
            "JOB_FILES": str(workdir / "job-files"),
            "RATELIMIT_STORAGE_URI": "memory://",
            **extra,
        }
    )


def prepare(app, people: int) -> list[str]:
    """The two conferences, ``people`` registrations; the manage tokens to load pages with."""
    from sqlalchemy import select

    from eventsys.conferences.jsonio import load_conference
    from eventsys.conferences.models import Conference
    from eventsys.extensions import db
    from eventsys.registration.models import Registration
    from eventsys.schedule.releases import publish

    bench_import.migrate_schema(app)
    with app.app_context():
        bench_import.CONFERENCE = conference_spec(SLUG)  # what bench_list.fill loads
        started = time.perf_counter()
        bench_list.fill(people)
        load_conference(conference_spec(BARE_SLUG))
        db.session.commit()
        # The public page shows the published programme only: publish it, as organizers do.
        conference = db.session.execute(
            select(Conference).where(Conference.slug == SLUG)
        ).scalar_one()
        publish(conference, "v1")
        db.session.commit()
        bench_list.staff_token()
        tokens = (
            db.session.execute(
                select(Registration.manage_token)
                .where(Registration.status.in_(("confirmed", "pending")))
                .order_by(Registration.id)
                .limit(500)
            )
            .scalars()
            .all()
        )
        print(f"setup        {people} registrations in {time.perf_counter() - started:.1f} s")
        db.session.remove()
        db.engine.dispose()
    return list(tokens)


# --- requests under gunicorn ---------------------------------------------------------------


def load_requests(args, url: str, workdir: Path, tokens: list[str], parts: set) -> list:
    instance = workdir / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("RATELIMIT_ENABLED = False\n")
    env = {
        **os.environ,
        "EVENTSYS_DATABASE_URL": url,
        "EVENTSYS_SECRET_KEY": SECRET,
        "EVENTSYS_BASE_URL": BASE_URL,
        "EVENTSYS_INSTANCE_PATH": str(instance),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("EVENTSYS_REDIS_URL", None)
    (workdir / "tokens.txt").write_text("\n".join(tokens) + "\n")
    register_lua = workdir / "register.lua"
    register_lua.write_text(REGISTER_LUA)
    manage_lua = workdir / "manage.lua"
    manage_lua.write_text(MANAGE_LUA)
    ports = iter((args.port, args.port + 1))
    bench_checkin.free_port = lambda: next(ports)
    app = bench_checkin.Gunicorn("app:app", args, env, workdir / "app.log")
    bare = bench_checkin.Gunicorn("bench.bare_speed_app:app", args, env, workdir / "bare.log")
    servers = {"eventsys": app, "bare": bare}
    targets = []
    if "registration" in parts:
        targets.append(
            ("registration (API POST)", "/api/v1/conferences/{slug}/registrations", register_lua)
        )
    if "pages" in parts:
        targets.append(("attendee page /r/<token>", "/r/", manage_lua))
        targets.append(("public page /c/<slug>/", "/c/{slug}/", None))
    run_number = 10
    results = []
    try:
        app.wait(f"/c/{SLUG}/")
        bare.wait("/ready")
        if "pages" in parts:
            # Each attendee's QR code is drawn once and kept (the worker that sends the
            # confirmation mail draws it; these registrations were filled in without mail):
            # the pages are measured as attendees find them, with their codes drawn.
            started = time.perf_counter()
            for token in tokens:
                urllib.request.urlopen(f"{app.url}/r/{token}", timeout=30).read()
            print(
                f"codes        {len(tokens)} attendees' QR codes drawn in "
                f"{time.perf_counter() - started:.1f} s (once; then kept in QR_CACHE_DIR)"
            )
        print(
            f"servers      gunicorn -w {args.workers} -k {args.worker_class} --threads "
            f"{args.threads} for both; wrk -t {args.wrk_threads} -c {args.connections}, "
            f"{args.duration} s per measurement, {args.rounds} rounds"
        )
        short = argparse.Namespace(**{**vars(args), "duration": 2})
        for round_number in range(1, args.rounds + 1):
            for label, path, script in targets:
                pair = {}
                for name in ("bare", "eventsys"):  # interleaved: bare, then eventsys
                    server = servers[name]
                    slug = BARE_SLUG if name == "bare" and script is register_lua else SLUG
                    target = server.url + path.format(slug=slug)
                    run_number += 1
                    wrk_env = {
                        **os.environ,
                        "BENCH_RUN": str(run_number),
                        "BENCH_PATH": path.format(slug=slug),
                        "BENCH_TOKENS": str(workdir / "tokens.txt"),
                    }
                    plain = workdir / "plain.lua"
                    plain.write_text("")
                    if round_number == 1:  # warm each worker up on this request
                        run_number += 1
                        bench_checkin.wrk(
                            target,
                            script or plain,
                            {**wrk_env, "BENCH_RUN": str(run_number)},
                            short,
                        )
                    before = bench_checkin.cpu_of(server, url)
                    before_app = bench_checkin.cpu_of(server)
                    result = bench_checkin.wrk(target, script or plain, wrk_env, args)
                    per_request = 1000 / result["requests"]
                    result["app_cpu_ms"] = (bench_checkin.cpu_of(server) - before_app) * per_request
                    result["cpu_ms"] = (bench_checkin.cpu_of(server, url) - before) * per_request
                    result["load"] = Path("/proc/loadavg").read_text().split()[0]
                    pair[name] = result
                ratio = pair["eventsys"]["rps"] / pair["bare"]["rps"]
                results.append((round_number, label, pair, ratio))
                for name in ("bare", "eventsys"):
                    r = pair[name]
                    print(
                        f"round {round_number}  {label:<26} {name:<8} {r['rps']:8.1f} req/s  "
                        f"p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms  "
                        f"CPU {r['cpu_ms']:5.2f} ms/req (server {r['app_cpu_ms']:5.2f})  "
                        f"non-2xx {r['non_2xx']}  "
                        f"load {r['load']}",
                        flush=True,
                    )
                print(f"round {round_number}  {label:<26} ratio eventsys : bare = {ratio:.2f}")
    finally:
        for server in servers.values():
            server.stop()
    return results


# --- import --------------------------------------------------------------------------------


def read_floor(path: Path) -> list[list]:
    """The file's rows as the floor reads them: csv, or openpyxl in read-only mode."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.reader(handle))[1:]
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        return [list(row) for row in book.active.iter_rows(min_row=2, values_only=True)]
    finally:
        book.close()


def import_floor(path: Path, conference_slug: str) -> dict:
    """Read the file and insert its rows with one executemany: no checks at all."""
    from sqlalchemy import insert, select

    from eventsys.conferences.models import Category, Conference
    from eventsys.db_types import utcnow
    from eventsys.extensions import db
    from eventsys.registration.models import Registration
    from eventsys.registration.models import new_checkin_token as new_token

    cpu = time.process_time()
    started = time.perf_counter()
    conference_id = db.session.execute(
        select(Conference.id).where(Conference.slug == conference_slug)
    ).scalar_one()
    categories = {}
    for category in db.session.execute(
        select(Category).where(Category.conference_id == conference_id)
    ).scalars():
        categories[category.code] = categories[category.name] = category.id
    now = utcnow()
    rows = [
        {
            "conference_id": conference_id,
            "category_id": categories[row[1]],
            "name": row[2],
            "email": row[4],
            "email_key": row[4].lower(),
            "phone": str(row[5]),
            "phone_key": str(row[5]),
            "organization": row[6] or "",
            "position": row[7] or "",
            "answers": {},
            "status": "confirmed",
            "source": "import",
            "manage_token": secrets.token_urlsafe(24),
            "checkin_token": new_token(),
            "created_at": now,
            "updated_at": now,
        }
        for row in read_floor(path)
    ]
    db.session.execute(insert(Registration), rows)
    db.session.commit()
    return {
        "rows": len(rows),
        "total": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
    }


def import_eventsys(path: Path, conference_slug: str) -> dict:
    from eventsys.conferences.services import get_conference
    from eventsys.extensions import db
    from eventsys.registration.imports import import_rows, read_rows

    cpu = time.process_time()
    started = time.perf_counter()
    conference = get_conference(conference_slug)
    headers, rows = read_rows(path)
    result = import_rows(conference, headers, rows, source_name=path.name)
    db.session.commit()
    return {
        "rows": result.imported,
        "total": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
    }


def bench_import_files(app, workdir: Path, rows: int) -> list:
    from eventsys.conferences.jsonio import load_conference
    from eventsys.extensions import db

    data = bench_import.generate_rows(rows)
    files = {
        "CSV": bench_import.write_csv(workdir / "参会名单.csv", data),
        "XLSX": bench_import.write_xlsx(workdir / "参会名单.xlsx", data),
    }
    results = []
    with app.app_context():
        for fmt, path in files.items():
            pair = {}
            for name, run in (("floor", import_floor), ("eventsys", import_eventsys)):
                slug = f"bench-import-{fmt.lower()}-{name}"
                load_conference(conference_spec(slug))
                db.session.commit()
                pair[name] = run(path, slug)
                db.session.remove()
            ratio = pair["eventsys"]["total"] / pair["floor"]["total"]
            cpu_ratio = pair["eventsys"]["cpu"] / pair["floor"]["cpu"]
            results.append((fmt, pair, ratio, cpu_ratio))
            for name in ("floor", "eventsys"):
                r = pair[name]
                print(
                    f"import {fmt:<4} {r['rows']} rows  {name:<8} {r['total']:6.2f} s  "
                    f"CPU {r['cpu']:6.2f} s",
                    flush=True,
                )
            print(f"import {fmt:<4} ratio eventsys : floor = {ratio:.2f} (CPU {cpu_ratio:.2f})")
    return results


# --- export --------------------------------------------------------------------------------


def fetch(client, path: str) -> dict:
    started = time.perf_counter()
    response = client.get(path, buffered=False)
    if response.status_code != 200:
        raise SystemExit(f"GET {path}: HTTP {response.status_code}")
    pieces = iter(response.response)
    size = len(next(pieces))
    first = time.perf_counter() - started
    for piece in pieces:
        size += len(piece)
    response.close()
    return {"first": first, "total": time.perf_counter() - started, "bytes": size}


def bench_exports(app) -> list:
    client = app.test_client()
    bench_list.sign_in(client)
    results = []
    for fmt in ("csv", "xlsx"):
        path = f"/manage/{SLUG}/registrations/export.{fmt}"
        fetch(client, path)  # warm
        timed = fetch(client, path)
        tracemalloc.start()
        try:
            fetch(client, path)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()
        results.append((fmt.upper(), timed, peak))
        print(
            f"export {fmt.upper():<4} first byte {timed['first']:6.3f} s  last byte "
            f"{timed['total']:6.2f} s  {timed['bytes'] / 2**20:5.1f} MiB  peak Python memory "
            f"{peak:6.1f} MiB",
            flush=True,
        )
    return results


# --- the run -------------------------------------------------------------------------------


def summary(requests: list, imports: list, exports: list) -> None:
    print()
    if requests:
        print(
            "| round | request | bare req/s | eventsys req/s | ratio | bare CPU ms/req "
            "| eventsys CPU ms/req | CPU ratio | eventsys p50 / p99 ms | load |"
        )
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for round_number, label, pair, ratio in requests:
            b, e = pair["bare"], pair["eventsys"]
            print(
                f"| {round_number} | {label} | {b['rps']:.0f} | {e['rps']:.0f} | "
                f"**{ratio:.2f}** | {b['cpu_ms']:.2f} | {e['cpu_ms']:.2f} | "
                f"{b['cpu_ms'] / e['cpu_ms']:.2f} | "
                f"{e['p50']:.0f} / {e['p99']:.0f} | {e['load']} |"
            )
    if imports:
        print()
        print("| import | floor s (CPU s) | eventsys s (CPU s) | ratio (CPU ratio) |")
        print("|---|---:|---:|---:|")
        for fmt, pair, ratio, cpu_ratio in imports:
            f, e = pair["floor"], pair["eventsys"]
            print(
                f"| {fmt}, {e['rows']} rows | {f['total']:.2f} ({f['cpu']:.2f}) | "
                f"{e['total']:.2f} ({e['cpu']:.2f}) | **{ratio:.2f}** ({cpu_ratio:.2f}) |"
            )
    if exports:
        print()
        print("| export | first byte s | last byte s | MiB | peak Python memory MiB |")
        print("|---|---:|---:|---:|---:|")
        for fmt, timed, peak in exports:
            print(
                f"| {fmt} | {timed['first']:.3f} | {timed['total']:.2f} | "
                f"{timed['bytes'] / 2**20:.1f} | {peak:.1f} |"
            )


def main() -> int:
    args = parse_args()
    parts = set(args.only or ("registration", "pages", "import", "export"))
    if {"registration", "pages"} & parts and shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    url = args.database_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    import sqlalchemy as sa

    if "bench" not in (sa.engine.make_url(url).database or ""):
        raise SystemExit("The benchmark drops its database: its name must contain 'bench'.")
    bench_import.recreate_postgres(url)
    workdir = Path(tempfile.mkdtemp(prefix="bench-speed-"))
    requests = imports = exports = []
    try:
        print(f"machine      {bench_checkin.machine()}")
        app = make_app(url, workdir, EXPORT_INLINE_MAX=10**9)
        tokens = prepare(app, args.people)
        # The exports first, while the conference holds exactly --people registrations.
        if "export" in parts:
            exports = bench_exports(app)
        if "import" in parts:
            imports = bench_import_files(app, workdir, args.import_rows)
        if {"registration", "pages"} & parts:
            requests = load_requests(args, url, workdir, tokens, parts)
        with app.app_context():
            from eventsys.extensions import db

            db.session.remove()
            db.engine.dispose()
        summary(requests, imports, exports)
    finally:
        bench_import.drop_postgres(url)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
