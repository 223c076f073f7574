"""The summary report: a staff page and a PDF, with sections other domains can add."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from markupsafe import Markup

from eventsys.checkin.codes import checkin_code
from eventsys.checkin.services import record_checkin
from eventsys.conferences import extend
from eventsys.documents.report import percent
from eventsys.extensions import db
from eventsys.registration import services as registration_services
from tests.conftest import login
from tests.documents.helpers import pdf_text
from tests.factories import PASSWORD, make_conference, make_registration, make_user

CATEGORIES = [
    {
        "code": "delegate",
        "name": "正式代表",
        "capacity": 300,
        "requires_approval": False,
        "invite_only": False,
    },
    {
        "code": "student",
        "name": "学生",
        "capacity": None,
        "requires_approval": True,
        "invite_only": False,
    },
]


def populated_conference():
    conference = make_conference(
        categories=CATEGORIES,
        checkin_lists=[
            {"code": "main", "name": "主会场入口", "session": None},
            {"code": "students", "name": "学生通道", "session": None, "categories": ["student"]},
        ],
    )
    people = [make_registration(conference, name=f"代表{n}") for n in range(3)]
    students = [make_registration(conference, "student", name=f"学生{n}") for n in range(2)]
    registration_services.approve(students[0])
    registration_services.cancel(people[2])
    db.session.commit()
    when = datetime(2026, 12, 18, 1, 5, tzinfo=UTC)  # 09:05 in Shanghai
    for person, list_code, at in (
        (people[0], "main", when),
        (students[0], "main", when.replace(hour=2)),
        (students[0], "students", when.replace(day=19, hour=1)),
    ):
        answer = record_checkin(
            conference,
            code=checkin_code(person.checkin_token),
            list_code=list_code,
            gate="东门",
            nonce=uuid.uuid4().hex,
            scanned_at=at,
        )
        assert answer["status"] == "ok", answer
    db.session.commit()
    return conference


def test_percent_is_exact_and_rounds_half_up():
    assert percent(1, 3) == "33.3%"
    assert percent(2, 3) == "66.7%"
    assert percent(1, 8) == "12.5%"
    assert percent(1, 16) == "6.3%"  # 6.25 rounds up, not to even
    assert percent(0, 0) == "—"


def test_report_command_writes_the_figures(app, runner, tmp_path):
    with app.app_context():
        populated_conference()
    out = tmp_path / "report.pdf"
    result = runner.invoke(args=["report", "cy-2026", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = pdf_text(out.read_bytes())
    assert "第五届川渝科技学术大会" in text
    assert "正式代表" in text and "学生" in text and "主会场入口" in text and "学生通道" in text
    # 3 confirmed (2 delegates, 1 student), 2 of them checked in.
    assert "66.7%" in text
    # The student lane admits only the one confirmed student, who came: 100%.
    assert "100.0%" in text
    assert "2026-12-18" in text and "2026-12-19" in text
    # Charts are vector: drawn, not pasted in as pictures.
    assert b"/Subtype /Image" not in out.read_bytes()


def test_report_page_for_staff_only(client, app):
    with app.app_context():
        conference = populated_conference()
        make_user("staff@example.com", "staff", conference)
        make_user("desk@example.com", "checkin", conference)
    assert login(client, "desk@example.com", PASSWORD).status_code == 302
    assert client.get("/manage/cy-2026/report").status_code == 403
    assert client.get("/manage/cy-2026/report.pdf").status_code == 403
    staff = app.test_client()
    assert login(staff, "staff@example.com", PASSWORD).status_code == 302
    html = staff.get("/manage/cy-2026/report").get_data(as_text=True)
    assert "<svg" in html and "主会场入口" in html and "66.7%" in html
    response = staff.get("/manage/cy-2026/report.pdf")
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]


def test_other_domains_add_their_sections(app, runner, tmp_path):
    def signed_projects(conference):
        return Markup("<section><h2>签约项目</h2><p>共{}个 {}</p></section>").format(3, "<script>")

    def programme(conference):
        return "<section><h2>日程 Programme</h2></section>"

    extend.add_report_section(app, extend.ReportSection("example-last", 60, signed_projects))
    extend.add_report_section(app, extend.ReportSection("example-first", 10, programme))
    names = [s.name for s in extend.registry(app).report_sections]
    assert names == [
        "example-first",
        "registration",
        "checkin",
        "schedule",
        "signing",
        "example-last",
    ]
    with app.app_context():
        make_conference()
    out = tmp_path / "report.pdf"
    assert runner.invoke(args=["report", "cy-2026", "-o", str(out)]).exit_code == 0
    text = pdf_text(out.read_bytes())
    assert "签约项目" in text and "共3个 <script>" in text
    assert text.index("日程 Programme") < text.index("报名") < text.index("签约项目")
