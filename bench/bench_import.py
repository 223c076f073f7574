"""Benchmark: import-registrations of 10,000 rows, CSV and XLSX, on SQLite and PostgreSQL.

Each import goes into a fresh database whose schema is made by the migrations; the service is
called inside an app context as the command calls it, and the commit is timed with it.

    python bench/bench_import.py [--rows 10000] [--profile]

PostgreSQL is used when reachable at EVENTSYS_BENCH_DATABASE_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/eventsys_bench). That database is created and
DROPPED by the benchmark, so its name must contain "bench".
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/eventsys_bench"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玲鹏飞宇浩然思雨欣怡子轩梓涵晨阳"
ORGANIZATIONS = (
    "四川大学",
    "重庆大学",
    "电子科技大学",
    "西南交通大学",
    "西南大学",
    "重庆医科大学",
    "成都理工大学",
    "西南财经大学",
    "重庆邮电大学",
    "四川农业大学",
    "西南石油大学",
    "四川省科学技术协会",
    "重庆市科学技术协会",
    "中国科学院成都分院",
    "中国工程物理研究院",
    "东方电气集团有限公司",
    "重庆长安汽车股份有限公司",
    "成都京东方光电科技有限公司",
    "四川省人民医院",
    "重庆市农业科学院",
)
POSITIONS = (
    "教授",
    "副教授",
    "讲师",
    "研究员",
    "副研究员",
    "高级工程师",
    "工程师",
    "主任",
    "副院长",
    "处长",
    "博士研究生",
    "硕士研究生",
    "总经理",
    "技术总监",
    "",
)
DOMAINS = ("scu.edu.cn", "cqu.edu.cn", "uestc.edu.cn", "swjtu.edu.cn", "163.com", "qq.com")
PHONE_PREFIXES = ("138", "139", "135", "136", "150", "158", "182", "187", "130", "186", "189")
# How the category column is written: by code or by its Chinese name, as staff do.
CATEGORY_CELLS = (
    ("delegate", 50),
    ("正式代表", 15),
    ("student", 15),
    ("学生", 5),
    ("enterprise", 10),
    ("企业代表", 5),
)
HEADER = ["序号", "参会类别", "姓名", "性别", "邮箱", "手机", "单位", "职务", "备注"]

CONFERENCE = {
    "slug": "bench-2026",
    "title": "第五届川渝科技学术大会",
    "title_en": "5th Sichuan-Chongqing Science and Technology Academic Conference",
    "starts_on": "2026-12-18",
    "ends_on": "2026-12-19",
    "timezone": "Asia/Shanghai",
    "venue": "成都 · 天府国际会议中心",
    "categories": [
        {"code": "delegate", "name": "正式代表", "name_en": "Delegate", "capacity": 20000},
        {"code": "student", "name": "学生", "name_en": "Student", "capacity": 5000},
        {"code": "enterprise", "name": "企业代表", "capacity": None, "requires_approval": True},
        {"code": "guest", "name": "特邀嘉宾", "capacity": 100, "invite_only": True},
    ],
    "forums": [{"code": "ai", "name": "人工智能分论坛"}],
    "rooms": [{"code": "hall-a", "name": "A厅", "capacity": 2000}],
    "sessions": [],
    "checkin_lists": [{"code": "main", "name": "主会场入口", "session": None}],
}


# --- data ----------------------------------------------------------------------------------


def person(i: int, rng: random.Random) -> dict:
    """A plausible attendee; e-mail and phone are unique by ``i``."""
    surname = rng.choice(SURNAMES)
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    prefix = PHONE_PREFIXES[i % len(PHONE_PREFIXES)]
    return {
        "name": surname + given,
        "email": f"attendee{i:05d}@{DOMAINS[i % len(DOMAINS)]}",
        "phone": f"{prefix}{(i * 7919) % 10**8:08d}",
        "organization": rng.choice(ORGANIZATIONS),
        "position": rng.choice(POSITIONS),
        "gender": rng.choice("男女"),
    }


def generate_rows(count: int, seed: int = 2026) -> list[list]:
    """Rows in HEADER's order; the phone is an int, as Excel keeps a typed-in number."""
    rng = random.Random(seed)
    cells, weights = zip(*CATEGORY_CELLS, strict=True)
    rows = []
    for i in range(1, count + 1):
        p = person(i, rng)
        category = rng.choices(cells, weights)[0]
        rows.append(
            [
                i,
                category,
                p["name"],
                p["gender"],
                p["email"],
                int(p["phone"]),
                p["organization"],
                p["position"],
                "",
            ]
        )
    return rows


def write_csv(path: Path, rows: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("参会名单")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


# --- databases -----------------------------------------------------------------------------


def make_app(uri: str, workdir: Path):
    from eventsys import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": uri,
            "SECRET_KEY": "bench-secret-key",
            "MAIL_OUTBOX": str(workdir / "outbox"),
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )


def migrate_schema(app) -> None:
    """What `flask db upgrade` does, quietly."""
    from flask_migrate import upgrade

    logging.disable(logging.INFO)  # alembic's env.py configures its own INFO logging
    try:
        with app.app_context():
            upgrade()
    finally:
        logging.disable(logging.NOTSET)


