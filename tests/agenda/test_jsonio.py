"""The forum-choice rules travel with the conference JSON (clone last year's meeting)."""

from __future__ import annotations

import pytest

from eventsys.agenda import services
from eventsys.conferences.jsonio import export_conference, load_conference
from eventsys.errors import ValidationError
from eventsys.extensions import db
from tests.agenda.helpers import FORUMS, ROOMS, SESSIONS, ask_forums, make_programme
from tests.factories import conference_json


def test_export_and_load_again(ctx):
    conference = make_programme()
    assert "forum_choice" not in export_conference(conference)
    ask_forums(conference, "required", max_choices=2, limits={"ai": 80}, changes_open=False)
    exported = export_conference(conference)
    assert exported["forum_choice"] == {
        "mode": "required",
        "max_choices": 2,
        "changes_open": False,
        "limits": {"ai": 80},
    }
    clone = load_conference({**exported, "slug": "cy-2027"})
    db.session.commit()
    settings = services.forum_settings(clone)
    assert (settings.mode, settings.max_choices, settings.changes_open) == ("required", 2, False)
    limits = {p.forum.code: p.capacity for p in services.forum_places(clone)}
    assert limits == {"ai": 80, "energy": None, "bio": None}


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ({"mode": "always"}, "forum_choice.mode"),
        ({"max_choices": 0}, "forum_choice.max_choices"),
        ({"limits": {"mars": 3}}, "forum_choice.limits.mars"),
        ({"limits": {"ai": -1}}, "forum_choice.limits.ai"),
        ({"limits": [1]}, "forum_choice.limits"),
        ("yes", "forum_choice"),
    ],
)
def test_bad_rules_name_the_field_and_load_nothing(ctx, rules, field):
    document = conference_json(forums=FORUMS, rooms=ROOMS, sessions=SESSIONS, forum_choice=rules)
    with pytest.raises(ValidationError) as refused:
        load_conference(document)
    assert field in refused.value.errors
    db.session.rollback()
