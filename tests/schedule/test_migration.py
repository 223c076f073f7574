"""Migration 0008 turns the speakers typed into each session into people (one row per person)
and gives every session its stable uuid; downgrading puts the names back."""

from __future__ import annotations

import sqlalchemy as sa

from tests.test_migrations import flask


def test_existing_speakers_become_one_person_each_and_sessions_get_uuids(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    before = flask("db", "upgrade", "0005", database_url=url)
    assert before.returncode == 0, before.stderr
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO conferences (id, slug, title, title_en, starts_on, ends_on, timezone,"
                " venue, venue_en, description, created_at, seats_taken, edits_require_approval)"
                " VALUES (1, 'old', '旧会议', '', '2026-12-18', '2026-12-19', 'Asia/Shanghai', '',"
                " '', '', '2026-01-01 00:00:00', 0, 0)"
            )
        )
        for n, code in enumerate(("a", "b"), start=1):
            conn.execute(
                sa.text(
                    "INSERT INTO schedule_sessions (id, conference_id, code, title, title_en,"
                    " kind, starts_at, ends_at, description, position) VALUES (:id, 1, :code,"
                    " :code, '', 'talk', '2026-12-18 01:00:00', '2026-12-18 02:00:00', '', :id)"
                ),
                {"id": n, "code": code},
            )
        for session_id, name, affiliation, role in (
            (1, "张 三", "四川大学", "speaker"),
            (2, "张三", "四川大学", "chair"),  # the same person, spelled without the space
            (2, "李四", "", "speaker"),
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO session_speakers (session_id, name, affiliation, role, position)"
                    " VALUES (:s, :n, :a, :r, 1)"
                ),
                {"s": session_id, "n": name, "a": affiliation, "r": role},
            )
    engine.dispose()
    after = flask("db", "upgrade", database_url=url)
    assert after.returncode == 0, after.stderr
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        people = conn.execute(sa.text("SELECT name, organization FROM schedule_people")).all()
        links = conn.execute(
            sa.text(
                "SELECT s.code, p.name, l.role FROM session_speakers l JOIN schedule_people p"
                " ON p.id = l.person_id JOIN schedule_sessions s ON s.id = l.session_id"
                " ORDER BY l.id"
            )
        ).all()
        uuids = conn.execute(sa.text("SELECT uuid FROM schedule_sessions")).scalars().all()
    engine.dispose()
    assert sorted(people) == [("张 三", "四川大学"), ("李四", "")]
    assert [tuple(link) for link in links] == [
        ("a", "张 三", "speaker"),
        ("b", "张 三", "chair"),
        ("b", "李四", "speaker"),
    ]
    assert len(set(uuids)) == 2 and all(len(u) == 36 for u in uuids)

    down = flask("db", "downgrade", "0005", database_url=url)
    assert down.returncode == 0, down.stderr
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        names = conn.execute(sa.text("SELECT name FROM session_speakers ORDER BY id")).all()
    engine.dispose()
    assert [n for (n,) in names] == ["张 三", "张 三", "李四"]
