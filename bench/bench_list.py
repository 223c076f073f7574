"""Benchmark: the staff registrant list with 10,000 registrations, page by page and searched.

Fills a fresh database (SQLite file; PostgreSQL too when reachable, see bench_import.py) with
10,000 registrations in one bulk insert, then requests through the Flask test client, in
this process:

- the JSON API ``GET /api/v1/conferences/<slug>/registrations?per_page=50&page=N`` with a
  staff token, and
- the staff page ``GET /manage/<slug>/registrations?page=N`` signed in as staff (when the
  application has that page),

for several pages, searches (part of a name, part of a phone number, an e-mail) and status
filters. Prints the median and 95th percentile of the time per request and the number of SQL
statements each request sent (counted with a ``before_cursor_execute`` listener).

    python bench/bench_list.py [--rows 10000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402  (the data and database helpers are shared)

SLUG = bench_import.CONFERENCE["slug"]
STAFF_EMAIL = "staff@bench.example.com"
STAFF_PASSWORD = "bench-staff-password"
LIST_PAGE_RULE = "/manage/<slug>/registrations"
API_PATH = f"/api/v1/conferences/{SLUG}/registrations"
PAGE_PATH = f"/manage/{SLUG}/registrations"
# Roughly how registrations of a running conference stand.
STATUS_WEIGHTS = (("confirmed", 85), ("pending", 7), ("waitlisted", 5), ("cancelled", 3))
CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def fill(count: int, seed: int = 2026) -> dict:
    """``count`` registrations in one bulk insert; returns values to search for."""
    from sqlalchemy import insert, select, update

    from eventsys.conferences.models import Category, Conference
    from eventsys.db_types import utcnow
    from eventsys.extensions import db
    from eventsys.registration.applicants import email_key
    from eventsys.registration.models import Registration
    from eventsys.registration.models import new_checkin_token as new_token

    conference = bench_import.load_bench_conference()
    categories = list(
        db.session.execute(select(Category).where(Category.conference_id == conference.id))
        .scalars()
        .all()
    )
    usable = [c for c in categories if not c.invite_only]
    rng = random.Random(seed)
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    start = utcnow() - timedelta(days=30)
    rows = []
    seats: dict[int, int] = {}
    for i in range(1, count + 1):
        person = bench_import.person(i, rng)
        category = usable[i % len(usable)]
        status = rng.choices(statuses, weights)[0]
        at = start + timedelta(seconds=i * 200)
        if status in ("confirmed", "pending"):
            seats[category.id] = seats.get(category.id, 0) + 1
        rows.append(
            {
                "conference_id": conference.id,
                "category_id": category.id,
                "name": person["name"],
                "email": person["email"],
                "email_key": email_key(person["email"]),
                "phone": person["phone"],
                "phone_key": person["phone"],
                "organization": person["organization"],
                "position": person["position"],
                "answers": {},
                "locale": "zh_CN",
                "status": status,
                "source": "web",
                "reason": "",
                "manage_token": secrets.token_urlsafe(24),
                "checkin_token": new_token(),
                "created_at": at,
                "updated_at": at,
                "consent_at": at,
                "waitlisted_at": at if status == "waitlisted" else None,
                "confirmed_at": at if status == "confirmed" else None,
                "cancelled_at": at if status == "cancelled" else None,
            }
        )
    db.session.execute(insert(Registration), rows)
    for category_id, taken in seats.items():
        db.session.execute(
            update(Category).where(Category.id == category_id).values(seats_taken=taken)
        )
    db.session.execute(
        update(Conference)
        .where(Conference.id == conference.id)
        .values(seats_taken=sum(seats.values()))
    )
    db.session.commit()
    middle = rows[count // 2]
    return {
        "name_fragment": middle["name"][:2],
        "surname": middle["name"][0],
        "phone_fragment": middle["phone"][-4:],
        "full_phone": middle["phone"],
        "email_fragment": middle["email"].split("@")[0],
        "last_page": (count + 49) // 50,
    }


def staff_token() -> str:
    from eventsys.auth import services as auth_services
    from eventsys.conferences.services import get_conference
    from eventsys.extensions import db

    conference = get_conference(SLUG)
    user = auth_services.create_user(STAFF_EMAIL, STAFF_PASSWORD, name="工作人员")
    auth_services.set_membership(conference, user, "staff")
    _row, token = auth_services.create_api_token(user, conference, "staff", label="bench")
    db.session.commit()
    return token


def sign_in(client) -> None:
    html = client.get("/login").get_data(as_text=True)
    match = CSRF_RE.search(html)
    data = {"email": STAFF_EMAIL, "password": STAFF_PASSWORD}
    if match:
        data["csrf_token"] = match.group(1) or match.group(2)
    response = client.post("/login", data=data)
    if response.status_code not in (302, 303):
        raise SystemExit(f"signing in as staff failed: HTTP {response.status_code}")


def queries(values: dict) -> list[tuple[str, str]]:
    """(label, query string) of the requests to time."""
    return [
        ("page 1", "page=1"),
        ("page 2", "page=2"),
        ("page 100", "page=100"),
        ("last page", f"page={values['last_page']}"),
        ("q=name fragment", f"q={values['name_fragment']}"),
        ("q=surname, page 2", f"q={values['surname']}&page=2"),
        ("q=phone fragment", f"q={values['phone_fragment']}"),
        ("q=full phone", f"q={values['full_phone']}"),
        ("q=e-mail fragment", f"q={values['email_fragment']}"),
        ("status=pending", "status=pending"),
        ("status=waitlisted, page 2", "status=waitlisted&page=2"),
        ("q=surname & status=confirmed", f"q={values['surname']}&status=confirmed"),
    ]


class StatementCounter:
    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args):
        self.count += 1


def time_requests(client, counter, url: str, repeat: int, headers=None) -> dict:
    client.get(url, headers=headers)  # warm up: templates compiled, caches filled
    times = []
    statements = []
    for _ in range(repeat):
        counter.count = 0
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        statements.append(counter.count)
        if response.status_code != 200:
            raise SystemExit(f"GET {url}: HTTP {response.status_code}")
    return {"times": times, "statements": statements}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def bench_database(label: str, uri: str, workdir: Path, args) -> list[tuple]:
    from eventsys.extensions import db

    app = bench_import.make_app(uri, workdir)
    bench_import.migrate_schema(app)
    with app.app_context():
        started = time.perf_counter()
        values = fill(args.rows)
        filled = time.perf_counter() - started
        token = staff_token()
        counter = StatementCounter(db.engine)
    print(f"{label}: {args.rows} registrations inserted in {filled:.2f} s", flush=True)
    has_page = any(rule.rule == LIST_PAGE_RULE for rule in app.url_map.iter_rules())
    targets = [("API", API_PATH, {"Authorization": f"Bearer {token}"}, "&per_page=50")]
    if has_page:
        targets.append(("page", PAGE_PATH, None, ""))
    else:
        print(f"  ({LIST_PAGE_RULE} is not in this application yet: API only)")
    results = []
    client = app.test_client()
    if has_page:
        sign_in(client)
    for target, path, headers, extra in targets:
        for name, query in queries(values):
            measured = time_requests(
                client, counter, f"{path}?{query}{extra}", args.repeat, headers
            )
            times = measured["times"]
            row = (
                label,
                target,
                name,
                statistics.median(times),
                percentile(times, 0.95),
                min(measured["statements"]),
                max(measured["statements"]),
            )
            results.append(row)
            print(
                f"  {target:<4} {name:<30} median {row[3]:7.1f} ms  p95 {row[4]:7.1f} ms  "
                f"SQL statements {row[5]}" + (f"-{row[6]}" if row[6] != row[5] else ""),
                flush=True,
            )
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return results


def print_table(results: list[tuple], rows: int) -> None:
    """One markdown table: a row per request, a column per database and endpoint."""
    columns = list(dict.fromkeys((r[0], r[1]) for r in results))
    cells = {(r[0], r[1], r[2]): r for r in results}
    print()
    print(f"{rows} registrations, 50 per page; median / p95 ms per request")
    print()
    print("| request | " + " | ".join(f"{db} {target}" for db, target in columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for name in dict.fromkeys(r[2] for r in results):
        shown = []
        for db, target in columns:
            row = cells.get((db, target, name))
            shown.append(f"{row[3]:.0f} / {row[4]:.0f}" if row else "")
        print(f"| {name} | " + " | ".join(shown) + " |")
    statements = []
    for db, target in columns:
        low = min(r[5] for r in results if (r[0], r[1]) == (db, target))
        high = max(r[6] for r in results if (r[0], r[1]) == (db, target))
        statements.append(str(low) if low == high else f"{low}-{high}")
    print("| SQL statements per request | " + " | ".join(statements) + " |")
    medians = []
    for db, target in columns:
        values = [r[3] for r in results if (r[0], r[1]) == (db, target)]
        medians.append(f"{statistics.median(values):.0f}")
    print("| median of the medians | " + " | ".join(medians) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per URL")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)

    pg_url = None if args.no_postgres else bench_import.postgres_url()
    results = []
    with tempfile.TemporaryDirectory(prefix="eventsys-bench-") as tmp:
        workdir = Path(tmp)
        try:
            for label, fresh in bench_import.fresh_databases(workdir, pg_url):
                results += bench_database(label, fresh(), workdir, args)
        finally:
            if pg_url:
                bench_import.drop_postgres(pg_url)
    print_table(results, args.rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
