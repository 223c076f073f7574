import json

from sqlalchemy import func, select

from eventsys.conferences.models import Category, Conference
from eventsys.extensions import db
from eventsys.schedule.models import ScheduleSession
from tests.factories import CONTRACT_EXAMPLE, conference_json


def write(tmp_path, data, name="conf.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def count(model):
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_contract_example_round_trips_exactly(runner, tmp_path):
    result = runner.invoke(args=["load-conference", write(tmp_path, CONTRACT_EXAMPLE)])
    assert result.exit_code == 0, result.output
    exported = runner.invoke(args=["export-conference", "cy-2026"])
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output) == CONTRACT_EXAMPLE


def test_a_full_file_round_trips_with_the_extra_fields(runner, tmp_path):
    data = conference_json(
        venue_en="Tianfu International Conference Center, Chengdu",
        capacity=800,
        registration_closes_at="2026-12-10T18:00",
        categories=[
            {
                "code": "delegate",
                "name": "正式代表",
                "name_en": "Delegate",
                "capacity": 300,
                "requires_approval": False,
                "invite_only": False,
            },
            {
                "code": "guest",
                "name": "特邀嘉宾",
                "capacity": None,
                "requires_approval": True,
                "invite_only": True,
            },
        ],
    )
    data["sessions"].append(
        {
            "code": "ai-1",
            "title": "人工智能分论坛（一）",
            "title_en": "AI Forum I",
            "kind": "forum",
            "room": "hall-a",
            "forum": "ai",
            "starts_at": "2026-12-18T14:00",
            "ends_at": "2026-12-18T17:30",
            "capacity": 200,
            "speakers": [
                {"name": "王敏", "affiliation": "四川大学", "role": "chair"},
                {"name": "李强", "affiliation": "", "role": "speaker"},
            ],
        }
    )
    data["checkin_lists"].append({"code": "ai", "name": "人工智能分论坛入口", "session": "ai-1"})
    assert runner.invoke(args=["load-conference", write(tmp_path, data)]).exit_code == 0
    exported = json.loads(runner.invoke(args=["export-conference", "cy-2026"]).output)
    assert exported == data


def test_times_are_kept_in_the_conference_time_zone(ctx, runner, tmp_path):
    runner.invoke(args=["load-conference", write(tmp_path, CONTRACT_EXAMPLE)])
    session = db.session.execute(select(ScheduleSession)).scalar_one()
    # 09:00 in Chengdu is 01:00 UTC
    assert session.starts_at.isoformat() == "2026-12-18T01:00:00+00:00"


def test_a_bad_file_names_the_field_and_writes_nothing(ctx, runner, tmp_path):
    data = conference_json()
    data["categories"][0]["capacity"] = -5
    data["sessions"][0]["room"] = "hall-z"
    result = runner.invoke(args=["load-conference", write(tmp_path, data)])
    assert result.exit_code != 0
    assert "categories[0].capacity" in result.output
    assert "sessions[0].room" in result.output
    assert "hall-z" in result.output
    assert count(Conference) == 0 and count(Category) == 0


def test_not_json_is_refused_clearly(ctx, runner, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{ not json", encoding="utf-8")
    result = runner.invoke(args=["load-conference", str(path)])
    assert result.exit_code != 0
    assert "not valid JSON" in result.output
    missing = runner.invoke(args=["load-conference", str(tmp_path / "missing.json")])
    assert missing.exit_code != 0 and "Cannot read" in missing.output


def test_a_duplicate_slug_is_refused_and_replace_updates(ctx, runner, tmp_path):
    assert runner.invoke(args=["load-conference", write(tmp_path, CONTRACT_EXAMPLE)]).exit_code == 0
    changed = conference_json(title="第六届川渝科技学术大会")
    changed["categories"][0]["capacity"] = 350
    again = runner.invoke(args=["load-conference", write(tmp_path, changed)])
    assert again.exit_code != 0
    assert "already exists" in again.output
    db.session.expire_all()
    assert db.session.execute(select(Conference.title)).scalar_one() == "第五届川渝科技学术大会"

    replaced = runner.invoke(args=["load-conference", "--replace", write(tmp_path, changed)])
    assert replaced.exit_code == 0, replaced.output
    db.session.expire_all()
    assert db.session.execute(select(Conference.title)).scalar_one() == "第六届川渝科技学术大会"
    assert db.session.execute(select(Category.capacity)).scalar_one() == 350
    assert count(Conference) == 1


def test_unknown_conference_export_fails(runner):
    result = runner.invoke(args=["export-conference", "no-such"])
    assert result.exit_code != 0
    assert "no-such" in result.output


def test_duplicate_codes_and_bad_times_are_named(runner, tmp_path):
    data = conference_json()
    data["forums"].append({"code": "ai", "name": "又一个"})
    data["sessions"][0]["ends_at"] = "2026-12-18T08:00"
    data["timezone"] = "Mars/Olympus"
    result = runner.invoke(args=["load-conference", write(tmp_path, data)])
    assert result.exit_code != 0
    assert "forums[1].code" in result.output
    assert "sessions[0].ends_at" in result.output
    assert "timezone" in result.output
