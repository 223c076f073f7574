"""Benchmark: signed projects (签约项目) — tallies over 100,000 projects, importing 10,000 rows,
and the big-screen endpoint polled by 200 screens while a staff page is used.

1. **Tally**: 100,000 projects of one conference (and 20,000 of another, so the conference
   filter matters) are inserted in bulk; then ``services.tally(conference, by)`` for each key
   (region, sector, forum, date, kind) and ``services.summary`` (every tally, the region ×
   sector table, the totals) are timed: median and p95 of 20 runs, SQL statements per call.
2. **Import**: a generated 10,000-row .xlsx and .csv with the awkward amount forms (``1,234.50``,
   ``2.8亿``, full-width digits …) imported with ``imports.import_file`` into a fresh
   conference and committed: seconds, and the tally checked against the exact sum.
3. **Screen** (PostgreSQL, gunicorn ``app:app``, 2 workers × 8 threads): 200 client threads
   each poll the screen's JSON once a second (with If-None-Match, as the page does) for 15 s,
   while the staff list page ``/manage/<slug>/signings/`` (signed in) and the tally API are
   requested one after the other; their latency is compared with the same requests without
   the screens, measured just before. Prints the poll answers per second and how many were
   304.

Databases as bench_import.py: a fresh SQLite file, and PostgreSQL at
EVENTSYS_BENCH_DATABASE_URL (created and dropped; its name must contain "bench").

    python bench/bench_signing.py [--projects 100000] [--rows 10000] [--screens 200]
"""

from __future__ import annotations

import argparse
import http.client
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402  (database helpers)

SLUG = "sign-bench"
REGIONS = (
    ["四川"] * 40 + ["重庆"] * 30 + ["川渝联合"] * 15 + ["北京", "上海", "陕西", "广东", "德国"] * 3
)
SECTORS = [
    "电子信息",
    "数字经济",
    "生物医药",
    "装备制造",
    "新材料",
    "新能源",
    "节能环保",
    "现代农业",
]
KINDS = ["cooperation", "transfer", "investment", "platform", "talent"]
STAFF_EMAIL = "staff@bench.example.com"
STAFF_PASSWORD = "bench-staff-password"


def conference_json(slug: str) -> dict:
    return {
        "slug": slug,
        "title": "签约基准测试大会",
        "starts_on": "2026-12-18",
        "ends_on": "2026-12-19",
        "timezone": "Asia/Shanghai",
        "categories": [{"code": "delegate", "name": "正式代表"}],
        "forums": [{"code": f"f{i}", "name": f"第{i}分论坛"} for i in range(1, 7)],
        "signing": {"sectors": SECTORS},
    }


def fill(conference, count: int, seed: int) -> int:
    """``count`` projects in bulk; returns their exact sum in yuan."""
    from sqlalchemy import select

    from eventsys.conferences.models import Forum
    from eventsys.db_types import utcnow
    from eventsys.extensions import db
    from eventsys.signing.models import SignedProject

    rng = random.Random(seed)
    forums = [
        None,
        *db.session.execute(select(Forum.id).where(Forum.conference_id == conference.id)).scalars(),
    ]
    now = utcnow()
    total = 0
    batch = []
    for i in range(count):
        yuan = rng.randrange(1, 500_000_000) if rng.random() > 0.05 else None
        total += yuan or 0
        batch.append(
            {
                "conference_id": conference.id,
                "key": f"k{seed}-{i}",
                "title": f"合作项目{i}",
                "party_a": f"甲方企业{i % 977}",
                "party_b": f"乙方高校{i % 89}",
                "other_parties": "",
                "region": rng.choice(REGIONS),
                "city": "",
                "sector": rng.choice(SECTORS),
                "kind": rng.choice(KINDS),
                "amount_yuan": yuan,
                "signed_on": date(2026, 12, 18) + timedelta(days=rng.randrange(2)),
                "forum_id": rng.choice(forums),
                "session_id": None,
                "status": "signed" if rng.random() > 0.03 else "intent",
                "on_site": rng.random() > 0.3,
                "notes": "",
                "created_at": now,
                "updated_at": now,
            }
        )
        if len(batch) == 5000:
            db.session.execute(SignedProject.__table__.insert(), batch)
            batch = []
    if batch:
        db.session.execute(SignedProject.__table__.insert(), batch)
    db.session.commit()
    return total


