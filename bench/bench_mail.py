"""Benchmark: what the e-mails cost, where they cost it.

- **in the request**: building a registration's confirmation (``registration_mail``), which
  now renders an HTML part beside the text, against the text part alone (what the request
  did before); interleaved, per mail;
- **in the worker**: turning an outbox row into the MIME message it sends, with the inline QR
  code drawn at send time (``build_attachments`` + ``build_message``), against the text-only
  message of before;
- **a notice** to N confirmed attendees (default 2,000): the job that writes one outbox row
  each, in batches of 200 with the cursor: wall time and SQL statements (the statement count
  does not grow per person beyond the INSERT of their row: no N+1).

SQLite file in a temporary folder; the figures are per process on this machine.

    python bench/bench_mail.py [--mails 300] [--recipients 2000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_app(folder: Path):
    from eventsys import create_app
    from eventsys.extensions import db

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
            "MAIL_OUTBOX": str(folder / "outbox"),
            "JOBS_DATABASE": str(folder / "jobs.db"),
            "JOB_FILES": str(folder / "job-files"),
            "EVENTSYS_BASE_URL": "https://meeting.example.org",
            "MAIL_DELIVERY": "queue",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        db.create_all()
    return app


def conference_data() -> dict:
    return {
        "slug": "bench-2026",
        "title": "第五届川渝科技学术大会",
        "title_en": "5th Sichuan-Chongqing Science and Technology Academic Conference",
        "starts_on": "2026-12-18",
        "ends_on": "2026-12-19",
        "timezone": "Asia/Shanghai",
        "venue": "成都 · 天府国际会议中心",
        "categories": [{"code": "delegate", "name": "正式代表", "capacity": None}],
    }


def per_mail(fn, rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        fn()
    return (time.perf_counter() - started) / rounds * 1000


def fill(app, recipients: int):
    from sqlalchemy import insert

    from eventsys.conferences.jsonio import load_conference
    from eventsys.extensions import db
    from eventsys.registration.models import Registration, new_checkin_token

    with app.app_context():
        conference = load_conference(conference_data())
        db.session.commit()
        category = conference.categories[0]
        rows = [
            {
                "conference_id": conference.id,
                "category_id": category.id,
                "name": f"参会者{n}",
                "email": f"p{n}@example.com",
                "email_key": f"p{n}@example.com",
                "phone": f"139{n:08d}",
                "phone_key": f"139{n:08d}",
                "organization": "四川大学",
                "position": "教授",
                "status": "confirmed",
                "locale": "zh_CN" if n % 3 else "en",
                "manage_token": f"manage-token-{n:032d}",
                "checkin_token": new_checkin_token(),
                "manual_code": f"{n:08d}",
                "answers": {},
            }
            for n in range(recipients)
        ]
        db.session.execute(insert(Registration), rows)
        db.session.commit()
        return conference.id


def bench_request(app, conference_id: int, rounds: int) -> dict:
    from flask import render_template
    from flask_babel import force_locale

    from eventsys.extensions import db
    from eventsys.registration.models import Registration
    from eventsys.registration.notifications import manage_url, registration_mail

    with app.test_request_context("/"):
        person = db.session.query(Registration).filter_by(conference_id=conference_id).first()

        def text_only():  # the request's work before: the text part alone
            with force_locale("zh_CN"):
                render_template(
                    "mail/registration.txt",
                    registration=person,
                    conference=person.conference,
                    conference_title=person.conference.title,
                    event="registered",
                    manage_url=manage_url(person),
                    lead="…",
                    reason="",
                    show_qr=True,
                    offer="…",
                    ended=False,
                )

        def with_html():
            registration_mail(person, "registered")

        with_html()
        text_only()
        before, after = [], []
        for _ in range(5):  # interleaved, so both see the same machine load
            before.append(per_mail(text_only, rounds // 5))
            after.append(per_mail(with_html, rounds // 5))
        return {"before": statistics.median(before), "after": statistics.median(after)}


def bench_worker(app, conference_id: int, rounds: int) -> dict:
    from sqlalchemy.orm import Session

    from eventsys.extensions import db
    from eventsys.mail import build_attachments, build_message
    from eventsys.registration.models import Registration
    from eventsys.registration.notifications import registration_mail

    with app.test_request_context("/"):
        person = db.session.query(Registration).filter_by(conference_id=conference_id).first()
        mail = registration_mail(person, "registered")
    with app.app_context(), Session(db.engine) as session:

        def plain():
            bytes(build_message(type(mail)(mail.to, mail.subject, mail.text), "x@example.org"))

        def full():
            files = build_attachments(mail.attachments, session)
            return bytes(build_message(mail, "x@example.org", files))

        size = len(full())
        before, after = [], []
        for _ in range(5):
            before.append(per_mail(plain, rounds // 5))
            after.append(per_mail(full, rounds // 5))
        return {
            "before": statistics.median(before),
            "after": statistics.median(after),
            "bytes": size,
        }


def bench_notice(app, conference_id: int) -> dict:
    from sqlalchemy import event, func, select

    from eventsys import jobs
    from eventsys.conferences.models import Conference
    from eventsys.extensions import db
    from eventsys.mail import OutboxMail
    from eventsys.registration import notices

    with app.app_context():
        conference = db.session.get(Conference, conference_id)
        notice = notices.save_draft(
            conference,
            subject="开幕式改在 B厅",
            body="各位代表：\n\n开幕式改在 B厅 举行。\n详情：https://meeting.example.org/news",
            statuses=["confirmed"],
            category_ids=[],
        )
        run = notices.start_sending(notice, None)
        db.session.commit()
        job_id, expected = run.id, notice.recipients
        db.session.remove()
    statements = 0

    def count(*_args):
        nonlocal statements
        statements += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        started = time.perf_counter()
        notices.send_notice(db.session.get(jobs.Job, job_id))
        elapsed = time.perf_counter() - started
        event.remove(db.engine, "before_cursor_execute", count)
        written = db.session.execute(select(func.count()).select_from(OutboxMail)).scalar_one()
    return {"seconds": elapsed, "rows": written, "expected": expected, "statements": statements}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=300)
    parser.add_argument("--recipients", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder))
        conference_id = fill(app, args.recipients)
        request = bench_request(app, conference_id, args.mails)
        print(
            f"request, building one confirmation: text only {request['before']:.2f} ms, "
            f"text + HTML {request['after']:.2f} ms (median of 5 interleaved runs of "
            f"{args.mails // 5})"
        )
        worker = bench_worker(app, conference_id, args.mails)
        print(
            f"worker, one MIME message: text only {worker['before']:.2f} ms, HTML + inline QR "
            f"PNG {worker['after']:.2f} ms ({worker['bytes']:,} bytes)"
        )
        notice = bench_notice(app, conference_id)
        batches = -(-notice["expected"] // 200)
        print(
            f"notice to {notice['expected']:,} people: {notice['seconds']:.2f} s to write "
            f"{notice['rows']:,} outbox rows ({notice['seconds'] / notice['rows'] * 1000:.2f} "
            f"ms each), {notice['statements']:,} SQL statements "
            f"({notice['statements'] - notice['rows']} besides one INSERT per person, "
            f"{batches} batches)"
        )
        if notice["rows"] != notice["expected"]:
            raise SystemExit("the notice did not reach everyone")


if __name__ == "__main__":
    main()
