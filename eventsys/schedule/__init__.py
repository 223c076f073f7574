"""The timetable: sessions, speakers, the public programme and its JSON section."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """What the timetable hears from set-up: rooms and forums in use cannot go."""
    from eventsys import signals
    from eventsys.schedule import services

    signals.part_deleting.connect(services.room_in_use, sender="rooms")
    signals.part_deleting.connect(services.forum_in_use, sender="forums")
