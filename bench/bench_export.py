"""Benchmark: the staff CSV export of 100,000 registrations, streamed, against building it whole.

Fills a fresh database (SQLite file; PostgreSQL too when reachable, see bench_import.py) with
100,000 registrations in one bulk insert (bench_list.py's data), then, in this process:

- **streamed**: ``GET /manage/<slug>/registrations/export.csv`` through the Flask test client,
  signed in as staff, reading the body piece by piece as a browser would: the time until the
  first piece (time to first byte, as the server gives it), until the last, and the size;
- **whole (before)**: what the page did before it streamed, the whole file built in memory
  before the first byte could leave (``exports.to_csv`` of every row).

Each is run twice: once timed, once under ``tracemalloc`` for the peak of Python memory
allocated while it ran (tracemalloc slows the run down, so its times are not used).

    python bench/bench_export.py [--rows 100000] [--no-postgres]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402  (the database helpers are shared)
import bench_list  # noqa: E402  (the data and signing in are shared)

EXPORT_PATH = f"/manage/{bench_list.SLUG}/registrations/export.csv"


def streamed(client) -> dict:
    started = time.perf_counter()
    response = client.get(EXPORT_PATH, buffered=False)
    if response.status_code != 200:
        raise SystemExit(f"GET {EXPORT_PATH}: HTTP {response.status_code}")
    pieces = iter(response.response)
    size = len(next(pieces))
    first = time.perf_counter() - started
    count = 1
    for piece in pieces:
        size += len(piece)
        count += 1
    response.close()
    return {
        "first": first,
        "total": time.perf_counter() - started,
        "bytes": size,
        "pieces": count,
        "streamed": response.is_streamed,
    }


def whole(app) -> dict:
    from eventsys.conferences.services import get_conference
    from eventsys.extensions import db
    from eventsys.registration import exports, services
    from eventsys.registration.questions import questions_of

    with app.test_request_context():
        started = time.perf_counter()
        conference = get_conference(bench_list.SLUG)
        registrations = services.all_matching_registrations(conference)
        body = exports.to_csv(
            *exports.registration_rows(conference, registrations, questions_of(conference))
        )
        elapsed = time.perf_counter() - started
        db.session.remove()
    return {"first": elapsed, "total": elapsed, "bytes": len(body), "pieces": 1}


def peak_mib(run) -> tuple[float, dict]:
    tracemalloc.start()
    try:
        result = run()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20, result


def bench_database(label: str, uri: str, workdir: Path, rows: int) -> list[tuple]:
    from eventsys.extensions import db

    app = bench_import.make_app(uri, workdir)
    bench_import.migrate_schema(app)
    with app.app_context():
        started = time.perf_counter()
        bench_list.fill(rows)
        filled = time.perf_counter() - started
        bench_list.staff_token()  # makes the staff user
        db.session.remove()
    print(f"{label}: {rows} registrations inserted in {filled:.2f} s", flush=True)
    client = app.test_client()
    bench_list.sign_in(client)
    results = []
    runs = (("streamed", lambda: streamed(client)), ("whole (before)", lambda: whole(app)))
    for name, run in runs:
        timed = run()
        peak, _again = peak_mib(run)
        results.append((label, name, timed["first"], timed["total"], peak, timed["bytes"]))
        print(
            f"  {name:<15} first byte {timed['first']:6.2f} s  last byte {timed['total']:6.2f} s"
            f"  peak Python memory {peak:7.1f} MiB  {timed['bytes'] / 2**20:.1f} MiB"
            f" in {timed['pieces']} piece(s)",
            flush=True,
        )
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)

    pg_url = None if args.no_postgres else bench_import.postgres_url()
    results = []
    with tempfile.TemporaryDirectory(prefix="eventsys-bench-") as tmp:
        workdir = Path(tmp)
        try:
            for label, fresh in bench_import.fresh_databases(workdir, pg_url):
                results += bench_database(label, fresh(), workdir, args.rows)
        finally:
            if pg_url:
                bench_import.drop_postgres(pg_url)
    print()
    print(f"CSV export of {args.rows} registrations")
    print()
    print("| database | export | first byte s | last byte s | peak Python memory MiB |")
    print("|---|---|---:|---:|---:|")
    for label, name, first, total, peak, _size in results:
        print(f"| {label} | {name} | {first:.2f} | {total:.2f} | {peak:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
