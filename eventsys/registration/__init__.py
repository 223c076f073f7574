"""Registration: the public form, approval, waitlist, invitations, delegations, imports."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Blueprints, commands, template helpers, and what registration hears from set-up."""
    from eventsys import signals
    from eventsys.registration import cli, services, statuses
    from eventsys.registration.staff_views import bp as staff_bp
    from eventsys.registration.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(staff_bp)
    cli.register(app)
    app.jinja_env.globals["status_label"] = statuses.status_label
    app.jinja_env.globals["answer_text"] = services.answer_text

    signals.part_saved.connect(services.refuse_capacity_below_seats, sender="categories")
    signals.conference_saved.connect(services.conference_capacity_saved)
    signals.part_deleting.connect(services.category_in_use, sender="categories")
