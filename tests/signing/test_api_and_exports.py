"""The contract's API rows, the exports opened by their readers, the JSON section, the demo."""

import subprocess
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from eventsys.conferences.jsonio import export_conference, load_conference
from eventsys.extensions import db
from eventsys.signing import services
from tests.factories import make_token, make_user
from tests.signing.helpers import AWKWARD, AWKWARD_TOTAL, signing_conference, write_csv

PROJECT = {
    "title": "氢燃料电池联合攻关",
    "party_a": "成都氢能科技有限公司",
    "party_b": "四川大学",
    "region": "四川",
    "sector": "新能源",
    "amount_wan": "1,234.5",
    "forum": "ai",
    "signed_on": "2026-12-18",
}


@pytest.fixture
def staff(app):
    with app.app_context():
        conference = signing_conference()
        user = make_user("staff@example.com", "staff", conference)
        checker = make_user("gate@example.com", "checkin", conference)
        return {
            "staff": {"Authorization": f"Bearer {make_token(user, conference, 'staff')}"},
            "checkin": {"Authorization": f"Bearer {make_token(checker, conference, 'checkin')}"},
        }


def test_record_and_tally_through_the_api(client, staff):
    url = "/api/v1/conferences/cy-2026/signings"
    answer = client.post(url, json=PROJECT, headers=staff["staff"])
    assert answer.status_code == 201 and isinstance(answer.get_json()["id"], int)
    # a JSON number is read as written, never through a float
    other = {**PROJECT, "title": "第二个", "amount_wan": 0.1, "region": "重庆"}
    assert client.post(url, json=other, headers=staff["staff"]).status_code == 201
    tally = client.get(url + "/tally?by=region", headers=staff["staff"]).get_json()
    assert tally == {
        "count": 2,
        "groups": [
            {"count": 1, "key": "四川", "total_wan": "1234.5000"},
            {"count": 1, "key": "重庆", "total_wan": "0.1000"},
        ],
        "total_display": "1,234.60万元",
        "total_wan": "1234.6000",
    }
    again = client.post(url, json=PROJECT, headers=staff["staff"])
    assert again.status_code == 409 and again.get_json()["error"] == "already_recorded"


def test_the_api_refuses_bad_input_and_wrong_roles(client, staff):
    url = "/api/v1/conferences/cy-2026/signings"
    bad = client.post(
        url,
        json={**PROJECT, "amount_wan": "-3", "forum": "nope", "party_b": ""},
        headers=staff["staff"],
    )
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"amount_wan", "forum", "party_b"}
    assert client.post(url, json=PROJECT, headers=staff["checkin"]).status_code == 403
    assert client.get(url + "/tally?by=region", headers=staff["checkin"]).status_code == 403
    assert client.post(url, json=PROJECT).status_code == 401
    assert client.get(url + "/tally?by=colour", headers=staff["staff"]).status_code == 422
    listed = client.get(url, headers=staff["staff"]).get_json()
    assert listed["total"] == 0


