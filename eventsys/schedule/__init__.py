"""The timetable: sessions, speakers, the public programme and its JSON section."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The programme on the public page, the overview card, the ``sessions`` JSON section, and
    what the timetable hears from set-up: rooms and forums in use cannot go."""
    from eventsys import signals
    from eventsys.conferences import extend
    from eventsys.schedule import jsonio, services, views

    signals.part_deleting.connect(services.room_in_use, sender="rooms")
    signals.part_deleting.connect(services.forum_in_use, sender="forums")
    extend.add_public_section(app, views.programme_section, order=30)
    extend.add_dashboard_section(app, views.dashboard_section, order=30)
    extend.add_json_section(app, jsonio.SECTION)
