"""The timetable: sessions, people, conflicts, releases, the public programme and its exports."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """The editor and the public programme, the programme on the public page, the overview
    card, the ``sessions`` JSON section, the summary report's section, publish-schedule, and
    what the timetable hears from set-up: rooms and forums in use cannot go."""
    from eventsys import signals
    from eventsys.conferences import extend
    from eventsys.schedule import cli, editor_views, jsonio, published, report, services, views

    app.register_blueprint(views.bp)
    app.register_blueprint(editor_views.bp)
    cli.register(app)
    app.jinja_env.globals.update(views.template_helpers())
    signals.part_deleting.connect(services.room_in_use, sender="rooms")
    signals.part_deleting.connect(services.forum_in_use, sender="forums")
    extend.add_nav(
        app,
        "schedule_editor.grid",
        _l("Timetable"),
        role="organizer",
        order=35,
        current=editor_views.EDITOR_ENDPOINTS,
    )
    extend.add_public_section(app, views.programme_section, order=30)
    extend.add_conference_preload(
        app, extend.Preload(published.preload_columns, published.remember_preloaded)
    )
    extend.add_dashboard_section(app, views.dashboard_section, order=30)
    extend.add_json_section(app, jsonio.SECTION)
    extend.add_report_section(app, extend.ReportSection("schedule", 35, report.report_section))
