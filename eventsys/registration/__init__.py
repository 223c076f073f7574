"""Registration: the public form, approval, waitlist, invitations, delegations, imports."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Pages, commands, template helpers, its parts of the conference pages and JSON, and what
    registration hears from set-up (capacities saved, categories about to go)."""
    from eventsys import signals
    from eventsys.conferences import extend
    from eventsys.registration import cli, jsonio, notice_views, services, statuses, views
    from eventsys.registration.staff_views import bp as staff_bp

    app.register_blueprint(views.bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(notice_views.bp)
    cli.register(app)
    app.jinja_env.globals["status_label"] = statuses.status_label
    app.jinja_env.globals["answer_text"] = services.answer_text

    staff = "registration_staff."
    for endpoint, label, options in (
        (f"{staff}registrations", _l("Registrations"), {"current": (f"{staff}registration",)}),
        (f"{staff}approvals", _l("Approvals"), {}),
        (f"{staff}walk_in", _l("Walk-in"), {}),
    ):
        extend.add_nav(app, endpoint, label, role="staff", order=10, **options)
    extend.add_nav(
        app,
        "registration_notices.notice_list",
        _l("Notices"),
        role="staff",
        current=(
            "registration_notices.new",
            "registration_notices.edit",
            "registration_notices.notice",
        ),
        order=12,
    )
    extend.add_nav(
        app,
        f"{staff}questions",
        _l("Questions"),
        role="organizer",
        current=(f"{staff}edit_question",),
        order=22,
    )
    extend.add_nav(app, f"{staff}invitations", _l("Invitation codes"), role="organizer", order=23)
    extend.add_nav(
        app,
        f"{staff}registration_settings",
        _l("Registration settings"),
        role="organizer",
        order=24,
    )
    extend.add_dashboard_section(app, views.dashboard_section, order=10)
    extend.add_public_section(app, views.public_section, order=10)
    extend.add_json_section(app, jsonio.SECTION)

    from eventsys import mail
    from eventsys.registration import actors, history, notifications, questions, settings

    history.set_actor_resolver(actors.actor_from_request)
    mail.register_content(notifications.MAIL_KIND, notifications.build_registration_mail)
    for owner in (settings, questions):
        extend.add_conference_preload(
            app, extend.Preload(owner.preload_columns, owner.remember_preloaded)
        )
    app.jinja_env.globals["history_labels"] = history.action_labels
    app.jinja_env.globals["via_labels"] = history.via_labels

    signals.part_saved.connect(services.refuse_capacity_below_seats, sender="categories")
    signals.conference_saved.connect(services.conference_capacity_saved)
    signals.part_deleting.connect(services.category_in_use, sender="categories")
