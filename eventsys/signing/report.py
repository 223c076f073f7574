"""The signed projects' part of the summary report (order 40): the totals in 万元/亿元, the
projects by forum, region and sector with their shares and bar charts, and the region ×
sector table. Every figure comes from ``services.summary`` (exact sums of whole yuan), so the
groups add up to the total to the yuan. A conference without any signed project or intent
leaves the section out."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _

from eventsys.charts import bar_chart
from eventsys.conferences.models import Conference
from eventsys.signing import services
from eventsys.signing.money import display_wan, plain_wan

# A chart shows the largest groups; the table beside it lists every one.
CHART_ROWS = 12
KEYS = ("forum", "region", "sector")


def _titles() -> dict[str, str]:
    return {"forum": _("By forum"), "region": _("By region"), "sector": _("By sector")}


def report_section(conference: Conference):
    summary = services.summary(conference)
    totals = summary["totals"]
    if not totals["count"] and not totals["intent_count"]:
        return ""
    forums = {forum.code: forum for forum in conference.forums}
    titles = _titles()
    groups = {}
    charts = {}
    for by in KEYS:
        tally = summary["by"][by]
        rows = [
            {**group, "label": services.label_of(by, group["key"], forums)}
            for group in tally["groups"]
        ]
        groups[by] = {"rows": rows, "count": tally["count"], "total_wan": tally["total_wan"]}
        charts[by] = bar_chart(
            [(row["label"], Decimal(row["total_wan"])) for row in rows[:CHART_ROWS]],
            _("%(title)s: amount in 万元", title=titles[by]),
            fmt=plain_wan,
        )
    return "signing/_report.html", {
        "totals": totals,
        "groups": groups,
        "charts": charts,
        "titles": titles,
        "cross": summary["cross"],
        "chart_rows": CHART_ROWS,
        "plain_wan": plain_wan,
        "display_wan": display_wan,
    }
