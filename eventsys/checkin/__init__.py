"""Check-in: the signed codes in attendees' QR codes, check-in lists with their rules, the
decision on each scan (services.py), the operator's /q/ screen, the scanner page with its
offline mode, the live dashboard and wall (desk_views.py), the scan log (staff_views.py)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Pages, links and overview card, check-in lists as a part of the conference with their
    JSON section, and what check-in hears from set-up."""
    from eventsys import mail, signals
    from eventsys.checkin import codes, desk_views, jsonio, services
    from eventsys.checkin.forms import CheckinListForm, fill_list_form
    from eventsys.checkin.models import CheckinList
    from eventsys.checkin.staff_views import bp as staff_bp
    from eventsys.checkin.staff_views import dashboard_section
    from eventsys.checkin.views import bp, ticket_qr
    from eventsys.conferences import extend

    app.register_blueprint(bp)
    app.register_blueprint(staff_bp)
    # The worker draws the QR code of a confirmation e-mail when it sends it.
    mail.register_attachment("qr_png", codes.mail_qr_attachment)
    app.jinja_env.globals["ticket_qr"] = ticket_qr
    extend.add_part_kind(
        app,
        extend.PartKind(
            kind="checkin_lists",
            model=CheckinList,
            form=CheckinListForm,
            title=_l("Check-in lists"),
            one=_l("check-in list"),
            fields=[
                "code",
                "name",
                "name_en",
                "session",
                "categories",
                "opens_at",
                "closes_at",
                "allow_reentry",
            ],
            order=40,
            prepare_values=services.list_values,
            prepare_form=fill_list_form,
            columns_template="checkin/_list_columns.html",
        ),
    )
    extend.add_nav(
        app,
        "conferences.parts",
        _l("Check-in lists"),
        role="organizer",
        kind="checkin_lists",
        order=40,
    )
    extend.add_nav(app, "checkin_staff.choose_gate", _l("Gate"), role="checkin", order=8)
    extend.add_nav(app, "checkin_staff.scan_log", _l("Scan log"), role="staff", order=42)
    extend.add_dashboard_section(app, dashboard_section, order=15)
    extend.add_json_section(app, jsonio.SECTION)

    signals.part_deleting.connect(services.list_in_use, sender="checkin_lists")
    signals.part_deleting.connect(services.category_on_a_list, sender="categories")

    app.register_blueprint(desk_views.bp)
    desk = "checkin_desk."
    for endpoint, label, order in (
        (f"{desk}scanner", _l("Scanner"), 5),
        (f"{desk}live", _l("Check-in dashboard"), 6),
        (f"{desk}wall", _l("Check-in wall"), 7),
    ):
        extend.add_nav(app, endpoint, label, role="checkin", order=order)
