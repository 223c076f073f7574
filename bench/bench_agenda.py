"""Benchmark: the attendee's agenda pages and the staff's headcounts on a large conference.

Builds a conference of 400 sessions (60 of them with limited seats) in 20 rooms over two days,
12 forums with limits, and 1,500 confirmed attendees who chose one or two forums and enrolled
in up to three sessions (bulk inserts), then requests through the Flask test client, in this
process, and prints the median and 95th percentile time per request and the SQL statements
each sent:

- the attendee's page ``/r/<token>`` (forums and sessions to enroll in), their agenda
  ``/r/<token>/agenda`` and its feed ``/r/<token>/agenda.ics``;
- the staff's headcounts ``/manage/<slug>/enrollment``, one session's list and its CSV, and
  ``GET /api/v1/conferences/<slug>/enrollments``;
- an enrollment and a withdrawal through the API (``POST`` / ``DELETE``);
- the change mails of a release that moves 20 sessions: written in the publishing transaction
  (1,500 attendees concerned would go to the job; measured both ways).

With PostgreSQL reachable (``EVENTSYS_BENCH_AGENDA_DATABASE_URL``, default
``postgresql+psycopg://postgres@127.0.0.1:5432/eventsys_bench_agenda``; the database is
created and dropped here) the same runs there, and 300 concurrent enrollment requests for 20
seats go to ``gunicorn app:app`` (4 workers x 4 threads): how long they take, and that exactly
20 get a seat.

    python bench/bench_agenda.py [--people 1500] [--repeat 20] [--no-postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402  (database helpers and plausible people are shared)

SLUG = "bench-agenda"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/eventsys_bench_agenda"
STAFF_EMAIL = "staff@bench-agenda.example.com"
STAFF_PASSWORD = "bench-staff-password"
ROOMS = 20
FORUMS = 12
SESSIONS = 400
LIMITED = 60


def conference_document() -> dict:
    rooms = [{"code": f"room-{n}", "name": f"{n}号会议室", "capacity": 200} for n in range(ROOMS)]
    forums = [{"code": f"forum-{n}", "name": f"第{n + 1}分论坛"} for n in range(FORUMS)]
    sessions = []
    days = [date(2026, 12, 18), date(2026, 12, 19)]
    for n in range(SESSIONS):
        day = days[n % 2]
        slot = (n // 2) // ROOMS  # 10 slots a day in each room
        room = (n // 2) % ROOMS
        start = datetime(day.year, day.month, day.day, 8, 0) + timedelta(minutes=50 * slot)
        limited = (
            n % (SESSIONS // LIMITED) == 0 and len([s for s in sessions if s["capacity"]]) < LIMITED
        )
        sessions.append(
            {
                "code": f"s{n:03d}",
                "title": f"专题报告 {n}",
                "title_en": f"Talk {n}",
                "kind": "workshop" if limited else "talk",
                "room": f"room-{room}",
                "forum": None if n < 20 else f"forum-{n % FORUMS}",
                "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
                "ends_at": (start + timedelta(minutes=45)).strftime("%Y-%m-%dT%H:%M"),
                "capacity": 40 if limited else None,
                "speakers": [],
            }
        )
    return {
        **bench_import.CONFERENCE,
        "slug": SLUG,
        "rooms": rooms,
        "forums": forums,
        "sessions": sessions,
        "checkin_lists": [],
        "forum_choice": {
            "mode": "optional",
            "max_choices": 2,
            "limits": {f"forum-{n}": 400 for n in range(FORUMS)},
        },
    }


def fill(people: int, seed: int = 2026) -> dict:
    """The conference and its attendees, choices and enrollments (bulk inserts)."""
    from sqlalchemy import insert, select, update

    from eventsys.agenda.models import ForumChoice, SessionEnrollment
    from eventsys.auth import services as auth_services
    from eventsys.conferences.jsonio import load_conference
    from eventsys.conferences.models import Category, Conference
    from eventsys.db_types import utcnow
    from eventsys.extensions import db
    from eventsys.registration.applicants import email_key
    from eventsys.registration.models import Registration, new_checkin_token, new_manual_code
    from eventsys.schedule.models import ScheduleSession

    conference = load_conference(conference_document())
    db.session.commit()
    category = (
        db.session.execute(
            select(Category).where(Category.conference_id == conference.id, ~Category.invite_only)
        )
        .scalars()
        .first()
    )
    rng = random.Random(seed)
    now = utcnow()
    rows = []
    for i in range(1, people + 1):
        person = bench_import.person(i, rng)
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
                "locale": "en" if i % 5 == 0 else "zh_CN",
                "status": "confirmed",
                "source": "import",
                "reason": "",
                "manage_token": secrets.token_urlsafe(24),
                "checkin_token": new_checkin_token(),
                "manual_code": new_manual_code(),
                "created_at": now,
                "updated_at": now,
                "confirmed_at": now,
            }
        )
    db.session.execute(insert(Registration), rows)
    db.session.execute(
        update(Category).where(Category.id == category.id).values(seats_taken=people)
    )
    db.session.execute(
        update(Conference).where(Conference.id == conference.id).values(seats_taken=people)
    )
    ids = list(
        db.session.execute(
            select(Registration.id).where(Registration.conference_id == conference.id)
        ).scalars()
    )
    forums = [f.id for f in conference.forums]
    limited = list(
        db.session.execute(
            select(ScheduleSession.id, ScheduleSession.capacity).where(
                ScheduleSession.conference_id == conference.id,
                ScheduleSession.capacity.is_not(None),
            )
        ).all()
    )
    # Most sessions full, every fifth with a few seats left (the API cycle takes one).
    seats = {sid: capacity - (5 if n % 5 == 0 else 0) for n, (sid, capacity) in enumerate(limited)}
    choices, enrollments = [], []
    for rid in ids:
        for forum in rng.sample(forums, rng.choice((1, 2))):
            choices.append(
                {
                    "conference_id": conference.id,
                    "registration_id": rid,
                    "forum_id": forum,
                    "created_at": now,
                }
            )
        for sid, _capacity in rng.sample(limited, 3):
            if seats[sid] > 0:
                seats[sid] -= 1
                enrollments.append(
                    {
                        "conference_id": conference.id,
                        "session_id": sid,
                        "registration_id": rid,
                        "created_at": now,
                    }
                )
    db.session.execute(insert(ForumChoice), choices)
    db.session.execute(insert(SessionEnrollment), enrollments)
    auth_services.create_user(STAFF_EMAIL, STAFF_PASSWORD, name="staff")
    db.session.commit()
    from eventsys.auth.models import User

    user = db.session.execute(select(User).where(User.email == STAFF_EMAIL)).scalar_one()
    auth_services.set_membership(conference, user, "staff")
    _row, token = auth_services.issue_api_token(user, conference, "staff")
    db.session.commit()
    full = [sid for sid, left in seats.items() if left == 0]
    open_ = [sid for n, (sid, _c) in enumerate(limited) if n % 5 == 0]
    codes = dict(
        db.session.execute(
            select(ScheduleSession.id, ScheduleSession.code).where(
                ScheduleSession.conference_id == conference.id
            )
        ).all()
    )
    tokens = list(
        db.session.execute(
            select(Registration.manage_token).where(Registration.conference_id == conference.id)
        ).scalars()
    )
    return {
        "token": token,
        "manage_tokens": tokens,
        "registration_ids": ids,
        "open_session": codes[open_[0]] if open_ else codes[limited[0][0]],
        "busiest_session": codes[full[0]] if full else codes[limited[0][0]],
        "choices": len(choices),
        "enrollments": len(enrollments),
    }


class Counter:
    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        self.engine = engine
        event.listen(engine, "before_cursor_execute", self._hit)

    def _hit(self, *_args):
        self.count += 1

    def close(self):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._hit)


def measure(label, call, repeat, engine) -> dict:
    call()  # warm: templates compiled, caches filled
    times, cpu, statements = [], [], []
    counter = Counter(engine)
    try:
        for _ in range(repeat):
            counter.count = 0
            started = time.perf_counter()
            cpu_started = time.process_time()
            status = call()
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            statements.append(counter.count)
            assert status < 400, f"{label}: HTTP {status}"
    finally:
        counter.close()
    times.sort()
    return {
        "label": label,
        "median": statistics.median(times),
        "p95": times[max(0, int(len(times) * 0.95) - 1)],
        "cpu": statistics.median(cpu),
        "statements": max(statements),
    }


def run_pages(app, data: dict, repeat: int) -> list[dict]:
    from eventsys.extensions import db

    client = app.test_client()
    rng = random.Random(7)
    slug = SLUG
    results = []
    with app.app_context():
        engine = db.engine
    tokens = data["manage_tokens"]

    def get(path, **kwargs):
        def call():
            response = client.get(path() if callable(path) else path, **kwargs)
            response.close()
            return response.status_code

        return call

    results.append(
        measure("attendee page /r/<token>", get(lambda: f"/r/{rng.choice(tokens)}"), repeat, engine)
    )
    results.append(
        measure(
            "agenda /r/<token>/agenda",
            get(lambda: f"/r/{rng.choice(tokens)}/agenda"),
            repeat,
            engine,
        )
    )
    results.append(
        measure(
            "feed /r/<token>/agenda.ics",
            get(lambda: f"/r/{rng.choice(tokens)}/agenda.ics"),
            repeat,
            engine,
        )
    )
    html = client.get("/login").get_data(as_text=True)
    csrf = bench_import_csrf(html)
    client.post(
        "/login", data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD, "csrf_token": csrf}
    )
    results.append(
        measure(
            "staff headcounts /manage/<slug>/enrollment",
            get(f"/manage/{slug}/enrollment"),
            repeat,
            engine,
        )
    )
    busy = data["busiest_session"]
    results.append(
        measure(
            f"staff list of a full session ({busy})",
            get(f"/manage/{slug}/enrollment/sessions/{busy}"),
            repeat,
            engine,
        )
    )
    results.append(
        measure("its CSV", get(f"/manage/{slug}/enrollment/sessions/{busy}.csv"), repeat, engine)
    )
    headers = {"Authorization": f"Bearer {data['token']}"}
    results.append(
        measure(
            "API GET /enrollments (headcounts)",
            get(f"/api/v1/conferences/{slug}/enrollments", headers=headers),
            repeat,
            engine,
        )
    )
    code = data["open_session"]
    person = data["registration_ids"][0]
    path = f"/api/v1/conferences/{slug}/sessions/{code}/enrollments"

    def cycle():
        first = client.post(path, json={"registration": person}, headers=headers)
        second = client.delete(f"{path}/{person}", headers=headers)
        return max(first.status_code, second.status_code)

    results.append(measure("API enroll + withdraw (2 requests)", cycle, repeat, engine))
    return results


def bench_import_csrf(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    return match.group(1) if match else ""


def run_change_mails(app) -> list[dict]:
    """A release that moves 20 limited sessions: who is told, how long it takes."""
    from sqlalchemy import delete, func, select

    from eventsys import signals
    from eventsys.agenda import notices
    from eventsys.conferences.models import Conference
    from eventsys.extensions import db
    from eventsys.jobs import Job
    from eventsys.mail import OutboxMail
    from eventsys.schedule.models import ScheduleSession

    results = []
    for inline in (True, False):
        with app.app_context():
            app.config["AGENDA_CHANGE_MAIL_INLINE_MAX"] = 100_000 if inline else 0
            db.session.execute(delete(OutboxMail))
            db.session.execute(delete(Job))
            db.session.commit()
            conference = db.session.execute(
                select(Conference).where(Conference.slug == SLUG)
            ).scalar_one()
            moved = (
                db.session.execute(
                    select(ScheduleSession)
                    .where(
                        ScheduleSession.conference_id == conference.id,
                        ScheduleSession.capacity.is_not(None),
                    )
                    .limit(20)
                )
                .scalars()
                .all()
            )
            changes = [
                {
                    "session_id": s.id,
                    "code": s.code,
                    "change": "moved",
                    "title": s.title,
                    "before": {"starts_at": "2026-12-18T08:00", "room": "room-0"},
                    "after": None,
                }
                for s in moved
            ]
            started = time.perf_counter()
            signals.schedule_published.send(conference, release=None, changes=changes)
            db.session.commit()
            publishing = time.perf_counter() - started
            job_seconds = None
            if not inline:
                job = db.session.execute(select(Job)).scalar_one()
                started = time.perf_counter()
                notices.write_change_mails_job(job)
                job_seconds = time.perf_counter() - started
            mails = db.session.execute(select(func.count()).select_from(OutboxMail)).scalar_one()
            results.append(
                {"inline": inline, "publishing": publishing, "job": job_seconds, "mails": mails}
            )
    return results


def run_concurrent(pg_url: str, workdir: Path, requests: int = 300, seats: int = 20) -> dict:
    """``requests`` attendees ask at once for the last ``seats`` seats, through gunicorn."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import func, select, update

    from eventsys.agenda.models import SessionEnrollment
    from eventsys.extensions import db
    from eventsys.schedule.models import ScheduleSession
    from tests.registration.live import GunicornServer, call, fire

    app = bench_import.make_app(pg_url, workdir)
    app.config["JOBS_DATABASE"] = str(workdir / "jobs.db")
    with app.app_context():
        data_token = _staff_token(app)
        session_id = db.session.execute(
            select(ScheduleSession.id).where(ScheduleSession.code == "s000")
        ).scalar_one()
        db.session.execute(
            update(ScheduleSession).where(ScheduleSession.id == session_id).values(capacity=seats)
        )
        db.session.execute(
            SessionEnrollment.__table__.delete().where(SessionEnrollment.session_id == session_id)
        )
        db.session.commit()
        people = _registration_ids(requests)
    server = GunicornServer(database_url=pg_url, scratch=workdir / "gunicorn", workers=4, threads=4)
    path = f"/api/v1/conferences/{SLUG}/sessions/s000/enrollments"
    with server:
        started = time.perf_counter()
        replies = fire(
            lambda rid: call(server.url, "POST", path, {"registration": rid}, token=data_token),
            people,
            32,
        )
        seconds = time.perf_counter() - started
    with app.app_context():
        stored = db.session.execute(
            select(func.count())
            .select_from(SessionEnrollment)
            .where(SessionEnrollment.session_id == session_id)
        ).scalar_one()
        db.engine.dispose()
    latencies = sorted(r.seconds * 1000 for r in replies)
    return {
        "requests": requests,
        "seats": seats,
        "seconds": seconds,
        "got_seat": sum(1 for r in replies if r.status == 201),
        "full": sum(1 for r in replies if r.status == 409),
        "other": sum(1 for r in replies if r.status not in (201, 409)),
        "stored": stored,
        "median_ms": statistics.median(latencies),
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1],
    }


