"""Signed projects as CSV (UTF-8 with BOM, formula-guarded), XLSX (a totals row and a tallies
sheet) and PDF (Chinese, through eventsys.pdf). The columns are the import's own, so an export
imports again (its rows are then "already recorded")."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from flask import render_template
from flask_babel import gettext as _

from eventsys.conferences.models import Conference, Forum
from eventsys.extensions import db
from eventsys.signing import services
from eventsys.signing.money import display_wan, plain_wan
from eventsys.text import exportable

HEADERS = [
    "编号",
    "项目名称",
    "甲方",
    "乙方",
    "其他签约方",
    "地区",
    "城市",
    "行业",
    "类别",
    "金额（万元）",
    "分论坛",
    "签约日期",
    "状态",
    "签约方式",
    "备注",
]
_KIND_ZH = {
    "cooperation": "技术合作",
    "transfer": "成果转化",
    "investment": "投资",
    "platform": "共建平台",
    "talent": "人才",
}
_STATUS_ZH = {"signed": "签约", "intent": "意向"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx", "pdf")


def _rows(conference: Conference, filters: dict | None = None):
    forums = {
        forum_id: code
        for forum_id, code in db.session.execute(
            db.select(Forum.id, Forum.code).where(Forum.conference_id == conference.id)
        )
    }
    for project in services.iter_projects(conference, filters):
        yield [
            project.key,
            project.title,
            project.party_a,
            project.party_b,
            project.other_parties,
            project.region,
            project.city,
            project.sector,
            _KIND_ZH.get(project.kind, project.kind),
            project.amount_wan.normalize() if project.amount_yuan is not None else None,
            forums.get(project.forum_id, ""),
            project.signed_on,
            _STATUS_ZH.get(project.status, project.status),
            "现场签约" if project.on_site else "纳入统计",
            project.notes,
        ]


def _guard(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return _guard(exportable(str(value)))


def to_csv(conference: Conference, filters: dict | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in _rows(conference, filters):
        writer.writerow([_csv_cell(value) for value in row])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def to_xlsx(conference: Conference, filters: dict | None = None) -> bytes:
    """Two sheets: the projects with a totals row (count and exact sum), and the tallies by
    forum, region, sector, kind and day with each group's shares."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("签约项目")
    sheet.freeze_panes = "A2"
    for letter, width in zip(
        "ABCDEFGHIJKLMNO", (14, 36, 30, 30, 20, 10, 10, 12, 10, 14, 10, 12, 8, 10, 20), strict=True
    ):
        sheet.column_dimensions[letter].width = width
    bold = Font(bold=True)

    def text_cell(value, font=None):
        cell = WriteOnlyCell(sheet, value=exportable(str(value), xml=True))
        cell.data_type = "s"
        if font:
            cell.font = font
        return cell

    sheet.append([text_cell(h, bold) for h in HEADERS])
    count = 0
    total = Decimal(0)
    for row in _rows(conference, filters):
        cells = []
        for index, value in enumerate(row):
            if index == 9 and value is not None:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "#,##0.00##"
                total += value
                cells.append(cell)
            elif index == 11:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            elif isinstance(value, str):
                cells.append(text_cell(value))
            else:
                cells.append(value)
        sheet.append(cells)
        count += 1
    totals = [None] * len(HEADERS)
    totals[0] = text_cell("合计", bold)
    totals[1] = text_cell(f"{count} 个项目", bold)
    amount = WriteOnlyCell(sheet, value=total)
    amount.number_format = "#,##0.00##"
    amount.font = bold
    totals[9] = amount
    sheet.append(totals)

    tallies = workbook.create_sheet("汇总")
    tallies.column_dimensions["A"].width = 24
    for letter in "BCDE":
        tallies.column_dimensions[letter].width = 14
    result = services.summary(conference)
    t = result["totals"]
    tallies.append(
        [
            text_cell("已签约项目", bold),
            t["count"],
            text_cell("总金额（万元）", bold),
            t["total_wan"],
        ]
    )
    tallies.append(
        [
            text_cell("意向项目", bold),
            t["intent_count"],
            text_cell("意向金额（万元）", bold),
            t["intent_wan"],
        ]
    )
    names = {
        "forum": "按分论坛",
        "region": "按地区",
        "sector": "按行业",
        "kind": "按类别",
        "date": "按日期",
    }
    forums = {f.code: f for f in conference.forums}
    for by, tally in result["by"].items():
        tallies.append([])
        tallies.append(
            [
                text_cell(h, bold)
                for h in (names[by], "项目数", "金额（万元）", "数量占比%", "金额占比%")
            ]
        )
        for group in tally["groups"]:
            tallies.append(
                [
                    text_cell(_group_label_zh(by, group["key"], forums)),
                    group["count"],
                    Decimal(group["total_wan"]),
                    group["count_share"],
                    group["amount_share"],
                ]
            )
        tallies.append([text_cell("合计", bold), tally["count"], Decimal(tally["total_wan"])])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _group_label_zh(by: str, key: str, forums: dict) -> str:
    if key == "":
        return "（未填写）" if by != "forum" else "（无分论坛）"
    if by == "kind":
        return _KIND_ZH.get(key, key)
    if by == "forum" and key in forums:
        return forums[key].name
    return key


PDF_CSS = """
@page { size: A4; margin: 16mm 14mm;
  @bottom-center { content: counter(page) " / " counter(pages); font-size: 8pt; } }
body { font-family: "Noto Sans CJK SC", sans-serif; font-size: 9pt; color: #111; }
h1 { font-size: 16pt; margin: 0 0 4mm; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; }
.totals { font-size: 12pt; margin: 0 0 4mm; }
table { border-collapse: collapse; width: 100%; margin-bottom: 3mm; }
th, td { border: 0.3pt solid #999; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eef2f7; }
td.num, th.num { text-align: right; white-space: nowrap; }
tfoot td { font-weight: bold; }
.muted { color: #555; }
"""


def to_pdf(conference: Conference, filters: dict | None = None) -> bytes:
    from eventsys.pdf import render_pdf

    result = services.summary(conference)
    forums = {f.code: f for f in conference.forums}
    rows = list(_rows(conference, filters))
    html = render_template(
        "signing/export.pdf.html",
        conference=conference,
        summary=result,
        rows=rows,
        label=lambda by, key: _group_label_zh(by, key, forums),
        display_wan=display_wan,
        plain_wan=plain_wan,
        names={
            "forum": "按分论坛",
            "region": "按地区",
            "sector": "按行业",
            "kind": "按类别",
            "date": "按日期",
        },
        made_at=datetime.now(conference.tz).strftime("%Y-%m-%d %H:%M"),
    )
    return render_pdf(html, stylesheets=(PDF_CSS,))


def export_bytes(conference: Conference, fmt: str, filters: dict | None = None) -> bytes:
    if fmt == "csv":
        return to_csv(conference, filters)
    if fmt == "xlsx":
        return to_xlsx(conference, filters)
    if fmt == "pdf":
        return to_pdf(conference, filters)
    raise ValueError(fmt)


def export_to(conference: Conference, path: Path) -> int:
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(_("Export to a .csv, .xlsx or .pdf file."))
    path.write_bytes(export_bytes(conference, fmt))
    return services.totals(conference.id)["count"]


def filename(conference: Conference, fmt: str) -> str:
    stamp = datetime.now(conference.tz).strftime("%Y%m%d-%H%M")
    return f"{conference.slug}-signings-{stamp}.{fmt}"
