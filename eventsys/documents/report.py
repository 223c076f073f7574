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
from eventsys.charts import bar_chart, column_chart
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
