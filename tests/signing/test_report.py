"""The signed projects' section of the summary report: exact totals in 亿元/万元, the
projects by forum, region and sector (tables that add up to the total, vector bar charts),
the region × sector table; left out when nothing was signed."""

from __future__ import annotations

import re

from eventsys.extensions import db
from eventsys.signing import services
from tests.documents.helpers import pdf_text
from tests.signing.helpers import signing_conference

PROJECTS = [
    # (title, region, sector, amount in 万元, forum)
    ("氢燃料电池联合攻关", "四川", "新能源", "150000", "ai"),
    ("钒钛新材料成果转化", "重庆", "新材料", "80000.5", "bio"),
    ("创新药临床合作", "四川", "生物医药", "49999.4999", "bio"),
    ("智能制造示范线", "重庆", "新能源", "0.0001", ""),
]


def seed(conference):
    services.set_sectors(conference, ["新能源", "新材料", "生物医药"])
    actor = services.Actor(label="test")
    for title, region, sector, amount, forum in PROJECTS:
        services.create_project(
            conference,
            {
                "title": title,
                "party_a": "甲方单位",
                "party_b": "乙方单位",
                "region": region,
                "sector": sector,
                "amount_wan": amount,
                "forum": forum,
                "signed_on": "2026-12-18",
            },
            actor,
        )
    db.session.commit()


def report(app, runner, tmp_path, language="zh") -> tuple[str, bytes]:
    out = tmp_path / "report.pdf"
    result = runner.invoke(args=["report", "cy-2026", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    return pdf_text(data), data


def amounts(text: str, heading: str, following: str) -> list[str]:
    """The 万元 column's figures of one tally table (between its heading and the next)."""
    part = text[text.index(heading) : text.index(following, text.index(heading) + 1)]
    return re.findall(r"\d[\d,]*(?:\.\d+)?", part)


def test_the_report_holds_the_signing_totals_exactly(app, runner, tmp_path):
    with app.app_context():
        seed(signing_conference())
    text, data = report(app, runner, tmp_path)
    assert "签约项目" in text
    # 150000 + 80000.5 + 49999.4999 + 0.0001 = 280000万元 = 28.00亿元, exactly
    assert "4个项目签约，共28.00亿元" in text.replace(" ", "")
    assert "按分论坛" in text and "按地区" in text and "按行业" in text
    assert "人工智能分论坛" in text and "生物医药分论坛" in text and "（无分论坛）" in text
    # Region × sector: each cell and margin, amounts in 万元 as written in a table.
    assert "地区 × 行业" in text
    assert "80,000.5" in text and "49,999.4999" in text and "0.0001" in text
    # By region: 四川 199,999.4999 and 重庆 80,000.5001 sum to 280,000 exactly.
    assert "199,999.4999" in text and "80,000.5001" in text and "280,000" in text
    # Shares of the amount: 150000 / 280000 = 53.6%
    assert "53.6%" in text
    # Charts are vector: drawn, not pasted in as pictures.
    assert b"/Subtype /Image" not in data


def test_the_groups_add_up_to_the_total(ctx):
    from decimal import Decimal

    from eventsys.signing.report import report_section

    conference = signing_conference()
    seed(conference)
    _template, context = report_section(conference)
    total = Decimal(context["totals"]["total_wan"])
    assert total == Decimal("280000")
    for by, group in context["groups"].items():
        assert sum(Decimal(row["total_wan"]) for row in group["rows"]) == total, by
        assert sum(row["count"] for row in group["rows"]) == 4, by
    cross = context["cross"]
    assert sum(cell["total_wan"] for cell in cross["cells"].values()) == total
    assert "<svg" in context["charts"]["region"]


def test_a_conference_without_signings_leaves_the_section_out(app, runner, tmp_path):
    with app.app_context():
        signing_conference()
    text, _data = report(app, runner, tmp_path)
    assert "报名" in text
    assert "签约项目" not in text and "亿元" not in text


def test_a_hostile_region_is_text_in_the_report(app, runner, tmp_path):
    with app.app_context():
        conference = signing_conference()
        services.set_sectors(conference, ["新能源"])
        services.create_project(
            conference,
            {
                "title": "项目",
                "party_a": "甲",
                "party_b": "乙",
                "region": '<img src="http://127.0.0.1:9/x">',
                "sector": "新能源",
                "amount_wan": "10",
                "forum": "ai",
                "signed_on": "2026-12-18",
            },
            services.Actor(label="test"),
        )
        db.session.commit()
    text, data = report(app, runner, tmp_path)
    assert '<img src="http://127.0.0.1:9/x">' in text.replace("\n", "")
    assert b"/Subtype /Image" not in data


def test_the_section_costs_the_same_queries_for_4_or_40_projects(ctx):
    from sqlalchemy import event

    from eventsys.signing.report import report_section

    conference = signing_conference()
    seed(conference)

    def statements() -> int:
        seen = []

        def count(*_args):
            seen.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            report_section(conference)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    few = statements()
    actor = services.Actor(label="test")
    for n in range(36):
        services.create_project(
            conference,
            {
                "title": f"批量项目{n}",
                "party_a": f"甲方{n}",
                "party_b": "乙方",
                "region": f"地区{n % 9}",
                "sector": "新能源",
                "amount_wan": "1",
                "forum": "ai",
                "signed_on": "2026-12-18",
            },
            actor,
        )
    db.session.commit()
    assert statements() == few <= 10
