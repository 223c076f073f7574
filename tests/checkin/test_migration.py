"""The check-in migration gives every registration already in the database a manual code."""

from __future__ import annotations

import sqlalchemy as sa

from eventsys.registration.models import MANUAL_CODE_ALPHABET
from tests.test_migrations import flask


def test_existing_registrations_get_distinct_manual_codes(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    before = flask("db", "upgrade", "0002", database_url=url)
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
        conn.execute(
            sa.text(
                "INSERT INTO categories (id, conference_id, code, name, name_en, position,"
                " requires_approval, invite_only, seats_taken)"
                " VALUES (1, 1, 'delegate', '正式代表', '', 1, 0, 0, 0)"
            )
        )
        for n in range(1, 51):
            conn.execute(
                sa.text(
                    "INSERT INTO registrations (conference_id, category_id, name, email,"
                    " email_key, phone, phone_key, organization, position, answers, locale,"
                    " status, source, reason, manage_token, checkin_token, created_at,"
                    " updated_at) VALUES (1, 1, :name, :email, :email, :phone, :phone, '', '',"
                    " '{}', 'zh_CN', 'confirmed', 'web', '', :manage, :checkin,"
                    " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                ),
                {
                    "name": f"旧{n}",
                    "email": f"old{n}@example.com",
                    "phone": f"1390000{n:04d}",
                    "manage": f"manage-{n}",
                    "checkin": f"checkin-{n}",
                },
            )
    engine.dispose()
    after = flask("db", "upgrade", database_url=url)
    assert after.returncode == 0, after.stderr
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        codes = conn.execute(sa.text("SELECT manual_code FROM registrations")).scalars().all()
    engine.dispose()
    assert len(codes) == 50 == len(set(codes))
    assert all(len(c) == 8 and set(c) <= set(MANUAL_CODE_ALPHABET) for c in codes)
