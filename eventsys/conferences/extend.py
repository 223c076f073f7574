"""How the domains built on a conference add their parts to its pages and its JSON.

The conference domain knows no domain above it. Each of them, in its ``init_app``, adds what it
owns here: links in the conference's navigation, cards on the organizer's overview, sections of
the public page, kinds of parts listed under a conference (check-in lists …), and its section of
the conference JSON. ``create_app`` calls the domains in order, and that order is the order of
the JSON's keys and of the pages' sections where no ``order`` is given.

    from eventsys.conferences import extend
    extend.add_nav(app, "checkin.lists", _l("Check-in"), role="checkin", order=40)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

from eventsys.conferences.models import Conference
from eventsys.extensions import db

_KEY = "eventsys.conferences"


@dataclass
class NavItem:
    endpoint: str
    label: Any  # a lazy string
    role: str | None = None  # the least role that sees the link; None: everyone with a role
    kind: str | None = None  # for the generic parts pages
    current: tuple[str, ...] = ()  # other endpoints on which this link is the current one
    order: int = 50


@dataclass
class PartKind:
    """Things an organizer lists under a conference with a code and a name (rooms, forums,
    check-in lists …), edited on the generic parts pages and deleted only when no domain
    objects (``signals.part_deleting``)."""

    kind: str
    model: type
    form: type
    title: Any
    one: Any
    fields: list[str]
    order: int = 50
    # values from the form → column values; may raise a DomainError (e.g. an unknown session)
    prepare_values: Callable[[Conference, dict], dict] | None = None
    # fills choices of the form, e.g. the conference's sessions
    prepare_form: Callable[[Conference, Any, Any], None] | None = None
    # a template with macros ``head()`` and ``cells(item)`` for columns of its own
    columns_template: str | None = None


@dataclass
class JsonSection:
    """A domain's part of the conference JSON.

    ``parse(checker, data, context)`` checks the document's keys it owns and returns them
    normalised (a dict merged into the spec); it may read and extend ``context`` (``tz``, the
    codes of forums, rooms, sessions …) for the sections after it. ``load(conference, spec,
    context)`` writes them (``context`` holds the rows by code). ``export(conference, out)``
    adds its keys to ``out``.
    """

    name: str
    parse: Callable[[Any, dict, dict], dict]
    load: Callable[[Conference, dict, dict], None]
    export: Callable[[Conference, dict], None]
    order: int = 50  # the place of its keys in the document


@dataclass
class RegistrationSection:
    """A domain's own question on the registration form and in the registration API (the
    forums one attends …), kept by that domain.

    ``key``: the form field name and the API body's key. ``render(conference, values)``
    returns HTML for inside the public form (``values``: what was sent, to show again).
    ``accept(registration, value, by_staff)`` runs in the registering transaction after the
    registration was flushed (``value``: the form's list of values, or the JSON value, or None
    when absent); a ``DomainError`` refuses the whole registration."""

    key: str
    render: Callable[[Conference, list[str]], str]
    accept: Callable[[Any, Any, bool], None]
    order: int = 50


@dataclass
class ReportSection:
    """A domain's part of the conference's summary report (the staff page and the PDF).

    ``build(conference)`` returns either an HTML fragment (escaped text, charts as inline
    SVG: no scripts, no inline styles, no outside URLs) or ``(template name, context)`` that
    the report renders. The fragment should start with its own ``<h2>``. Sections appear
    by ``order``: registration 20, check-in 30; the programme and signed projects add theirs.
    """

    name: str
    order: int
    build: Callable[[Conference], Any]


@dataclass
class Preload:
    """Facts a domain reads on the busiest pages (a conference's settings, whether an attendee
    was checked in …), fetched as extra columns of the query that loads the conference or the
    attendee's registration instead of by a query of their own.

    ``columns(id_column)`` returns labelled scalar SQL expressions correlated to
    ``id_column`` (the conference's id, or the registration's); ``remember(id, values)``
    keeps what came back (a dict by label) where the domain's readers look first for the rest
    of the transaction (``eventsys.txcache``). Labels start with the domain's name."""

    columns: Callable[[Any], list]
    remember: Callable[[int, dict], None]


@dataclass
class Registry:
    nav: list[NavItem] = field(default_factory=list)
    part_kinds: dict[str, PartKind] = field(default_factory=dict)
    dashboard: list[tuple[int, Callable[[Conference], str]]] = field(default_factory=list)
    public: list[tuple[int, Callable[[Conference], str]]] = field(default_factory=list)
    json_sections: list[JsonSection] = field(default_factory=list)
    registration_sections: list[RegistrationSection] = field(default_factory=list)
    attendee: list[tuple[int, Callable[[Any], str]]] = field(default_factory=list)
    report_sections: list[ReportSection] = field(default_factory=list)
    conference_preloads: list[Preload] = field(default_factory=list)
    registration_preloads: list[Preload] = field(default_factory=list)
    preloaded_queries: dict = field(default_factory=dict)