class Counter:
    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.count += 1


def timed(function, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def bench_tally(label: str, uri: str, workdir: Path, projects: int) -> dict:
    from eventsys.conferences.jsonio import load_conference
    from eventsys.extensions import db
    from eventsys.signing import services

    app = bench_import.make_app(uri, workdir)
    bench_import.migrate_schema(app)
    with app.app_context():
        conference = load_conference(conference_json(SLUG))
        other = load_conference(conference_json(SLUG + "-other"))
        db.session.commit()
        started = time.perf_counter()
        expected = fill(conference, projects, 1)
        fill(other, projects // 5, 2)
        if uri.startswith("postgresql"):
            autocommit = db.engine.execution_options(isolation_level="AUTOCOMMIT")
            with autocommit.connect() as connection:
                connection.exec_driver_sql("VACUUM ANALYZE signed_projects")
        else:
            with db.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
        print(
            f"  {label}: {projects:,} + {projects // 5:,} projects inserted in "
            f"{time.perf_counter() - started:.1f} s"
        )
        counter = Counter(db.engine)
        results = {}
        for by in ("region", "sector", "forum", "date", "kind"):
            services.tally(conference, by)  # warm
            before = counter.count
            services.tally(conference, by)
            statements = counter.count - before
            median, p95 = timed(lambda by=by: services.tally(conference, by), 20)
            results[by] = (median, p95, statements)
            print(
                f"  {label}: tally by {by:<7} median {median:7.1f} ms  p95 {p95:7.1f} ms  "
                f"({statements} statements)"
            )
        signed_total = services.tally(conference, "region", status=None)
        assert Decimal(signed_total["total_wan"]) * 10_000 == expected, "tally is not the exact sum"
        before = counter.count
        services.summary(conference)
        statements = counter.count - before
        median, p95 = timed(lambda: services.summary(conference), 5)
        for name, part in (
            ("totals", lambda: services.totals(conference.id)),
            ("cross table", lambda: services.cross_table(conference)),
        ):
            part_median, _p95 = timed(part, 5)
            print(f"  {label}: {name} median {part_median:7.1f} ms")
        print(
            f"  {label}: summary (5 tallies, cross table, totals) median {median:7.1f} ms  "
            f"p95 {p95:7.1f} ms  ({statements} statements)"
        )
        db.session.remove()
        db.engine.dispose()
    return results


AWKWARD = ["{}", "{:,}", "{}万元", "{:.4f}", "{} 万"]


def generate_rows(count: int, seed: int = 7) -> tuple[list[list], Decimal]:
    rng = random.Random(seed)
    rows = []
    total = Decimal(0)
    full_width = str.maketrans("0123456789", "０１２３４５６７８９")
    for i in range(count):
        wan = Decimal(rng.randrange(1, 10_000_000)) / 100
        kind = i % 7
        if kind == 5:
            yi = Decimal(rng.randrange(1, 500)) / 100
            text, wan = f"{yi}亿", yi * 10_000
        elif kind == 6:
            text = f"{wan}".translate(full_width)
        else:
            text = AWKWARD[kind].format(wan)
        total += wan
        rows.append(
            [
                f"导入项目{i}",
                f"甲方企业{i}",
                f"乙方高校{i % 97}",
                rng.choice(REGIONS),
                rng.choice(SECTORS),
                text,
                f"f{rng.randrange(1, 7)}" if rng.random() > 0.2 else "",
                "2026-12-18" if i % 2 else "2026/12/19",
            ]
        )
    return rows, total


HEADER = ["项目名称", "甲方", "乙方", "地区", "行业", "金额（万元）", "分论坛", "签约日期"]


def bench_import_rows(label: str, uri: str, workdir: Path, rows: list, total: Decimal) -> None:
    import csv

    from openpyxl import Workbook

    from eventsys.conferences.jsonio import load_conference
    from eventsys.extensions import db
    from eventsys.signing import imports, services

    csv_path = workdir / "signings.csv"
    with open(csv_path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    xlsx_path = workdir / "signings.xlsx"
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(xlsx_path)
    for path in (xlsx_path, csv_path):
        app = bench_import.make_app(
            uri if "sqlite" not in uri else f"sqlite:///{workdir / f'import-{path.suffix[1:]}.db'}",
            workdir,
        )
        if uri.startswith("postgresql"):
            bench_import.recreate_postgres(uri)
        bench_import.migrate_schema(app)
        with app.app_context():
            conference = load_conference(conference_json(SLUG))
            db.session.commit()
            started = time.perf_counter()
            cpu = time.process_time()
            result = imports.import_file(conference, path, services.Actor(label="bench"))
            db.session.commit()
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            tally = services.tally(conference, "sector")
            assert len(result.rows) == len(rows)
            assert Decimal(tally["total_wan"]) == total, (tally["total_wan"], total)
            print(
                f"  {label}: import of {len(rows):,} rows from {path.suffix}: {seconds:.2f} s "
                f"(CPU {cpu:.2f} s), tally = exact sum {tally['total_display']}"
            )
            db.session.remove()
            db.engine.dispose()


# --- 200 screens ------------------------------------------------------------------------------


def _session_cookie(base: str) -> str:
    """Sign in as staff through the login form; the session cookie."""
    host = base.removeprefix("http://")
    conn = http.client.HTTPConnection(host, timeout=30)
    conn.request("GET", "/login")
    response = conn.getresponse()
    html = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    from urllib.parse import urlencode

    body = urlencode({"csrf_token": token, "email": STAFF_EMAIL, "password": STAFF_PASSWORD})
    conn.request(
        "POST",
        "/login",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = conn.getresponse()
    response.read()
    return response.getheader("Set-Cookie").split(";")[0]


def _get(conn, path, headers) -> tuple[int, float]:
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status, (time.perf_counter() - started) * 1000


def bench_screens(uri: str, workdir: Path, screens: int, seconds: float) -> None:
    from eventsys.auth import services as auth_services
    from eventsys.conferences.jsonio import load_conference
    from eventsys.extensions import db
    from eventsys.signing import services
    from tests.registration.live import GunicornServer

    bench_import.recreate_postgres(uri)
    app = bench_import.make_app(uri, workdir)
    bench_import.migrate_schema(app)
    with app.app_context():
        conference = load_conference(conference_json(SLUG))
        db.session.commit()
        fill(conference, 100_000, 3)
        user = auth_services.create_user(STAFF_EMAIL, STAFF_PASSWORD, name="staff")
        auth_services.set_membership(conference, user, "staff")
        _row, api_token = auth_services.issue_api_token(user, conference, "staff")
        token = services.set_screen(conference, True).screen_token
        db.session.commit()
        autocommit = db.engine.execution_options(isolation_level="AUTOCOMMIT")
        with autocommit.connect() as connection:
            connection.exec_driver_sql("VACUUM ANALYZE signed_projects")
        db.engine.dispose()
    server = GunicornServer(database_url=uri, scratch=workdir / "gunicorn", workers=2, threads=8)
    with server:
        host = server.url.removeprefix("http://")
        cookie = _session_cookie(server.url)
        screen_path = f"/c/{SLUG}/signings/screen/{token}.json"
        staff = [
            (f"/manage/{SLUG}/signings/", {"Cookie": cookie}),
            (
                f"/api/v1/conferences/{SLUG}/signings/tally?by=region",
                {"Authorization": f"Bearer {api_token}"},
            ),
        ]

        def staff_round(rounds: int) -> dict[str, list[float]]:
            conn = http.client.HTTPConnection(host, timeout=60)
            times: dict[str, list[float]] = {path: [] for path, _h in staff}
            for _ in range(rounds):
                for path, headers in staff:
                    status, ms = _get(conn, path, headers)
                    assert status == 200, (path, status)
                    times[path].append(ms)
            conn.close()
            return times

        staff_round(3)  # warm
        quiet = staff_round(15)
        stop = threading.Event()
        answers = {"200": 0, "304": 0, "other": 0}
        lock = threading.Lock()
        poll_ms: list[float] = []

        def screen_client(index: int) -> None:
            conn = http.client.HTTPConnection(host, timeout=60)
            etag = ""
            time.sleep(index / screens)  # screens were opened at different moments
            while not stop.is_set():
                began = time.perf_counter()
                headers = {"If-None-Match": etag} if etag else {}
                try:
                    conn.request("GET", screen_path, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    etag = response.getheader("ETag") or etag
                    key = str(response.status) if response.status in (200, 304) else "other"
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection(host, timeout=60)
                    key = "other"
                spent = time.perf_counter() - began
                with lock:
                    answers[key] += 1
                    poll_ms.append(spent * 1000)
                stop.wait(max(0.0, 1.0 - spent))
            conn.close()

        threads = [
            threading.Thread(target=screen_client, args=(i,), daemon=True) for i in range(screens)
        ]
        for thread in threads:
            thread.start()
        time.sleep(2)
        started = time.perf_counter()
        busy = staff_round(15)
        # a new project shows on the screens within the cache time
        with app.app_context():
            from eventsys.conferences.models import Conference

            conference = db.session.execute(
                db.select(Conference).where(Conference.slug == SLUG)
            ).scalar_one()
            services.create_project(
                conference,
                {
                    "title": "新签约项目",
                    "party_a": "甲",
                    "party_b": "乙",
                    "amount_wan": "1",
                    "signed_on": "2026-12-18",
                },
                services.Actor(label="bench"),
            )
            db.session.commit()
            db.engine.dispose()
        time.sleep(max(0.0, seconds - (time.perf_counter() - started)))
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
        elapsed = time.perf_counter() - started + 2
        polls = sum(answers.values())
        print(
            f"  {screens} screens polling once a second for {elapsed:.0f} s: "
            f"{polls / elapsed:.0f} answers/s, {answers['304']} × 304, {answers['200']} × 200, "
            f"{answers['other']} failed; poll median {statistics.median(poll_ms):.1f} ms, "
            f"p95 {sorted(poll_ms)[int(len(poll_ms) * 0.95)]:.1f} ms"
        )
        for path, _headers in staff:
            q, b = quiet[path], busy[path]
            print(
                f"  staff {path.split('?')[0].replace(SLUG, '<slug>')}: median "
                f"{statistics.median(q):.1f} ms alone, {statistics.median(b):.1f} ms with the "
                f"screens (slowest {sorted(q)[-1]:.1f} / {sorted(b)[-1]:.1f} ms)"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--screens", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    pg_url = None if args.no_postgres else bench_import.postgres_url()
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        print("== tally")
        bench_tally("SQLite", f"sqlite:///{workdir / 'tally.db'}", workdir, args.projects)
        if pg_url:
            bench_import.recreate_postgres(pg_url)
            bench_tally("PostgreSQL", pg_url, workdir, args.projects)
        print("== import")
        rows, total = generate_rows(args.rows)
        bench_import_rows("SQLite", "sqlite", workdir, rows, total)
        if pg_url:
            bench_import_rows("PostgreSQL", pg_url, workdir, rows, total)
        if pg_url:
            print("== big screen")
            bench_screens(pg_url, workdir, args.screens, args.seconds)
            bench_import.drop_postgres(pg_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
