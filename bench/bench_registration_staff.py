"""Benchmark: what registration's staff tools cost, on SQLite and (when reachable) PostgreSQL.

- the history: registering people through the service with the history written (one more
  INSERT each) and without it (``history.record`` made a no-op), interleaved, as a ratio;
- a bulk action: approving 200 pending registrations in one request's transaction (time and
  SQL statements per registration);
- a group of 50 (``register_delegation``), with the organizers' questions answered once;
- the staff list sorted by name (a whitelisted sort) against the default order, on the
  registrations the runs above made (about 1,500 with the default repeat of 5… 3).

    python bench/bench_registration_staff.py [--repeat 5] [--no-postgres]

PostgreSQL: ``EVENTSYS_BENCH_REG_DATABASE_URL`` (default ``…/eventsys_bench_reg``, created and
dropped here; the name must contain "bench").
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/eventsys_bench_reg"


class Counter:
    def __init__(self):
        self.n = 0

    def __call__(self, *_args, **_kwargs):
        self.n += 1


def setup(uri: str, workdir: Path):
    from sqlalchemy import update

    from eventsys.conferences.models import Category
    from eventsys.extensions import db

    app = bench_import.make_app(uri, workdir)
    app.config["MAIL_DELIVERY"] = "queue"
    app.config["EVENTSYS_BASE_URL"] = "https://bench.example.com"
    bench_import.migrate_schema(app)
    with app.app_context():
        conference = bench_import.load_bench_conference()
        db.session.execute(update(Category).values(capacity=None, requires_approval=False))
        db.session.commit()
        from eventsys.registration.questions import save_question

        save_question(
            conference, {"code": "hotel", "label": "住宿", "kind": "yesno", "required": True}
        )
        db.session.commit()
    return app


def person(i: int, **extra):
    from eventsys.registration.applicants import Applicant

    return Applicant(
        category=bench_import.CONFERENCE["categories"][0]["code"],
        name=f"参会者{i}",
        email=f"p{i}@bench.example.com",
        phone=f"139{i:08d}",
        organization="四川大学",
        answers={"hotel": True},
        **extra,
    )


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def bench_history(app, repeat: int, batch: int = 200) -> dict:
    """Seconds per registration with and without the history, interleaved."""
    from eventsys.conferences.models import Conference
    from eventsys.extensions import db
    from eventsys.registration import history, services

    real = history.record
    with_history, without = [], []
    n = 0
    with app.app_context():
        conference = db.session.query(Conference).one()
        for round_ in range(repeat * 2):
            keep = round_ % 2 == 0
            history.record = real if keep else (lambda *a, **k: None)
            start = time.perf_counter()
            for _i in range(batch):
                n += 1
                services.register(conference, person(n), by_staff=True, send_mail=False)
                db.session.commit()
            (with_history if keep else without).append((time.perf_counter() - start) / batch)
        history.record = real
    a, b = statistics.median(with_history), statistics.median(without)
    return {"with_ms": a * 1000, "without_ms": b * 1000, "ratio": a / b}


def bench_bulk(app, count: int = 200) -> dict:
    from sqlalchemy import event, update

    from eventsys.conferences.models import Category, Conference
    from eventsys.extensions import db
    from eventsys.registration import services
    from eventsys.registration.models import Registration

    with app.app_context():
        conference = db.session.query(Conference).one()
        db.session.execute(update(Category).values(requires_approval=True))
        db.session.commit()
        ids = []
        for i in range(count):
            ids.append(services.register(conference, person(900_000 + i), send_mail=False).id)
        db.session.commit()
        assert (
            db.session.query(Registration).filter(Registration.id.in_(ids)).first().status
            == "pending"
        )
        counter = Counter()
        event.listen(db.engine, "before_cursor_execute", counter)
        seconds, result = timed(lambda: services.bulk_action(conference, "approve", ids))
        db.session.commit()
        event.remove(db.engine, "before_cursor_execute", counter)
        db.session.execute(update(Category).values(requires_approval=False))
        db.session.commit()
    assert len(result.changed) == count
    return {
        "seconds": seconds,
        "per_registration_ms": seconds / count * 1000,
        "statements_per_registration": counter.n / count,
    }


def bench_group(app, repeat: int, size: int = 50) -> dict:
    from sqlalchemy import event

    from eventsys.conferences.models import Conference
    from eventsys.extensions import db
    from eventsys.registration import services

    times, statements = [], []
    with app.app_context():
        conference = db.session.query(Conference).one()
        for r in range(repeat):
            members = [
                person(
                    2_000_000 + r * 1000 + i,
                )
                for i in range(size)
            ]
            for m in members:
                m.answers = {}
            request = services.DelegationRequest(
                organization="西南交通大学科技处",
                contact_name="刘老师",
                contact_email="liu@bench.example.com",
                contact_phone="028-87600000",
                category=bench_import.CONFERENCE["categories"][0]["code"],
                members=members,
                answers={"hotel": True},
            )
            counter = Counter()
            event.listen(db.engine, "before_cursor_execute", counter)
            seconds, _d = timed(
                lambda request=request: services.register_delegation(conference, request)
            )
            db.session.commit()
            event.remove(db.engine, "before_cursor_execute", counter)
            times.append(seconds)
            statements.append(counter.n)
    return {"median_s": statistics.median(times), "statements": statistics.median(statements)}


def bench_sorted_list(app, repeat: int) -> dict:
    from sqlalchemy import event, func, select

    from eventsys.conferences.models import Conference
    from eventsys.extensions import db
    from eventsys.registration import services
    from eventsys.registration.models import Registration

    out = {}
    with app.app_context():
        conference = db.session.query(Conference).one()
        total = db.session.execute(select(func.count()).select_from(Registration)).scalar_one()
        for sort in ("", "name", "-organization"):
            times = []
            counter = Counter()
            event.listen(db.engine, "before_cursor_execute", counter)
            for _r in range(repeat * 4):
                seconds, found = timed(
                    lambda sort=sort: services.registration_page(conference, 37, 50, sort=sort)
                )
                assert len(found.items) == 50
                db.session.rollback()
                times.append(seconds)
            event.remove(db.engine, "before_cursor_execute", counter)
            out[sort or "newest"] = (statistics.median(times) * 1000, counter.n / (repeat * 4))
    out["rows"] = total
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    pg = None
    if not args.no_postgres:
        os.environ.setdefault(
            "EVENTSYS_BENCH_DATABASE_URL",
            os.environ.get("EVENTSYS_BENCH_REG_DATABASE_URL", PG_DEFAULT),
        )
        pg = bench_import.postgres_url()
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        for label, make_uri in bench_import.fresh_databases(workdir, pg):
            app = setup(make_uri(), workdir)
            h = bench_history(app, args.repeat)
            bulk = bench_bulk(app)
            group = bench_group(app, args.repeat)
            listing = bench_sorted_list(app, args.repeat)
            print(f"-- {label}")
            print(
                f"register one (staff, service+commit): {h['with_ms']:.1f} ms with history, "
                f"{h['without_ms']:.1f} ms without; ratio {h['ratio']:.2f}"
            )
            print(
                f"bulk approve 200: {bulk['seconds']:.2f} s, {bulk['per_registration_ms']:.1f} ms "
                f"and {bulk['statements_per_registration']:.1f} SQL statements per registration"
            )
            print(
                f"group of 50 with questions: {group['median_s'] * 1000:.0f} ms, "
                f"{group['statements']:.0f} SQL statements"
            )
            for key in ("newest", "name", "-organization"):
                ms, statements = listing[key]
                print(
                    f"list page 37 of {listing['rows']} sorted {key}: {ms:.1f} ms, "
                    f"{statements:.0f} statements"
                )
            with app.app_context():
                from eventsys.extensions import db

                db.engine.dispose()
        if pg:
            bench_import.drop_postgres(pg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
