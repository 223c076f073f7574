"""The summary report handed to the association's leadership after the meeting.

Made of sections that domains add through ``extend.add_report_section``: registration (by
category and status) and check-in (rate per list and day, arrivals over time) are here; the
programme and the signed projects add theirs. Each section is an HTML fragment with its
charts as inline SVG (vector in the PDF, and allowed by the pages' Content-Security-Policy:
no scripts, no style attributes). Counts come from aggregate queries; rates are exact
decimals rounded half up, never floats.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import Flask, render_template
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select

from eventsys import pdf
from eventsys.checkin.models import CheckinList, CheckinState, checkin_list_categories
from eventsys.conferences import extend
from eventsys.conferences.models import Conference
from eventsys.db_types import utcnow
from eventsys.extensions import db
from eventsys.i18n import localized
from eventsys.registration.models import Registration
from eventsys.registration.services import counts as registration_counts
from eventsys.registration.services import status_label
from eventsys.registration.statuses import STATUSES


def percent(part: int, whole: int) -> str:
    """``part`` of ``whole`` as a percentage with one decimal, rounded half up: "87.5%"."""
    if not whole:
        return "—"
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{value}%"


# --- charts ---------------------------------------------------------------------------------

CHART_FONT = "Noto Sans CJK SC, sans-serif"
PALETTE = ("#1f5fa8", "#d9822b", "#2e8b57", "#b03a48", "#6a4c93", "#3c8dad", "#8a6d3b")


def _svg(width: int, height: int, body: list[str], label: str) -> Markup:
    return Markup(
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" role="img" aria-label="{Markup.escape(label)}"'
        f' font-family="{CHART_FONT}" font-size="11">' + "".join(body) + "</svg>"
    )


def bar_chart(rows: list[tuple[str, int]], label: str, width: int = 520) -> Markup:
    """Horizontal bars, one per (label, value), the value written beside its bar."""
    if not rows:
        return Markup("")
    label_width, bar_height, gap = 150, 16, 6
    height = len(rows) * (bar_height + gap) + gap
    largest = max(value for _label, value in rows) or 1
    room = width - label_width - 50
    body = []
    for index, (name, value) in enumerate(rows):
        y = gap + index * (bar_height + gap)
        length = round(room * value / largest, 1)
        short = name if len(name) <= 14 else name[:13] + "…"
        body.append(
            f'<text x="{label_width - 6}" y="{y + 12}" text-anchor="end">'
            f"{Markup.escape(short)}</text>"
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}"'
            f' fill="{PALETTE[index % len(PALETTE)]}"/>'
            f'<text x="{label_width + length + 4}" y="{y + 12}">{value}</text>'
        )
    return _svg(width, height, body, label)


def column_chart(rows: list[tuple[str, int]], label: str, width: int = 520) -> Markup:
    """Columns over time (arrivals per hour): every label under its column when they fit,
    else every n-th."""
    if not rows:
        return Markup("")
    height, bottom, top, left = 190, 34, 14, 30
    largest = max(value for _label, value in rows) or 1
    step = (width - left - 6) / len(rows)
    every = max(1, round(len(rows) / 12))
    body = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}"'
        ' stroke="#999" stroke-width="0.5"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{largest}</text>',
    ]
    for index, (name, value) in enumerate(rows):
        bar = (height - bottom - top) * value / largest
        x = left + index * step
        body.append(
            f'<rect x="{x + step * 0.1:.1f}" y="{height - bottom - bar:.1f}"'
            f' width="{step * 0.8:.1f}" height="{bar:.1f}" fill="{PALETTE[0]}"/>'
        )
        if index % every == 0:
            body.append(
                f'<text x="{x + step / 2:.1f}" y="{height - bottom + 13}" text-anchor="middle"'
                f' font-size="9">{Markup.escape(name)}</text>'
            )
    return _svg(width, height, body, label)


# --- registration ---------------------------------------------------------------------------


def registration_data(conference: Conference) -> dict:
    """Registrations by category and status, with totals, in one aggregate query."""
    counts = registration_counts(conference)
    rows = []
    totals = dict.fromkeys(STATUSES, 0)
    for category in conference.categories:
        by_status = {status: counts.get((category.id, status), 0) for status in STATUSES}
        for status, n in by_status.items():
            totals[status] += n
        rows.append(
            {
                "name": localized(category, "name"),
                "capacity": category.capacity,
                "by_status": by_status,
                "total": sum(by_status.values()),
            }
        )
    return {
        "statuses": [(status, status_label(status)) for status in STATUSES],
        "rows": rows,
        "totals": totals,
        "total": sum(totals.values()),
    }


def registration_section(conference: Conference):
    data = registration_data(conference)
    chart = bar_chart(
        [(row["name"], row["by_status"]["confirmed"]) for row in data["rows"]],
        _("Confirmed registrations by category"),
    )
    return "documents/_report_registration.html", {"data": data, "chart": chart}


# --- check-in -------------------------------------------------------------------------------


def checkin_data(conference: Conference) -> dict:
    """Per check-in list: who may enter (confirmed in a category it admits), how many were
    checked in and the rate, per local day; and first arrivals per hour over every list."""
    tz = conference.tz
    lists = list(
        db.session.execute(
            select(CheckinList)
            .where(CheckinList.conference_id == conference.id)
            .order_by(CheckinList.position, CheckinList.id)
        ).scalars()
    )
    admitted = defaultdict(set)
    for list_id, category_id in db.session.execute(
        select(checkin_list_categories.c.list_id, checkin_list_categories.c.category_id).where(
            checkin_list_categories.c.list_id.in_([cl.id for cl in lists] or [0])
        )
    ):
        admitted[list_id].add(category_id)
    confirmed_by_category = dict(
        db.session.execute(
            select(Registration.category_id, func.count())
            .where(Registration.conference_id == conference.id, Registration.status == "confirmed")
            .group_by(Registration.category_id)
        ).all()
    )
    confirmed = sum(confirmed_by_category.values())
    per_list_day: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    per_list: dict[int, int] = defaultdict(int)
    first_by_person: dict[int, datetime] = {}
    for list_id, registration_id, first in db.session.execute(
        select(
            CheckinState.list_id, CheckinState.registration_id, CheckinState.first_checked_in_at
        ).where(CheckinState.conference_id == conference.id)
    ):
        first = first if first.tzinfo else first.replace(tzinfo=UTC)
        local = first.astimezone(tz)
        per_list[list_id] += 1
        per_list_day[list_id][local.date()] += 1
        earlier = first_by_person.get(registration_id)
        if earlier is None or local < earlier:
            first_by_person[registration_id] = local
    days = sorted({day for by_day in per_list_day.values() for day in by_day})
    rows = []
    for checkin_list in lists:
        categories = admitted.get(checkin_list.id)
        eligible = (
            sum(confirmed_by_category.get(c, 0) for c in categories) if categories else confirmed
        )
        checked = per_list.get(checkin_list.id, 0)
        rows.append(
            {
                "name": localized(checkin_list, "name"),
                "code": checkin_list.code,
                "eligible": eligible,
                "checked_in": checked,
                "rate": percent(checked, eligible),
                "days": [per_list_day[checkin_list.id].get(day, 0) for day in days],
            }
        )
    hours: dict[datetime, int] = defaultdict(int)
    for local in first_by_person.values():
        hours[local.replace(minute=0, second=0, microsecond=0)] += 1
    arrivals = [(at.strftime("%m-%d %H:00"), n) for at, n in sorted(hours.items())]
    return {
        "confirmed": confirmed,
        "checked_in": len(first_by_person),
        "rate": percent(len(first_by_person), confirmed),
        "lists": rows,
        "days": [day.isoformat() for day in days],
        "arrivals": arrivals,
    }


def checkin_section(conference: Conference):
    data = checkin_data(conference)
    chart = column_chart(data["arrivals"], _("First arrivals per hour"))
    return "documents/_report_checkin.html", {"data": data, "chart": chart}


# --- the report -----------------------------------------------------------------------------


def register_sections(app: Flask) -> None:
    extend.add_report_section(app, extend.ReportSection("registration", 20, registration_section))
    extend.add_report_section(app, extend.ReportSection("checkin", 30, checkin_section))


def build_sections(conference: Conference) -> list[Markup]:
    """Every registered section's HTML, in order."""
    built = []
    for section in extend.registry().report_sections:
        result = section.build(conference)
        if isinstance(result, tuple):
            template, context = result
            result = render_template(template, conference=conference, **context)
        if result:
            built.append(Markup(result) if not isinstance(result, Markup) else result)
    return built


def report_pdf(conference: Conference) -> bytes:
    """The whole report as an A4 PDF."""
    html = render_template(
        "pdf/report.html",
        conference=conference,
        sections=build_sections(conference),
        generated_at=utcnow().astimezone(conference.tz).strftime("%Y-%m-%d %H:%M"),
    )
    return pdf.render_pdf(html, stylesheets=(pdf.stylesheet("common"), pdf.stylesheet("report")))