def load_bench_conference():
    from eventsys.conferences.jsonio import load_conference
    from eventsys.extensions import db

    conference = load_conference(CONFERENCE)
    db.session.commit()
    return conference


def postgres_url() -> str | None:
    """The benchmark's PostgreSQL URL when the server answers, else None."""
    url = os.environ.get("EVENTSYS_BENCH_DATABASE_URL") or DEFAULT_PG_URL
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    import sqlalchemy as sa

    name = sa.engine.make_url(url).database or ""
    if "bench" not in name:
        print(
            f"PostgreSQL skipped: the benchmark drops its database, and {name!r} does not "
            "have 'bench' in its name.",
            file=sys.stderr,
        )
        return None
    try:
        engine = _server_engine(url)
        with engine.connect():
            pass
        engine.dispose()
    except Exception as error:  # noqa: BLE001 — any failure means: no PostgreSQL here
        print(f"PostgreSQL skipped: {str(error).splitlines()[0]}", file=sys.stderr)
        return None
    return url


def _server_engine(url: str):
    import sqlalchemy as sa

    server = sa.engine.make_url(url).set(database="postgres")
    return sa.create_engine(
        server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )


def recreate_postgres(url: str) -> None:
    import sqlalchemy as sa

    name = sa.engine.make_url(url).database
    engine = _server_engine(url)
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def drop_postgres(url: str) -> None:
    import sqlalchemy as sa

    name = sa.engine.make_url(url).database
    engine = _server_engine(url)
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def fresh_databases(workdir: Path, pg_url: str | None):
    """(label, uri, cleanup) for a fresh SQLite file and, if reachable, PostgreSQL."""
    counter = 0

    def sqlite():
        nonlocal counter
        counter += 1
        return f"sqlite:///{workdir / f'bench-{counter}.db'}"

    targets = [("SQLite", sqlite)]
    if pg_url:

        def postgres():
            recreate_postgres(pg_url)
            return pg_url

        targets.append(("PostgreSQL", postgres))
    return targets


# --- the benchmark -------------------------------------------------------------------------


def import_once(uri: str, path: Path, workdir: Path, profile: bool = False) -> dict:
    from sqlalchemy import event

    from eventsys.extensions import db
    from eventsys.registration.imports import import_rows, read_rows

    app = make_app(uri, workdir)
    migrate_schema(app)
    with app.app_context():
        conference = load_bench_conference()
        statements = []
        event.listen(
            db.engine,
            "before_cursor_execute",
            lambda _c, _cur, sql, _p, _ctx, many: statements.append((sql, many)),
        )
        profiler = None
        if profile:
            from pyinstrument import Profiler

            profiler = Profiler()
            profiler.start()
        cpu_started = time.process_time()
        started = time.perf_counter()
        headers, rows = read_rows(path)
        read = time.perf_counter()
        result = import_rows(conference, headers, rows, source_name=path.name)
        imported = time.perf_counter()
        db.session.commit()
        done = time.perf_counter()
        cpu = time.process_time() - cpu_started
        sent = len(statements)
        if profiler is not None:
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        count = db.session.execute(
            db.select(db.func.count()).select_from(db.metadata.tables["registrations"])
        ).scalar_one()
        assert count == result.imported == len(rows), (count, result.imported, len(rows))
        db.session.remove()
        db.engine.dispose()
    return {
        "rows": result.imported,
        "read": read - started,
        "check_and_insert": imported - read,
        "commit": done - imported,
        "total": done - started,
        "cpu": cpu,
        "statements": sent,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)

    pg_url = None if args.no_postgres else postgres_url()
    results = []
    with tempfile.TemporaryDirectory(prefix="eventsys-bench-") as tmp:
        workdir = Path(tmp)
        rows = generate_rows(args.rows)
        files = {
            "CSV": write_csv(workdir / "参会名单.csv", rows),
            "XLSX": write_xlsx(workdir / "参会名单.xlsx", rows),
        }
        try:
            for label, fresh in fresh_databases(workdir, pg_url):
                for fmt, path in files.items():
                    figures = import_once(fresh(), path, workdir, profile=args.profile)
                    results.append((fmt, label, figures))
                    print(
                        f"import {figures['rows']} rows  {fmt:<4}  {label:<10}  "
                        f"total {figures['total']:6.2f} s  (read {figures['read']:5.2f} s, "
                        f"check+insert {figures['check_and_insert']:5.2f} s, "
                        f"commit {figures['commit']:5.2f} s; CPU {figures['cpu']:5.2f} s; "
                        f"{figures['statements']} SQL statements)",
                        flush=True,
                    )
        finally:
            if pg_url:
                drop_postgres(pg_url)
    print()
    print(
        "| file | database | rows | read s | check+insert s | commit s | total s | CPU s "
        "| SQL statements |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for fmt, label, f in results:
        print(
            f"| {fmt} | {label} | {f['rows']} | {f['read']:.2f} | {f['check_and_insert']:.2f} "
            f"| {f['commit']:.2f} | {f['total']:.2f} | {f['cpu']:.2f} | {f['statements']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
