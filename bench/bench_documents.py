"""Benchmark: printed documents (WeasyPrint), measured in this process on a fresh SQLite file.

- a minimal one-page WeasyPrint document with Chinese text in Noto Sans CJK SC (the floor);
- the e-ticket of an attendee with a Chinese name (``ticket_pdf``), and its share spent in
  layout and in writing the PDF (font subsetting); the ticket as a PNG picture (Pillow);
- 1,000 badges (A6 and A4 four-up): in one process as one document, and in parallel chunks
  joined with pypdf (``badges_pdf``, what the command and the job do);
- the summary report of a conference with 3,000 registrations, most of them checked in, then
  with 820 signed projects too (the signing section: tallies, charts, region × sector);
- the printed programme (``/c/<slug>/programme.pdf``) of a 400-session, 1,500-person
  timetable: the first build of a release (later requests read the kept bytes).

Warm figures are the median of ``--repeat`` runs after one unmeasured run. All figures are
wall-clock seconds: on a shared machine they grow with the load (the load average is
printed); the ratios measured in the same run are the fairer comparison.

    python bench/bench_documents.py [--badges 1000] [--attendees 3000] [--repeat 5]
                                    [--layouts a6,a4-4up] [--signings 820] [--sessions 400]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402  (the conference and the people are shared)

MINIMAL = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page { size: 105mm 148mm; margin: 10mm }
body { font-family: "Noto Sans CJK SC", sans-serif }
</style></head><body><h1>欧阳明远</h1><p>第五届川渝科技学术大会</p></body></html>"""


