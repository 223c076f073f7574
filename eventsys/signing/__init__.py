"""Signed cooperation projects (签约项目): recording, spreadsheet import, exact tallies in SQL,
exports (CSV, XLSX, PDF) and the big-screen counter of a signing ceremony."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Pages, commands, the conference's navigation link and overview card, the ``signing``
    JSON section, the summary report's section, and what signing hears from set-up (forums in
    use cannot go)."""
    from eventsys import signals
    from eventsys.conferences import extend
    from eventsys.signing import cli, jsonio, report, services, views

    app.register_blueprint(views.bp)
    app.register_blueprint(views.screen_bp)
    cli.register(app)
    extend.add_nav(
        app,
        "signing.index",
        _l("Signed projects"),
        role="staff",
        order=35,
        current=(
            "signing.new",
            "signing.edit",
            "signing.tallies",
            "signing.upload",
            "signing.settings",
            "signing.screen_settings",
            "signing.audit",
        ),
    )
    extend.add_dashboard_section(app, views.dashboard_section, order=35)
    extend.add_json_section(app, jsonio.SECTION)
    extend.add_report_section(app, extend.ReportSection("signing", 40, report.report_section))
    signals.part_deleting.connect(services.forum_in_use, sender="forums")