def _staff_token(app) -> str:
    from sqlalchemy import select

    from eventsys.auth import services as auth_services
    from eventsys.auth.models import User
    from eventsys.conferences.models import Conference
    from eventsys.extensions import db

    conference = db.session.execute(select(Conference).where(Conference.slug == SLUG)).scalar_one()
    user = db.session.execute(select(User).where(User.email == STAFF_EMAIL)).scalar_one()
    _row, token = auth_services.issue_api_token(user, conference, "staff")
    db.session.commit()
    return token


def _registration_ids(count: int) -> list[int]:
    from sqlalchemy import select

    from eventsys.extensions import db
    from eventsys.registration.models import Registration

    return list(
        db.session.execute(select(Registration.id).order_by(Registration.id).limit(count)).scalars()
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)

    pg_url = None
    if not args.no_postgres:
        # Its own database (created and dropped here), never the other benchmarks' one.
        os.environ["EVENTSYS_BENCH_DATABASE_URL"] = os.environ.get(
            "EVENTSYS_BENCH_AGENDA_DATABASE_URL", DEFAULT_PG_URL
        )
        pg_url = bench_import.postgres_url()
    with tempfile.TemporaryDirectory(prefix="bench-agenda-") as tmp:
        workdir = Path(tmp)
        targets = [("SQLite", f"sqlite:///{workdir / 'agenda.db'}")]
        if pg_url:
            bench_import.recreate_postgres(pg_url)
            targets.append(("PostgreSQL", pg_url))
        try:
            for label, uri in targets:
                app = bench_import.make_app(uri, workdir)
                # Delivery jobs go to a scratch queue nobody works off: the writing is measured.
                app.config["JOBS_DATABASE"] = str(workdir / "jobs.db")
                app.config["EVENTSYS_BASE_URL"] = "https://meeting.example.org"
                bench_import.migrate_schema(app)
                with app.app_context():
                    started = time.perf_counter()
                    data = fill(args.people)
                    filled = time.perf_counter() - started
                print(
                    f"\n{label}: {SESSIONS} sessions ({LIMITED} with seats), {FORUMS} forums, "
                    f"{args.people} attendees, {data['choices']} forum choices, "
                    f"{data['enrollments']} enrollments (filled in {filled:.1f} s)"
                )
                print(f"{'request':<48} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>7} {'SQL':>5}")
                for row in run_pages(app, data, args.repeat):
                    print(
                        f"{row['label']:<48} {row['median']:>10.1f} {row['p95']:>8.1f} "
                        f"{row['cpu']:>7.1f} {row['statements']:>5}"
                    )
                for row in run_change_mails(app):
                    how = "in the publishing transaction" if row["inline"] else "by the job"
                    job = f", job {row['job']:.2f} s" if row["job"] is not None else ""
                    print(
                        f"change mails for 20 moved sessions, {how}: {row['mails']} mails; "
                        f"publishing {row['publishing']:.2f} s{job}"
                    )
                with app.app_context():
                    from eventsys.extensions import db

                    db.engine.dispose()
            if pg_url:
                row = run_concurrent(pg_url, workdir)
                print(
                    f"\nPostgreSQL + gunicorn (4 workers x 4 threads): {row['requests']} "
                    f"concurrent enrollments for {row['seats']} seats in {row['seconds']:.2f} s;"
                    f" {row['got_seat']} got a seat, {row['full']} were told it is full, "
                    f"{row['other']} other; {row['stored']} stored; latency median "
                    f"{row['median_ms']:.0f} ms, p95 {row['p95_ms']:.0f} ms"
                )
                if row["stored"] != row["seats"] or row["got_seat"] != row["seats"]:
                    print("OVERSOLD OR UNDERSOLD", file=sys.stderr)
                    return 1
        finally:
            if pg_url:
                bench_import.drop_postgres(pg_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