def registry(app: Flask | None = None) -> Registry:
    app = app or current_app
    return app.extensions.setdefault(_KEY, Registry())


def add_nav(app: Flask, endpoint: str, label, **options) -> None:
    items = registry(app).nav
    item = NavItem(endpoint, label, **options)
    if item in items:
        return
    items.append(item)
    items.sort(key=lambda item: item.order)


def add_part_kind(app: Flask, part_kind: PartKind) -> None:
    kinds = registry(app).part_kinds
    kinds[part_kind.kind] = part_kind
    ordered = sorted(kinds.values(), key=lambda k: k.order)
    kinds.clear()
    kinds.update((k.kind, k) for k in ordered)


def add_dashboard_section(app: Flask, render: Callable[[Conference], str], order=50) -> None:
    """``render(conference)`` returns HTML for the organizer's overview (``g.conference_role``
    tells who is looking)."""
    sections = registry(app).dashboard
    sections.append((order, render))
    sections.sort(key=lambda entry: entry[0])


def add_public_section(app: Flask, render: Callable[[Conference], str], order=50) -> None:
    """``render(conference)`` returns HTML for the conference's public page."""
    sections = registry(app).public
    sections.append((order, render))
    sections.sort(key=lambda entry: entry[0])


def add_json_section(app: Flask, section: JsonSection) -> None:
    sections = registry(app).json_sections
    if all(existing.name != section.name for existing in sections):
        sections.append(section)
        sections.sort(key=lambda s: s.order)


def add_report_section(app: Flask, section: ReportSection) -> None:
    """Add a section to the summary report (once per name)."""
    sections = registry(app).report_sections
    if all(existing.name != section.name for existing in sections):
        sections.append(section)
        sections.sort(key=lambda s: s.order)


def part_kind(kind: str) -> PartKind | None:
    return registry().part_kinds.get(kind)


def add_registration_section(app: Flask, section: RegistrationSection) -> None:
    sections = registry(app).registration_sections
    if all(existing.key != section.key for existing in sections):
        sections.append(section)
        sections.sort(key=lambda s: s.order)


def registration_sections_html(conference: Conference, form) -> list[str]:
    """The domains' sections of the public registration form (``form``: the posted form
    data, a MultiDict, or None on a first visit)."""
    return [
        section.render(conference, form.getlist(section.key) if form is not None else [])
        for section in registry().registration_sections
    ]


def accept_registration_sections(registration, get_value, by_staff: bool = False) -> None:
    """Let each domain store its part of a registration just made; ``get_value(key)`` is the
    form's list of values or the API body's value (None when absent)."""
    for section in registry().registration_sections:
        section.accept(registration, get_value(section.key), by_staff)


def add_attendee_section(app: Flask, render: Callable[[Any], str], order=50) -> None:
    """``render(registration)`` returns HTML for the attendee's own page (/r/<token>)."""
    sections = registry(app).attendee
    sections.append((order, render))
    sections.sort(key=lambda entry: entry[0])


def attendee_sections(registration) -> list[str]:
    return [render(registration) for _order, render in registry().attendee]


def add_conference_preload(app: Flask, preload: Preload) -> None:
    """Facts of a conference to read with it where ``execute_with_preloads`` loads it."""
    registry(app).conference_preloads.append(preload)


def add_registration_preload(app: Flask, preload: Preload) -> None:
    """Facts of one registration to read with it on the attendee's own page."""
    registry(app).registration_preloads.append(preload)


def execute_with_preloads(build: Callable[[], tuple], **params):
    """Run a query with every domain's preloads as extra columns, hand each domain its values,
    and return the entity (a conference, or a registration) or None.

    ``build()`` returns ``(select, conference id column, registration id column or None)``;
    the select takes its values as bind parameters (``params``). The statement, preloads
    included, is built once per application and reused (building a select with its loader
    options and a dozen correlated subqueries costs more than running it); without a
    registration id column the registration preloads are left out."""
    found = registry()
    prepared = found.preloaded_queries.get(build)
    if prepared is None:
        prepared = found.preloaded_queries[build] = _with_preloads(found, *build())
    statement, spans = prepared
    row = db.session.execute(statement, params).unique().first()
    if row is None:
        return None
    values = row._mapping
    for preload, owner, names in spans:
        preload.remember(values[f"_preload_{owner}"], {name: values[name] for name in names})
    return row[0]


def _with_preloads(found: Registry, query, conference_id, registration_id) -> tuple:
    parts = [(preload, conference_id, "conference") for preload in found.conference_preloads]
    columns = [conference_id.label("_preload_conference")]
    if registration_id is not None:
        parts += [
            (preload, registration_id, "registration") for preload in found.registration_preloads
        ]
        columns.append(registration_id.label("_preload_registration"))
    spans = []
    for preload, id_column, owner in parts:
        extra = preload.columns(id_column)
        spans.append((preload, owner, [column.name for column in extra]))
        columns.extend(extra)
    return query.add_columns(*columns), spans