def timed(function, repeat: int) -> tuple[float, object]:
    """The median wall-clock seconds of ``repeat`` warm runs (after one unmeasured run)."""
    result = function()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def once(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def cpu_once(function) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds of this process, result): on a loaded machine the CPU
    seconds say what the work costs, the wall seconds what the others left of the CPUs."""
    cpu = time.process_time()
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, time.process_time() - cpu, result


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a live process, from /proc (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rendering_processes() -> list[int]:
    """The rendering processes (``eventsys.pdf``'s pool) and the server they fork from."""
    import multiprocessing.forkserver

    from eventsys import pdf

    pids = list(pdf._POOL._processes) if pdf._POOL is not None else []
    server = getattr(multiprocessing.forkserver._forkserver, "_forkserver_pid", None)
    return pids + ([server] if server else [])


def pool_cpu_once(function) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds of this process and of the rendering processes, result):
    the pool's start (the server importing WeasyPrint, the processes' first fonts) counts
    when it happens inside ``function``."""
    before = {pid: _process_cpu(pid) for pid in _rendering_processes()}
    cpu = time.process_time()
    started = time.perf_counter()
    result = function()
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    for pid in _rendering_processes():
        cpu += _process_cpu(pid) - before.get(pid, 0.0)
    return wall, cpu, result


def fill(count: int, checked_in_share: float = 0.8, seed: int = 2026) -> None:
    """``count`` registrations (85 % confirmed) in one bulk insert, and check-ins for most of
    the confirmed: at the main entrance over two mornings, some at a second list."""
    from sqlalchemy import insert, select

    from eventsys.checkin.models import CheckinList, CheckinState
    from eventsys.conferences.models import Category
    from eventsys.extensions import db
    from eventsys.registration.applicants import email_key
    from eventsys.registration.models import Registration, new_checkin_token, new_manual_code

    conference = bench_import.load_bench_conference()
    side = CheckinList(conference_id=conference.id, code="forum-ai", name="人工智能分论坛")
    db.session.add(side)
    db.session.flush()
    lists = list(
        db.session.execute(
            select(CheckinList).where(CheckinList.conference_id == conference.id)
        ).scalars()
    )
    categories = [
        c
        for c in db.session.execute(
            select(Category).where(Category.conference_id == conference.id)
        ).scalars()
        if not c.invite_only
    ]
    rng = random.Random(seed)
    now = datetime.now(UTC)
    rows = []
    codes = set()
    for i in range(1, count + 1):
        person = bench_import.person(i, rng)
        status = rng.choices(("confirmed", "pending", "cancelled"), (85, 10, 5))[0]
        code = new_manual_code()
        while code in codes:
            code = new_manual_code()
        codes.add(code)
        rows.append(
            {
                "conference_id": conference.id,
                "category_id": categories[i % len(categories)].id,
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
                "checkin_token": new_checkin_token(),
                "manual_code": code,
                "created_at": now,
                "updated_at": now,
            }
        )
    db.session.execute(insert(Registration), rows)
    confirmed = db.session.execute(
        select(Registration.id).where(
            Registration.conference_id == conference.id, Registration.status == "confirmed"
        )
    ).scalars()
    start = datetime(2026, 12, 18, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
    states = []
    for registration_id in confirmed:
        if rng.random() > checked_in_share:
            continue
        at = start + timedelta(days=rng.choice((0, 0, 1)), minutes=rng.gauss(60, 40) % 600)
        for checkin_list in lists if rng.random() < 0.3 else lists[:1]:
            states.append(
                {
                    "conference_id": conference.id,
                    "list_id": checkin_list.id,
                    "registration_id": registration_id,
                    "first_checked_in_at": at,
                    "first_gate": "东门",
                    "inside": True,
                    "last_scan_at": at,
                }
            )
    db.session.execute(insert(CheckinState), states)
    db.session.commit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--badges", type=int, default=1000)
    parser.add_argument("--attendees", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--layouts", default="a6,a4-4up", help="badge layouts to measure")
    parser.add_argument("--signings", type=int, default=820)
    parser.add_argument("--sessions", type=int, default=400)
    parser.add_argument("--people", type=int, default=1500)
    args = parser.parse_args(argv)

    from sqlalchemy import select

    from eventsys import pdf
    from eventsys.conferences.models import Conference
    from eventsys.documents import services
    from eventsys.documents.picture import ticket_png
    from eventsys.documents.report import report_pdf
    from eventsys.extensions import db
    from eventsys.registration.models import Registration

    print(f"load average: {' '.join(os.getloadavg().__str__()[1:-1].split(', '))}")
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        app = bench_import.make_app(f"sqlite:///{workdir / 'bench.db'}", workdir)
        bench_import.migrate_schema(app)
        with app.app_context(), app.test_request_context():
            fill(max(args.attendees, args.badges + args.badges // 5))
            conference = db.session.execute(
                select(Conference).where(Conference.slug == bench_import.CONFERENCE["slug"])
            ).scalar_one()
            registrations = services.badge_registrations(conference)
            ticket_holder = registrations[0]
            print(f"conference: {len(registrations)} confirmed attendees")

            print("\n== single documents (warm, median of", args.repeat, "runs)")
            minimal, _ = timed(lambda: pdf.render_pdf(MINIMAL), args.repeat)
            _wall, minimal_cpu, _ = cpu_once(lambda: pdf.render_pdf(MINIMAL))
            _wall, ticket_cpu, _ = cpu_once(lambda: services.ticket_pdf(ticket_holder))
            ticket, data = timed(lambda: services.ticket_pdf(ticket_holder), args.repeat)
            print(f"  minimal page, Noto Sans CJK    {minimal * 1000:7.1f} ms")
            print(
                f"  e-ticket ({ticket_holder.name})          {ticket * 1000:7.1f} ms"
                f"  = {ticket / minimal:.2f} x the minimal page  ({len(data) // 1024} kB)"
            )
            print(
                f"  CPU seconds of one run: minimal {minimal_cpu * 1000:.1f} ms,"
                f" e-ticket {ticket_cpu * 1000:.1f} ms"
            )
            picture, png = timed(lambda: ticket_png(ticket_holder), args.repeat)
            print(
                f"  e-ticket picture (Pillow PNG)  {picture * 1000:7.1f} ms"
                f"  ({len(png) // 1024} kB)"
            )
            # Where the ticket's time goes: HTML and CSS to layout, then the PDF (fonts).
            from flask import render_template
            from weasyprint import CSS, HTML

            html = render_template(
                "pdf/ticket.html",
                conference=conference,
                ticket=services.ticket_item(ticket_holder),
            )
            fetcher = pdf.fetcher()
            sheets = [
                CSS(string=text, base_url=pdf.BASE_URL, url_fetcher=fetcher)
                for text in (
                    pdf.stylesheet("common"),
                    pdf.stylesheet("ticket"),
                    services.badge_css(conference),
                )
            ]
            layout, document = timed(
                lambda: HTML(string=html, base_url=pdf.BASE_URL, url_fetcher=fetcher).render(
                    stylesheets=sheets
                ),
                args.repeat,
            )
            from eventsys.documents.qr import paint_qr_boxes

            writing, _ = timed(lambda: document.write_pdf(finisher=paint_qr_boxes), args.repeat)
            item, _ = timed(lambda: services.ticket_item(ticket_holder), args.repeat)
            print(
                f"    of which: data {item * 1000:.1f} ms, parse + layout "
                f"{layout * 1000:.1f} ms, write PDF (QR code, subset fonts) {writing * 1000:.1f} ms"
            )

            batch = registrations[: args.badges]
            print(
                f"\n== {len(batch)} badges (one run each; CPU: this process and the rendering ones)"
            )
            settings = services.badge_settings(conference)
            items_time, _ = once(lambda: [services.badge_item(r, settings) for r in batch])
            for layout_name in args.layouts.split(","):

                def badges(workers, layout_name=layout_name):
                    return services.badges_pdf(conference, batch, layout_name, workers=workers)

                one_doc, one_cpu, _ = cpu_once(lambda: badges(1))
                pdf.shutdown_pool()
                cold, cold_cpu, _ = pool_cpu_once(lambda: badges(2))
                warm, warm_cpu, data_par = pool_cpu_once(lambda: badges(2))
                print(
                    f"  {layout_name:<7} one process {one_doc:6.2f} s ({one_cpu:.2f} s CPU)"
                    f" | 2 processes {cold:6.2f} s with the pool's start ({cold_cpu:.2f} s CPU),"
                    f" {warm:6.2f} s warm ({warm_cpu:.2f} s CPU,"
                    f" {warm_cpu / len(batch) * 1000:.1f} ms a badge)"
                    f" | badge data {items_time:.2f} s"
                    f" | {len(data_par) // 1024} kB"
                )

            print(f"\n== summary report ({args.attendees}+ registrations)")
            report_cold, report_cpu, data = cpu_once(lambda: report_pdf(conference))
            report_warm, data = timed(lambda: report_pdf(conference), max(1, args.repeat // 2))
            print(
                f"  report PDF  {report_cold:6.2f} s first ({report_cpu:.2f} s CPU),"
                f" {report_warm:6.2f} s warm"
                f"  ({len(data) // 1024} kB)"
            )

            import bench_schedule
            import bench_signing

            from eventsys.conferences.jsonio import load_conference
            from eventsys.schedule import printed, releases
            from eventsys.schedule.published import published_programme

            bench_signing.fill(conference, args.signings, seed=2026)
            with_signings, signing_cpu, data = cpu_once(lambda: report_pdf(conference))
            print(
                f"  with {args.signings} signed projects  {with_signings:6.2f} s"
                f" ({signing_cpu:.2f} s CPU)  ({len(data) // 1024} kB)"
            )

            print(f"\n== printed programme ({args.sessions} sessions, {args.people} people)")
            timetable = load_conference(bench_schedule.conference_json(args.sessions, args.people))
            releases.publish(timetable, "1")
            db.session.commit()
            programme = published_programme(timetable)
            built, built_cpu, data = cpu_once(lambda: printed.build(timetable, programme))
            from pypdf import PdfReader

            pages = len(PdfReader(io.BytesIO(data)).pages)
            print(
                f"  programme PDF  {built:6.2f} s first build of a release"
                f" ({built_cpu:.2f} s CPU)  ({len(data) // 1024} kB, {pages} pages)"
            )
            db.session.remove()
            db.engine.dispose()
        pdf.shutdown_pool()
    _ = Registration
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
