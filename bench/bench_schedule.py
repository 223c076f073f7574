"""Benchmark: the timetable of a big meeting: 400 sessions, 1,500 people, 8 rooms, 2 days.

Fills a fresh database (SQLite file; PostgreSQL too when reachable, see bench_import.py)
through the conference JSON (as ``load-conference`` does) and publishes it, then requests
through the Flask test client, in this process:

- the public programme (all days, one day, a search), the speakers page, a session's page;
- the exports ``schedule.ics``, ``schedule.xml`` (frab), ``schedule.json``;
- the organizer's editor grid (signed in) and the conflict check
  (``GET /api/v1/conferences/<slug>/schedule/conflicts`` with a staff token);
- publishing a release after one session moved (``publish-schedule``'s service).

Prints the median and 95th percentile of the time per request, the median CPU time of this
process (what a busy machine does not inflate; PostgreSQL's own work is not in it) and the
SQL statements each request sent (a ``before_cursor_execute`` listener).

    python bench/bench_schedule.py [--sessions 400] [--people 1500] [--repeat 20]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402  (the database helpers are shared)

SLUG = "sched-bench"
CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌玉兰晓东海燕鹏飞"
ORGS = [
    "四川大学",
    "重庆大学",
    "电子科技大学",
    "西南交通大学",
    "西南大学",
    "四川省科协",
    "重庆市科协",
    "中国科学院成都分院",
    "华西医院",
    "西南医科大学",
    "成都理工大学",
    "重庆邮电大学",
    "西南石油大学",
    "四川农业大学",
    "东方电气集团",
    "长安汽车",
]
KINDS = ["forum", "forum", "forum", "talk", "panel", "keynote", "workshop", "break"]
TOPICS = ["人工智能", "生物医药", "新材料", "新能源"]
ROLES = ["speaker", "speaker", "speaker", "chair", "panelist", "guest"]


def conference_json(sessions: int, people: int, seed: int = 2026) -> dict:
    rng = random.Random(seed)
    persons = []
    seen = set()
    while len(persons) < people:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN])
        org = rng.choice(ORGS)
        if (name, org) not in seen:
            seen.add((name, org))
            persons.append((name, org))
    rooms = [
        {"code": f"room-{i}", "name": f"第{i}会议厅", "capacity": rng.choice([150, 300, 800])}
        for i in range(1, 9)
    ]
    forums = [{"code": f"forum-{i}", "name": f"第{i}分论坛"} for i in range(1, 11)]
    items = []
    # 25 sessions of 30 minutes in each room and day (08:00–20:30): 8 × 2 × 25 = 400
    slots = [
        (day, room, minute)
        for day in ("2026-12-18", "2026-12-19")
        for room in rooms
        for minute in range(8 * 60, 20 * 60 + 30, 30)
    ]
    rng.shuffle(slots)
    person_cycle = 0
    for i in range(sessions):
        day, room, minute = slots[i % len(slots)]
        start = f"{day}T{minute // 60:02d}:{minute % 60:02d}"
        end_minute = minute + 30
        end = f"{day}T{end_minute // 60:02d}:{end_minute % 60:02d}"
        speakers = []
        for _ in range(rng.randint(2, 6)):
            name, org = persons[person_cycle % len(persons)]
            person_cycle += rng.choice([1, 1, 1, 7])
            speakers.append({"name": name, "affiliation": org, "role": rng.choice(ROLES)})
        items.append(
            {
                "code": f"s{i:04d}",
                "title": f"科技创新报告{i}：{rng.choice(TOPICS)}",
                "title_en": f"Session {i}",
                "kind": rng.choice(KINDS),
                "room": room["code"],
                "forum": rng.choice(forums)["code"] if rng.random() < 0.7 else None,
                "starts_at": start,
                "ends_at": end,
                "capacity": rng.choice([None, 100, 200, 1000]),
                "description": "围绕成渝地区双城经济圈建设开展学术交流。",
                "speakers": speakers,
            }
        )
    return {
        "slug": SLUG,
        "title": "川渝科技学术大会（基准）",
        "starts_on": "2026-12-18",
        "ends_on": "2026-12-19",
        "timezone": "Asia/Shanghai",
        "categories": [],
        "forums": forums,
        "rooms": rooms,
        "sessions": items,
        "people": [{"name": n, "affiliation": o, "title": "教授"} for n, o in persons],
        "checkin_lists": [],
    }


def measure(call, repeat: int, db) -> tuple[float, float, float, int]:
    from sqlalchemy import event

    statements = []

    def count(*_args):
        statements.append(1)

    times = []
    cpu = []
    for _ in range(repeat):
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        started = time.perf_counter()
        cpu_started = time.process_time()
        try:
            answer = call()
        finally:
            elapsed = time.perf_counter() - started
            cpu.append((time.process_time() - cpu_started) * 1000)
            event.remove(db.engine, "before_cursor_execute", count)
        if getattr(answer, "status_code", 200) >= 400:
            raise SystemExit(f"request failed: {answer.status_code}")
        times.append(elapsed * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return statistics.median(times), p95, statistics.median(cpu), len(statements)


def run(label: str, uri: str, workdir: Path, args) -> None:
    from sqlalchemy import select

    from eventsys.auth import services as auth_services
    from eventsys.conferences.jsonio import load_conference
    from eventsys.extensions import db
    from eventsys.schedule import releases, services
    from eventsys.schedule.models import Person, ScheduleSession

    app = bench_import.make_app(uri, workdir)
    bench_import.migrate_schema(app)
    with app.app_context():
        started = time.perf_counter()
        conference = load_conference(conference_json(args.sessions, args.people))
        db.session.commit()
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        releases.publish(conference, "1")
        db.session.commit()
        published = time.perf_counter() - started
        user = auth_services.create_user("org@bench.example.com", "bench-organizer-pw", name="o")
        auth_services.set_membership(conference, user, "organizer")
        _row, token = auth_services.issue_api_token(user, conference, "staff")
        db.session.commit()
        some_session = (
            db.session.execute(
                select(ScheduleSession.id).where(ScheduleSession.conference_id == conference.id)
            )
            .scalars()
            .first()
        )
        people = db.session.execute(select(db.func.count()).select_from(Person)).scalar_one()
    print(
        f"-- {label}: {args.sessions} sessions, {people} people; load-conference "
        f"{loaded * 1000:.0f} ms, first publish {published * 1000:.0f} ms"
    )

    client = app.test_client()
    with app.app_context():
        page = client.get("/login").get_data(as_text=True)
        match = CSRF_RE.search(page)
        client.post(
            "/login",
            data={
                "email": "org@bench.example.com",
                "password": "bench-organizer-pw",
                "csrf_token": match.group(1) or match.group(2),
            },
        )
        public = app.test_client()
        cases = [
            ("public programme, all days", lambda: public.get(f"/c/{SLUG}/programme")),
            (
                "public programme, one day",
                lambda: public.get(f"/c/{SLUG}/programme?day=2026-12-18"),
            ),
            ("public programme, search", lambda: public.get(f"/c/{SLUG}/programme?q=人工智能")),
            ("public programme by forum", lambda: public.get(f"/c/{SLUG}/programme?view=forum")),
            ("speakers page", lambda: public.get(f"/c/{SLUG}/speakers")),
            ("a session's page", lambda: public.get(f"/c/{SLUG}/programme/{some_session}")),
            ("schedule.ics", lambda: public.get(f"/c/{SLUG}/schedule.ics")),
            ("schedule.xml (frab)", lambda: public.get(f"/c/{SLUG}/schedule.xml")),
            ("schedule.json", lambda: public.get(f"/c/{SLUG}/schedule.json")),
            ("editor grid (one day)", lambda: client.get(f"/manage/{SLUG}/schedule/")),
            (
                "conflicts API",
                lambda: public.get(
                    f"/api/v1/conferences/{SLUG}/schedule/conflicts",
                    headers={"Authorization": f"Bearer {token}"},
                ),
            ),
        ]
        print(f"{'request':<30} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>7} {'queries':>8}")
        for name, call in cases:
            median, p95, cpu, queries = measure(call, args.repeat, db)
            print(f"{name:<30} {median:>10.1f} {p95:>8.1f} {cpu:>7.1f} {queries:>8}")
        conflicts = public.get(
            f"/api/v1/conferences/{SLUG}/schedule/conflicts",
            headers={"Authorization": f"Bearer {token}"},
        ).get_json()
        print(f"(the conflict check found {len(conflicts['conflicts'])} warnings)")

        def publish_one_change():
            from eventsys.conferences.models import Conference

            row = db.session.execute(select(Conference).where(Conference.slug == SLUG))
            conference = row.scalar_one()
            session = db.session.get(ScheduleSession, some_session)
            later = session.starts_at.replace(minute=(session.starts_at.minute + 5) % 60)
            services.move_session(conference, session, later, None)
            releases.publish(conference)
            db.session.commit()

        median, p95, cpu, queries = measure(publish_one_change, max(3, args.repeat // 4), db)
        name = "move one session + publish"
        print(f"{name:<30} {median:>10.1f} {p95:>8.1f} {cpu:>7.1f} {queries:>8}")
    with app.app_context():
        db.engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=400)
    parser.add_argument("--people", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    pg_url = None if args.no_postgres else bench_import.postgres_url()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for label, make_uri in bench_import.fresh_databases(workdir, pg_url):
            run(label, make_uri(), workdir, args)
        if pg_url:
            bench_import.drop_postgres(pg_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
