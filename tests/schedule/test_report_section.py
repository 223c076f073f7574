"""The programme's section of the summary report: the release, sessions per day and forum,
the people; left out before the first release."""

from __future__ import annotations

from eventsys.extensions import db
from eventsys.schedule import releases
from tests.documents.helpers import pdf_text
from tests.schedule.helpers import make_timetable, session


def report(runner, tmp_path) -> str:
    out = tmp_path / "report.pdf"
    result = runner.invoke(args=["report", "cy-2026", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return pdf_text(out.read_bytes())


def test_the_report_counts_the_published_programme(app, runner, tmp_path):
    with app.app_context():
        conference = make_timetable(
            [
                session("opening", "09:00", "10:00", speakers=[("陆为民", "科协", "speaker")]),
                session(
                    "ai-1",
                    "14:00",
                    "17:00",
                    forum="ai",
                    speakers=[("王敏", "川大", "chair"), ("陆为民", "科协", "speaker")],
                ),
                session("ai-2", "2026-12-19T09:00", "2026-12-19T10:00", forum="ai"),
                session("bio-1", "2026-12-19T09:00", "2026-12-19T10:00", "hall-b", forum="bio"),
            ]
        )
        releases.publish(conference, "2.0")
        db.session.commit()
    text = report(runner, tmp_path)
    flat = text.replace(" ", "").replace("\n", "")
    assert "日程版本2.0（第1次发布）" in flat
    assert "共4场活动，2位嘉宾与主持人。" in flat
    assert "各分论坛活动场次" in text
    assert "人工智能分论坛" in text and "生物医药" in text and "大会及公共环节" in text
    # Before the registration section? No: by order, after check-in (35) and before signing.
    assert text.index("签到") < text.index("日程版本")


def test_no_release_no_programme_section(app, runner, tmp_path):
    with app.app_context():
        make_timetable([session("opening", "09:00", "10:00")])
    text = report(runner, tmp_path)
    assert "报名" in text and "日程版本" not in text and "各分论坛活动场次" not in text
