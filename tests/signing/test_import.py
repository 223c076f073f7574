"""Importing signed projects: the awkward amount forms add up exactly, every tally sums to the
total, bad files are refused whole with the row and column named, re-imports do not double."""

import zipfile
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from eventsys.errors import ValidationError
from eventsys.extensions import db
from eventsys.signing import imports, services
from eventsys.signing.models import SignedProject, SigningAudit
from tests.signing.helpers import (
    AWKWARD,
    AWKWARD_TOTAL,
    HEADER,
    signing_conference,
    write_csv,
    write_xlsx,
)

ACTOR = services.Actor(label="test")


def _count() -> int:
    return db.session.execute(select(func.count()).select_from(SignedProject)).scalar_one()


def _import(conference, path):
    result = imports.import_file(conference, path, ACTOR)
    db.session.commit()
    return result


@pytest.mark.parametrize("kind", ["csv", "csv-gb18030", "xlsx"])
def test_awkward_amounts_tally_to_the_exact_sum(ctx, tmp_path, kind):
    conference = signing_conference()
    if kind == "xlsx":
        path = write_xlsx(tmp_path / "s.xlsx", AWKWARD)
    elif kind == "csv":
        path = write_csv(tmp_path / "s.csv", AWKWARD)
    else:
        path = write_csv(tmp_path / "s.csv", AWKWARD, encoding="gb18030")
    result = _import(conference, path)
    assert len(result.rows) == 8
    for by in services.TALLY_KEYS:
        tally = services.tally(conference, by)
        assert tally["total_wan"] == AWKWARD_TOTAL
        assert tally["count"] == 8
        assert sum(Decimal(g["total_wan"]) for g in tally["groups"]) == Decimal(AWKWARD_TOTAL)
        assert sum(g["count"] for g in tally["groups"]) == 8
    region = {g["key"]: g for g in services.tally(conference, "region")["groups"]}
    assert region["重庆"]["count"] == 2  # 重庆市 and 重庆 are one region
    forum = {g["key"]: g["count"] for g in services.tally(conference, "forum")["groups"]}
    assert forum == {"ai": 4, "bio": 1, "": 3}
    assert services.tally(conference, "region")["total_display"] == "8.89亿元"
    summary = services.summary(conference)
    for by in ("region", "sector"):  # the cross table's margins are the tallies
        margins = [
            {name: g[name] for name in ("key", "count", "total_wan")}
            for g in summary["by"][by]["groups"]
        ]
        assert margins == services.tally(conference, by)["groups"]
    assert summary["cross"]["total_wan"] == Decimal(AWKWARD_TOTAL)
    audit = db.session.execute(select(SigningAudit)).scalar_one()
    assert (audit.action, audit.changes["rows"]) == ("import", 8)


def test_english_headers_in_another_order_and_extra_columns(ctx, tmp_path):
    conference = signing_conference()
    header = ["signed_on", "amount_wan", "title", "party_b", "party_a", "备注", "kind", "status"]
    rows = [
        ["2026-12-18", "100", "A项目", "乙", "甲", "note", "成果转化", "意向"],
        ["2026-12-18", "50", "B项目", "乙", "甲", "", "investment", "签约"],
    ]
    _import(conference, write_csv(tmp_path / "e.csv", rows, header=header))
    assert services.tally(conference, "kind")["groups"] == [
        {"key": "investment", "count": 1, "total_wan": "50.0000"}
    ]
    assert services.totals(conference.id)["intent_count"] == 1


def test_a_column_in_yi_is_read_as_yi(ctx, tmp_path):
    conference = signing_conference()
    header = ["项目名称", "甲方", "乙方", "签约金额（亿元）", "签约日期"]
    _import(
        conference, write_csv(tmp_path / "y.csv", [["A", "甲", "乙", "2.8", "2026-12-18"]], header)
    )
    assert services.tally(conference, "region")["total_wan"] == "28000.0000"


def test_reimporting_skips_what_is_recorded(ctx, tmp_path):
    conference = signing_conference()
    path = write_xlsx(tmp_path / "s.xlsx", AWKWARD)
    _import(conference, path)
    again = _import(conference, path)
    assert again.rows == [] and len(again.skipped) == 8
    assert _count() == 8
    more = write_xlsx(
        tmp_path / "more.xlsx",
        [*AWKWARD, ["新项目", "甲", "乙", "四川", "", "1", "", "2026-12-18"]],
    )
    third = _import(conference, more)
    assert len(third.rows) == 1 and len(third.skipped) == 8
    assert _count() == 9


