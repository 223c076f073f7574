"""Documents: badges (A6 and A4 four-up, bulk in the background), the e-ticket as PDF and as
a picture, certificates of attendance with their public verification page, and the summary
report, all rendered by WeasyPrint through ``eventsys.pdf``."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Pages, commands, links, the report's registration and check-in sections, and the
    start-up check for a Chinese font."""
    from eventsys import mail, pdf
    from eventsys.conferences import extend
    from eventsys.documents import cli, report, services, views

    pdf.check_cjk_font(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(views.staff_bp)
    app.jinja_env.globals["attendee_documents"] = views.attendee_documents
    app.jinja_env.globals["staff_documents"] = views.staff_documents
    cli.register(app)
    report.register_sections(app)
    mail.register_attachment(services.TICKET_MAIL_KIND, services.mail_ticket_attachment)
    extend.add_registration_preload(
        app, extend.Preload(services.preload_columns, services.remember_preloaded)
    )
    extend.add_nav(app, "documents_staff.badges", _l("Badges"), role="staff", order=44)
    extend.add_nav(app, "documents_staff.report_page", _l("Report"), role="staff", order=46)
