"""Conferences: set-up (details, categories, forums, rooms, team), the conference JSON, the
public page, and the registry through which the domains above add their parts (``extend``)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Pages, commands, and the conference's own parts, links, cards and JSON section."""
    from eventsys.conferences import cli, extend, job_views, jsonio, mail_views, views
    from eventsys.conferences.forms import CategoryForm, ForumForm, RoomForm
    from eventsys.conferences.models import Category, Forum, Room

    app.register_blueprint(views.bp)
    app.register_blueprint(views.public_bp)
    app.register_blueprint(mail_views.bp)
    app.register_blueprint(job_views.bp)
    cli.register(app)
    app.jinja_env.globals["conference_nav"] = views.nav_items

    fields = ["code", "name", "name_en"]
    extend.add_part_kind(
        app,
        extend.PartKind(
            kind="categories",
            model=Category,
            form=CategoryForm,
            title=_l("Registration categories"),
            one=_l("category"),
            fields=[*fields, "capacity", "requires_approval", "invite_only"],
            order=10,
            columns_template="conferences/_category_columns.html",
        ),
    )
    extend.add_part_kind(
        app,
        extend.PartKind("forums", Forum, ForumForm, _l("Forums"), _l("forum"), fields, order=20),
    )
    extend.add_part_kind(
        app,
        extend.PartKind(
            "rooms", Room, RoomForm, _l("Rooms"), _l("room"), [*fields, "capacity"], order=30
        ),
    )
    for endpoint, label, options in (
        ("conferences.dashboard", _l("Overview"), {"order": 0}),
        ("conferences.edit", _l("Details"), {"role": "organizer", "order": 20}),
        (
            "conferences.parts",
            _l("Categories"),
            {"role": "organizer", "kind": "categories", "order": 21},
        ),
        ("conferences.parts", _l("Forums"), {"role": "organizer", "kind": "forums", "order": 30}),
        ("conferences.parts", _l("Rooms"), {"role": "organizer", "kind": "rooms", "order": 31}),
        ("conference_mail.mail", _l("E-mail"), {"role": "staff", "order": 80}),
        ("conferences.members", _l("Team"), {"role": "organizer", "order": 90}),
        ("public.conference_home", _l("Public page"), {"order": 99}),
    ):
        extend.add_nav(app, endpoint, label, **options)
    extend.add_dashboard_section(app, views.setup_cards, order=20)
    extend.add_public_section(app, views.forums_section, order=20)
    extend.add_json_section(app, jsonio.SETUP_SECTION)
