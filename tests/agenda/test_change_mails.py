"""When a programme release moves, renames or cancels sessions, the attendees who have them on
their agenda are told by e-mail, in their own language; nobody else is."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from eventsys import signals
from eventsys.agenda import notices, services
from eventsys.extensions import db
from eventsys.jobs import Job
from eventsys.jobs.worker import Worker
from eventsys.mail import OutboxMail
from eventsys.registration.services import register
from eventsys.schedule.models import ScheduleSession
from tests.agenda.helpers import ask_forums, make_programme, release
from tests.conftest import DATABASES, build_app
from tests.factories import applicant
from tests.jobs.helpers import wait_for


class Release:
    name = "v2"


def person(conference, locale="zh_CN", forums=(), sessions=()):
    registration = register(conference, applicant(locale=locale))
    if forums:
        services.choose_forums(registration, list(forums))
    for code in sessions:
        services.enroll(registration, services.find_session(conference, code))
    db.session.commit()
    return registration


def session(code) -> ScheduleSession:
    return db.session.execute(
        select(ScheduleSession).where(ScheduleSession.code == code)
    ).scalar_one()


def publish(conference, changes):
    signals.schedule_published.send(conference, release=Release(), changes=changes)
    db.session.commit()


def moved_workshop(conference) -> dict:
    """ws-llm moves from 09:00 in room 1 to 13:00 in room 2 (Chengdu time)."""
    workshop = session("ws-llm")
    room_2 = next(r for r in conference.rooms if r.code == "room-2")
    before = {
        "title": workshop.title,
        "starts_at": "2026-12-19T09:00",
        "ends_at": "2026-12-19T11:00",
        "room": "room-1",
    }
    workshop.starts_at += timedelta(hours=4)
    workshop.ends_at += timedelta(hours=4)
    workshop.room = room_2
    db.session.flush()
    return {
        "session_id": workshop.id,
        "code": "ws-llm",
        "change": "moved",
        "title": workshop.title,
        "before": before,
        "after": {"starts_at": "2026-12-19T13:00", "ends_at": "2026-12-19T15:00", "room": "room-2"},
    }


def change(code, kind, **extra) -> dict:
    row = session(code)
    return {
        "session_id": row.id,
        "code": code,
        "change": kind,
        "title": row.title,
        "before": None,
        "after": None,
        **extra,
    }


def mails() -> dict[str, list[OutboxMail]]:
    found: dict[str, list[OutboxMail]] = {}
    for row in db.session.execute(select(OutboxMail).order_by(OutboxMail.id)).scalars():
        found.setdefault(row.to_address, []).append(row)
    return found


@pytest.fixture
def conference(ctx):
    conference = make_programme()
    ask_forums(conference, "optional")
    return conference


def test_enrolled_and_forum_attendees_are_told_others_are_not(conference):
    enrolled = person(conference, sessions=["ws-llm"])
    ai_fan = person(conference, locale="en", forums=["ai"])
    both = person(conference, forums=["ai"], sessions=["ws-llm"])
    energy_fan = person(conference, forums=["energy"])
    visitor = person(conference, sessions=["visit"])
    bystander = person(conference)
    db.session.execute(db.delete(OutboxMail))  # the registration mails
    db.session.commit()

    publish(
        conference,
        [
            moved_workshop(conference),
            change("ai-talks", "cancelled"),
            change("energy-talks", "added"),  # news, but nothing to warn about
        ],
    )
    sent = mails()
    assert set(sent) == {enrolled.email, ai_fan.email, both.email}
    assert all(len(rows) == 1 for rows in sent.values())  # one mail per person
    for quiet in (energy_fan, visitor, bystander):
        assert quiet.email not in sent

    moved = sent[enrolled.email][0]
    assert moved.subject == "日程变更：大模型实训 · 第五届川渝科技学术大会"
    assert "现为：2026-12-19 13:00–15:00，二号会议室。" in moved.body
    assert "原为：2026-12-19 09:00–11:00，一号会议室。" in moved.body
    assert "（版本 v2）" in moved.body
    assert f"/r/{enrolled.manage_token}/agenda" in moved.body
    assert "人工智能报告" not in moved.body

    cancelled = sent[ai_fan.email][0]
    assert cancelled.subject.startswith("Programme change: AI talks · ")
    assert "This session has been cancelled." in cancelled.body
    assert cancelled.body.startswith("Dear ")

    two = sent[both.email][0]
    assert two.subject.startswith("您的日程有 2 项变更")
    assert "大模型实训" in two.body and "人工智能报告" in two.body and "该场次已取消。" in two.body


def test_a_real_release_tells_what_it_published_not_what_the_draft_says_now(
    conference, monkeypatch
):
    """Through ``publish``: the mails describe the release's own entries. The draft moved on
    meanwhile (the organizer edited it again): the mail still tells the published time."""
    enrolled = person(conference, locale="en", sessions=["ws-llm"])
    fan = person(conference, forums=["ai"])
    db.session.execute(db.delete(OutboxMail))
    db.session.commit()
    workshop = session("ws-llm")
    room_2 = next(r for r in conference.rooms if r.code == "room-2")
    workshop.starts_at += timedelta(hours=4)
    workshop.ends_at += timedelta(hours=4)
    workshop.room = room_2
    session("ai-talks").title_en = "Frontiers of AI"
    session("ai-talks").title = "人工智能前沿"
    db.session.flush()
    # A later draft edit in the same transaction as the signal's receiver would read it.
    original = notices.write_change_mails

    def edited_meanwhile(*args, **kwargs):
        workshop.starts_at += timedelta(hours=1)
        db.session.flush()
        return original(*args, **kwargs)

    monkeypatch.setattr(notices, "write_change_mails", edited_meanwhile)
    release(conference, "v2")
    sent = mails()
    assert set(sent) == {enrolled.email, fan.email}
    (moved,) = sent[enrolled.email]
    assert moved.subject.startswith("Programme change: LLM workshop · ")
    assert "Now: 2026-12-19 13:00–15:00, 二号会议室." in moved.body
    assert "Before: 2026-12-19 09:00–11:00, 一号会议室." in moved.body
    assert "(release v2)" in moved.body
    (renamed,) = sent[fan.email]
    assert "人工智能前沿" in renamed.subject
    assert "标题已更改（原为：人工智能报告）。" in renamed.body


def test_nothing_for_unchanged_or_added_sessions(conference):
    person(conference, forums=["ai"], sessions=["ws-llm"])
    db.session.execute(db.delete(OutboxMail))
    db.session.commit()
    publish(conference, [change("ai-talks", "added"), change("ws-llm", "changed")])
    publish(conference, [])
    assert mails() == {}


def test_renamed_session_names_the_old_title(conference):
    fan = person(conference, forums=["ai"])
    db.session.execute(db.delete(OutboxMail))
    talks = session("ai-talks")
    talks.title = "人工智能前沿报告"
    publish(conference, [change("ai-talks", "renamed", before={"title": "人工智能报告"})])
    (mail,) = mails()[fan.email]
    assert "人工智能前沿报告" in mail.subject
    assert "标题已更改（原为：人工智能报告）。" in mail.body


def test_a_publication_rolled_back_sends_nothing(conference):
    person(conference, sessions=["ws-llm"])
    db.session.execute(db.delete(OutboxMail))
    db.session.commit()
    signals.schedule_published.send(
        conference, release=Release(), changes=[change("ws-llm", "cancelled")]
    )
    db.session.rollback()
    assert mails() == {}


def test_cancelled_registrations_are_not_told(conference):
    from eventsys.registration import services as registration_services

    gone = person(conference, sessions=["ws-llm"], forums=["ai"])
    registration_services.cancel(gone)
    db.session.execute(db.delete(OutboxMail))
    db.session.commit()
    publish(conference, [change("ws-llm", "cancelled"), change("ai-talks", "cancelled")])
    assert mails() == {}


# --- a large conference: a job writes the mails in batches ---------------------------------------


@pytest.fixture(params=DATABASES)
def queue_app(request, tmp_path):
    app = build_app(request.param, tmp_path, MAIL_DELIVERY="queue", AGENDA_CHANGE_MAIL_INLINE_MAX=2)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_many_recipients_are_mailed_by_a_tracked_job(queue_app, monkeypatch):
    monkeypatch.setattr(notices, "BATCH", 2)
    with queue_app.app_context():
        conference = make_programme()
        ask_forums(conference, "optional")
        people = [(p.id, p.email) for p in (person(conference, forums=["ai"]) for _ in range(5))]
        db.session.execute(db.delete(OutboxMail))
        db.session.commit()
        publish(conference, [change("ai-talks", "cancelled")])
        assert mails() == {}  # not in the publishing transaction: too many
        job = db.session.execute(select(Job)).scalar_one()
        assert job.kind == "agenda.change_mails" and job.conference_id == conference.id
        assert job.params["recipients"] == 5
        job_id = job.id
        db.session.remove()
    with Worker(queue_app):
        wait_for(lambda: _job_status(queue_app, job_id) == "done", message="the change mails job")
    with queue_app.app_context():
        sent = mails()
        assert set(sent) == {email for _id, email in people}
        assert all(len(rows) == 1 for rows in sent.values())
        job = db.session.get(Job, job_id)
        assert job.progress == 100 and job.params["done_through"] == max(people)[0]

        # A retry after a crash continues after the last batch committed: nobody twice.
        db.session.execute(db.delete(OutboxMail))
        job.params = {**job.params, "done_through": sorted(people)[2][0]}
        db.session.commit()
        notices.write_change_mails_job(db.session.get(Job, job_id))
        assert set(mails()) == {email for _id, email in sorted(people)[3:]}


def _job_status(app, job_id) -> str:
    with app.app_context():
        try:
            return db.session.execute(select(Job.status).where(Job.id == job_id)).scalar_one()
        finally:
            db.session.remove()


def test_queries_do_not_grow_with_people(conference):
    """Recipients and what their mails say are read in a fixed number of queries, whatever
    their number (each mail is then one outbox row written: ``queue_mail``)."""
    from sqlalchemy import event

    session("ws-llm").capacity = 100
    release(conference)  # attendees enroll against the published capacity

    def queries_for(n: int) -> int:
        for _ in range(n):
            person(conference, forums=["ai"], sessions=["ws-llm"])
        changes = [change("ai-talks", "cancelled"), change("ws-llm", "cancelled")]
        db.session.expire_all()
        conference.forums, conference.rooms  # noqa: B018 (loaded as a page would have them)
        statements = []

        def count(_conn, _cursor, statement, *_args):
            statements.append(statement.split("\n")[0][:80])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            recipients = notices._recipients(conference, changes)
            notices.write_change_mails(conference, changes, recipients, "v2")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        db.session.rollback()
        return [s for s in statements if not s.startswith("INSERT INTO mail_outbox")]

    few = queries_for(2)
    many = queries_for(12)
    assert few == many