def test_exports_open_in_their_readers(app, runner, staff, tmp_path):
    path = write_csv(tmp_path / "s.csv", AWKWARD)
    assert runner.invoke(args=["import-signings", "cy-2026", str(path)]).exit_code == 0

    out = tmp_path / "out.xlsx"
    assert runner.invoke(args=["export-signings", "cy-2026", "-o", str(out)]).exit_code == 0
    workbook = load_workbook(out)
    projects, tallies = workbook["签约项目"], workbook["汇总"]
    rows = list(projects.iter_rows(values_only=True))
    assert rows[0][1] == "项目名称" and len(rows) == 1 + 8 + 1
    assert rows[-1][0] == "合计" and Decimal(str(rows[-1][9])) == Decimal(AWKWARD_TOTAL)
    tally_rows = list(tallies.iter_rows(values_only=True))
    assert tally_rows[0][:2] == ("已签约项目", 8)
    assert any(row and row[0] == "按地区" for row in tally_rows)

    csv_out = tmp_path / "out.csv"
    assert runner.invoke(args=["export-signings", "cy-2026", "-o", str(csv_out)]).exit_code == 0
    data = csv_out.read_bytes()
    assert data.startswith("\ufeff".encode()) and "氢燃料电池联合攻关" in data.decode("utf-8-sig")

    pdf_out = tmp_path / "out.pdf"
    assert runner.invoke(args=["export-signings", "cy-2026", "-o", str(pdf_out)]).exit_code == 0
    text = "".join(page.extract_text() for page in PdfReader(pdf_out).pages)
    assert "已签约 8 个项目" in text and "8.89亿元" in text and "氢燃料电池联合攻关" in text
    pdftotext = subprocess.run(
        ["pdftotext", str(pdf_out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "按地区" in pdftotext

    # the exported CSV imports again: every row already recorded
    again = runner.invoke(args=["import-signings", "cy-2026", str(csv_out)])
    assert again.exit_code == 0 and "Imported 0" in again.output and "Skipped 8" in again.output
    assert runner.invoke(args=["export-signings", "cy-2026", "-o", "x.doc"]).exit_code != 0


def test_csv_export_guards_formulas(ctx, tmp_path):
    from eventsys.signing.exports import to_csv

    conference = signing_conference()
    services.create_project(
        conference, {**PROJECT, "title": "=HYPERLINK(1)"}, services.Actor(label="t")
    )
    db.session.commit()
    assert "'=HYPERLINK(1)" in to_csv(conference).decode("utf-8-sig")


def test_the_json_section_round_trips(ctx):
    last = signing_conference(slug="cy-2025")
    conference = signing_conference()
    services.set_sectors(conference, ["电子信息", "生物医药", "新能源"])
    services.set_last_edition(conference, last)
    services.set_screen(conference, True)
    db.session.commit()
    exported = export_conference(conference)
    assert exported["signing"] == {
        "sectors": ["电子信息", "生物医药", "新能源"],
        "last_edition": "cy-2025",
        "screen_enabled": True,
    }
    exported["slug"] = "cy-2027"
    copy = load_conference(exported)
    db.session.commit()
    assert export_conference(copy)["signing"] == exported["signing"]
    assert export_conference(last).get("signing") is None
    bad = {
        **exported,
        "slug": "cy-2028",
        "signing": {"sectors": ["a", "A"], "last_edition": "none"},
    }
    from eventsys.errors import ValidationError

    with pytest.raises(ValidationError) as refused:
        load_conference(bad)
    assert set(refused.value.errors) == {"signing.sectors[1]", "signing.last_edition"}


def test_the_comparison_with_the_last_edition(ctx):
    last = signing_conference(
        slug="cy-2025", starts_on="2025-12-18", ends_on="2025-12-19", sessions=[]
    )
    conference = signing_conference()
    actor = services.Actor(label="t")
    services.create_project(
        last, {**PROJECT, "signed_on": "2025-12-18", "amount_wan": "1000"}, actor
    )
    services.create_project(conference, {**PROJECT, "amount_wan": "1500"}, actor)
    services.set_last_edition(conference, last)
    db.session.commit()
    comparison = services.comparison(conference)
    assert comparison["change_pct"] == Decimal("50.0")
    assert comparison["by"]["region"][0]["total_wan"] == (Decimal("1500"), Decimal("1000"))


def test_the_demo_seeds_its_signings(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Recorded 60 signed projects" in result.output
    with app.app_context():
        from sqlalchemy import select

        from eventsys.conferences.models import Conference
        from eventsys.demo import demo_signings

        conference = db.session.execute(select(Conference)).scalar_one()
        tally = services.tally(conference, "sector")
        expected = sum(s["amount_wan"] for s in demo_signings(60))
        assert tally["count"] == 60 and Decimal(tally["total_wan"]) == expected
        assert services.settings_of(conference).sectors  # the demo's sector list
