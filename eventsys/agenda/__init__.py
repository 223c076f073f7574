"""The attendee's side of the programme: forum choice (分论坛) with the organizer's limits,
enrollment in sessions with limited seats, the personal agenda and its iCal feed, and the
e-mails that tell attendees about changes to their sessions."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Pages, the sections of the registration form and of the attendee's page, staff links,
    and what the agenda hears: cancelled registrations, forums about to go, releases."""
    from eventsys import signals
    from eventsys.agenda import jsonio, notices, services, staff_views, views
    from eventsys.conferences import extend

    app.register_blueprint(views.bp)
    app.register_blueprint(staff_views.bp)
    app.config.setdefault("AGENDA_CHANGE_MAIL_INLINE_MAX", 200)

    extend.add_attendee_section(app, views.attendee_section, order=20)
    extend.add_conference_preload(
        app, extend.Preload(services.preload_columns, services.remember_preloaded)
    )
    extend.add_registration_section(
        app,
        extend.RegistrationSection(
            key="forums",
            render=views.registration_form_section,
            accept=services.accept_forums_at_registration,
            order=20,
        ),
    )
    extend.add_nav(
        app,
        "agenda_staff.headcounts",
        _l("Enrollment"),
        role="staff",
        current=("agenda_staff.session_people", "agenda_staff.forum_people"),
        order=32,
    )
    extend.add_nav(
        app, "agenda_staff.forum_settings", _l("Forum choice"), role="organizer", order=33
    )

    extend.add_json_section(app, jsonio.SECTION)

    signals.registration_cancelled.connect(services.release_places)
    signals.part_deleting.connect(services.forum_in_use, sender="forums")
    signals.schedule_published.connect(notices.schedule_published)
    notices.install_listeners()