def _refused(conference, path) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        imports.import_file(conference, path, ACTOR)
    db.session.rollback()
    assert _count() == 0
    return refused.value


GOOD = ["好项目", "甲公司", "乙大学", "四川", "新能源", "100", "ai", "2026-12-18"]


@pytest.mark.parametrize(
    ("column", "bad_value", "words"),
    [
        ("F", "-100", "negative"),
        ("F", "一百万", "not an amount"),
        ("F", "1.23456", "four decimals"),
        ("G", "no-such-forum", "unknown forum"),
        ("B", "", "required"),
        ("C", "", "required"),
        ("H", "1999-01-01", "not a plausible signing date"),
        ("H", "2035-01-01", "not a plausible signing date"),
        ("H", "someday", "not a date"),
    ],
)
def test_a_bad_cell_names_row_and_column_and_nothing_is_imported(
    ctx, tmp_path, column, bad_value, words
):
    conference = signing_conference()
    bad = list(GOOD)
    bad[ord(column) - ord("A")] = bad_value
    bad[0] = "坏项目"
    path = write_csv(tmp_path / "bad.csv", [GOOD, bad])
    error = _refused(conference, path)
    header = HEADER[ord(column) - ord("A")]
    assert f"row 3, column {column} {header}" in error.message
    assert words in error.message
    assert "Nothing was imported" in error.message


def test_the_same_project_twice_in_a_file_is_refused(ctx, tmp_path):
    conference = signing_conference()
    error = _refused(conference, write_csv(tmp_path / "d.csv", [GOOD, GOOD]))
    assert "the same project as row 2" in error.message


def test_missing_columns_are_named(ctx, tmp_path):
    conference = signing_conference()
    path = write_csv(tmp_path / "m.csv", [["A", "甲"]], header=["项目名称", "甲方"])
    error = _refused(conference, path)
    assert "party_b 乙方" in error.message and "signed_on 签约日期" in error.message


def test_merged_header_cells_are_refused(ctx, tmp_path):
    conference = signing_conference()
    header = ["项目名称", "签约双方", None, "签约日期"]
    path = write_xlsx(
        tmp_path / "merged.xlsx", [["A", "甲", "乙", "2026-12-18"]], header, merge="B1:C1"
    )
    error = _refused(conference, path)
    assert "merged cells" in error.message and "B1:C1" in error.message


def test_an_empty_sheet_is_refused(ctx, tmp_path):
    conference = signing_conference()
    from openpyxl import Workbook

    Workbook().save(tmp_path / "empty.xlsx")
    assert "empty" in _refused(conference, tmp_path / "empty.xlsx").message
    header_only = write_xlsx(tmp_path / "header.xlsx", [])
    assert "no rows" in _refused(conference, header_only).message


def test_a_zip_bomb_is_refused_before_it_is_unpacked(ctx, tmp_path):
    conference = signing_conference()
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (80 * 1024 * 1024))
    assert bomb.stat().st_size < 1024 * 1024
    assert "unpacks to more than" in _refused(conference, bomb).message


def test_unknown_sector_when_the_conference_has_a_list(ctx, tmp_path):
    conference = signing_conference()
    services.set_sectors(conference, ["新能源", "生物医药"])
    db.session.commit()
    bad = list(GOOD)
    bad[4] = "航天"
    error = _refused(conference, write_csv(tmp_path / "s.csv", [bad]))
    assert "row 2, column E 行业" in error.message and "新能源" in error.message


def test_the_command_imports_and_reports_skips(app, runner, tmp_path):
    with app.app_context():
        signing_conference()
    path = write_csv(tmp_path / "s.csv", AWKWARD)
    result = runner.invoke(args=["import-signings", "cy-2026", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 8 signed project(s)" in result.output and "8.89亿元" in result.output
    result = runner.invoke(args=["import-signings", "cy-2026", str(path)])
    assert "Skipped 8 row(s) already recorded" in result.output
    bad = write_csv(tmp_path / "bad.csv", [["A", "甲", "乙", "四川", "", "-1", "", "2026-12-18"]])
    result = runner.invoke(args=["import-signings", "cy-2026", str(bad)])
    assert result.exit_code == 1
    assert "row 2, column F 金额（万元）" in result.output
