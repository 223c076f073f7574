"""Badges, e-tickets and certificates of attendance: what goes on them, and their PDFs.

Templates get plain dicts (``badge_item`` …) of text that Jinja escapes; every document is
rendered through ``eventsys.pdf``, whose fetcher answers only ``data:`` URIs and the static
folder, whatever a name holds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload, object_session

from eventsys import pdf
from eventsys.checkin.codes import checkin_code
from eventsys.checkin.models import CheckinState
from eventsys.conferences.models import Category, Conference
from eventsys.db_types import utcnow
from eventsys.documents.models import (
    BADGE_LAYOUTS,
    DEFAULT_BADGE_COLOUR,
    BadgeColour,
    BadgePrint,
    BadgeSettings,
    Certificate,
)
from eventsys.documents.qr import paint_qr_boxes, qr_box, qr_svg
from eventsys.documents.text_fit import fit_line, size_rules
from eventsys.errors import NotFound, ValidationError
from eventsys.extensions import db
from eventsys.i18n import date_range
from eventsys.registration.models import Registration
from eventsys.text import clean_text, exportable
from eventsys.txcache import transaction_cache

# The badge's printable width for the name (a 4-up badge, the narrower of the two).
BADGE_TEXT_WIDTH_MM = 84
NAME_MAX_PT, NAME_MIN_PT = 44, 16
ORGANIZATION_MAX_PT, ORGANIZATION_MIN_PT = 15, 9
TITLE_MAX_PT, TITLE_MIN_PT = 11, 7.5
# Badges per rendering chunk. Each chunk (a document of its own) pays a fixed cost, mostly
# subsetting the two CJK fonts (HarfBuzz, some 0.05 s each), so a small batch is one chunk
# per rendering process, with at least MIN_CHUNK badges. But WeasyPrint's time per page grows
# with the pages and elements of its document (each new page's style walks every element's
# styles): a chunk of 500 A6 badges costs 20-30 % more per badge than one of 250, so a large
# batch is cut into chunks of at most MAX_CHUNK, as many for each process.
MIN_CHUNK = 40
MAX_CHUNK = 250
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
TICKET_STATUSES = ("confirmed", "pending")


# --- badge settings -------------------------------------------------------------------------


def badge_settings(conference: Conference) -> BadgeSettings:
    """The conference's badge settings (the defaults, unsaved, when the organizer set none)."""
    settings = db.session.execute(
        select(BadgeSettings).where(BadgeSettings.conference_id == conference.id)
    ).scalar_one_or_none()
    if settings is None:
        settings = BadgeSettings(
            conference_id=conference.id,
            layout="a6",
            show_organization=True,
            show_position=False,
            footer="",
        )
    return settings


def category_colours(conference: Conference) -> dict[int, tuple[str, str]]:
    """{category id: (band colour, text colour)} for every category of the conference (read
    through the conference's own session: the mail worker builds tickets in its own)."""
    session = object_session(conference) or db.session
    saved = {
        row.category_id: (row.colour, row.text_colour)
        for row in session.execute(
            select(BadgeColour).where(BadgeColour.conference_id == conference.id)
        ).scalars()
    }
    return {c.id: saved.get(c.id, (DEFAULT_BADGE_COLOUR, "#ffffff")) for c in conference.categories}


def check_layout(layout: str | None) -> str:
    if layout not in BADGE_LAYOUTS:
        raise ValidationError(
            _("Unknown layout %(layout)s: choose a6 or a4-4up.", layout=layout),
            {"layout": _("Choose a6 or a4-4up.")},
        )
    return layout


def _colour(value: str, field: str, errors: dict) -> str:
    value = (value or "").strip()
    if not COLOUR_RE.match(value):
        errors[field] = _("A colour like #1f5fa8.")
    return value.lower()


def save_badge_settings(
    conference: Conference,
    *,
    layout: str,
    show_organization: bool,
    show_position: bool,
    footer: str,
    colours: dict[str, tuple[str, str]],
) -> BadgeSettings:
    """Save the layout, what the badge shows, and each category's colours (by category
    code: (band, text)). All or nothing: a bad colour changes nothing."""
    errors: dict[str, str] = {}
    check_layout(layout)
    footer = clean_text(footer or "", 100, "footer", errors)
    categories = {c.code: c for c in conference.categories}
    checked = {}
    for code, (band, text) in colours.items():
        if code not in categories:
            errors[f"colour-{code}"] = _("Unknown category.")
            continue
        checked[code] = (
            _colour(band, f"colour-{code}", errors),
            _colour(text, f"text-{code}", errors),
        )
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    settings = badge_settings(conference)
    settings.layout = layout
    settings.show_organization = bool(show_organization)
    settings.show_position = bool(show_position)
    settings.footer = footer
    db.session.add(settings)
    existing = {
        row.category_id: row
        for row in db.session.execute(
            select(BadgeColour).where(BadgeColour.conference_id == conference.id)
        ).scalars()
    }
    for code, (band, text) in checked.items():
        category = categories[code]
        row = existing.get(category.id) or BadgeColour(
            conference_id=conference.id, category_id=category.id
        )
        row.colour, row.text_colour = band, text
        db.session.add(row)
    db.session.flush()
    return settings


def badge_css(conference: Conference) -> str:
    """The conference's own badge styles: each category's band colour, and the font sizes
    the fitted texts name. Served to the browser's preview and given to WeasyPrint alike."""
    rules = [
        f".band-{category_id}{{background:{band};color:{text}}}"
        for category_id, (band, text) in category_colours(conference).items()
        if COLOUR_RE.match(band) and COLOUR_RE.match(text)
    ]
    return "\n".join(rules) + "\n" + size_rules()


# --- badges ---------------------------------------------------------------------------------


def _spaced(code: str) -> str:
    return f"{code[:4]} {code[4:]}"


def badge_header(conference: Conference) -> dict:
    """What every badge of the conference shares (computed once for a thousand badges)."""
    title = exportable(conference.title)
    return {
        "title": title,
        "title_en": exportable(conference.title_en or ""),
        "title_fit": fit_line(title, BADGE_TEXT_WIDTH_MM, TITLE_MAX_PT, TITLE_MIN_PT).css_class,
        "dates": date_range(conference.starts_on, conference.ends_on),
    }


def badge_item(
    registration: Registration, settings: BadgeSettings, *, inline_qr: bool = False
) -> dict:
    """One badge, as the template reads it. Text stays text (Jinja escapes it); an empty
    organization leaves its line out. The QR code is an empty box that the rendering process
    paints into the PDF after the layout (``qr.paint_qr_boxes``), or with ``inline_qr`` (the
    browser's preview) the SVG itself."""
    code = checkin_code(registration.checkin_token)
    name = exportable(registration.name.strip())
    organization = exportable((registration.organization or "").strip())
    position = exportable((registration.position or "").strip())
    name_fit = fit_line(name, BADGE_TEXT_WIDTH_MM, NAME_MAX_PT, NAME_MIN_PT)
    organization_fit = fit_line(
        organization, BADGE_TEXT_WIDTH_MM, ORGANIZATION_MAX_PT, ORGANIZATION_MIN_PT
    )
    category = registration.category
    return {
        "id": registration.id,
        "name": name,
        "name_class": name_fit.css_class + (" wraps" if name_fit.lines > 1 else ""),
        "organization": organization if settings.show_organization else "",
        "organization_class": organization_fit.css_class
        + (" wraps" if organization_fit.lines > 1 else ""),
        "position": position if settings.show_position else "",
        "category": exportable(category.name),
        "category_en": exportable(category.name_en or ""),
        "band_class": f"band-{category.id}",
        "qr": Markup(qr_svg(code)) if inline_qr else qr_box(code),
        "manual_code": _spaced(registration.manual_code),
        "footer": exportable(settings.footer or ""),
    }


def sample_registration(conference: Conference, category: Category | None = None):
    """A made-up attendee for the preview when nobody has registered yet."""
    category = category or (conference.categories[0] if conference.categories else None)
    if category is None:
        raise NotFound(_("The conference has no categories yet."))
    return Registration(
        id=0,
        conference=conference,
        category=category,
        name="欧阳明远",
        organization="四川大学 · Sichuan University",
        position="教授",
        checkin_token="preview-" + "0" * 16,
        manual_code="PREVIEW2",
    )


def find_category(conference: Conference, code: str | None) -> Category | None:
    """The conference's category with this code; None for no code; a clear refusal for an
    unknown one (naming the codes there are)."""
    if not code:
        return None
    for category in conference.categories:
        if category.code == code:
            return category
    known = ", ".join(c.code for c in conference.categories) or "—"
    raise ValidationError(
        _("Unknown category %(code)s (categories: %(known)s).", code=code, known=known),
        {"category": _("Unknown category.")},
    )


def badge_registrations(
    conference: Conference,
    *,
    category: str | None = None,
    organization: str | None = None,
    not_printed: bool = False,
    limit: int | None = None,
) -> list[Registration]:
    """The confirmed attendees whose badges to print, by category then name: all of them, or
    one category's, those whose organization contains the text, those never printed (the
    first ``limit`` of them, for a preview)."""
    found = find_category(conference, category)
    query = (
        select(Registration)
        .options(joinedload(Registration.category))
        .where(Registration.conference_id == conference.id, Registration.status == "confirmed")
    )
    if found is not None:
        query = query.where(Registration.category_id == found.id)
    if organization and organization.strip():
        query = query.where(Registration.organization.contains(organization.strip()))
    if not_printed:
        query = query.where(
            ~exists().where(BadgePrint.registration_id == Registration.id).correlate(Registration)
        )
    query = query.join(Category, Category.id == Registration.category_id).order_by(
        Category.position, Category.id, Registration.name, Registration.id
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.execute(query).scalars())


def _badge_stylesheets(conference: Conference) -> tuple[str, ...]:
    return (pdf.stylesheet("common"), pdf.stylesheet("badge"), badge_css(conference))


# Newlines (and the indentation after them) between two tags: the badge templates put them
# only between blocks, where they are layout-free, but WeasyPrint would make boxes of them.
_BETWEEN_TAGS_RE = re.compile(r">\s*\n\s*<")


def badge_document(conference: Conference, items: list[dict], layout: str, header: dict) -> str:
    """The HTML of a chunk of badges: first, on pages of their own, each category's shared
    part (the conference's title, the colour band, the cut marks), laid out once and stamped
    on the category's badges afterwards (``pdf.stamp_repeated_parts``), then each badge's own
    part (the name, the organization, the codes)."""
    shared: dict[str, dict] = {}
    for item in items:
        shared.setdefault(item["band_class"], item)
    html = render_template(
        "pdf/badges.html",
        conference=conference,
        items=items,
        shared=list(shared.values()),
        layout=layout,
        header=header,
    )
    return _BETWEEN_TAGS_RE.sub("><", html)


# In each rendering process, once a chunk is laid out: its QR codes painted into their boxes,
# then each category's shared part stamped on its badges (and its own page left out).
BADGE_FINISHER = pdf.Finishers(paint_qr_boxes, pdf.stamp_repeated_parts)


def badges_pdf(
    conference: Conference,
    registrations: Sequence[Registration],
    layout: str | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> bytes:
    """The badges of ``registrations`` in one PDF: A6 one per page, or four on an A4 sheet
    with cut marks. Rendered in parallel chunks (``eventsys.pdf.render_pdf_chunks``)."""
    settings = badge_settings(conference)
    layout = check_layout(layout or settings.layout)
    if not registrations:
        raise ValidationError(_("No badges to print: nobody matches."))
    header = badge_header(conference)
    items = [badge_item(r, settings) for r in registrations]
    workers = workers or current_app.config.get("PDF_WORKERS") or pdf.default_workers()
    chunks_count = max(workers, math.ceil(len(items) / MAX_CHUNK))
    chunks_count = math.ceil(chunks_count / workers) * workers  # the same work for each
    per_chunk = max(MIN_CHUNK, math.ceil(len(items) / chunks_count))
    if layout == "a4-4up":
        per_chunk = math.ceil(per_chunk / 4) * 4  # whole sheets in every chunk
    chunks = [
        badge_document(conference, items[start : start + per_chunk], layout, header)
        for start in range(0, len(items), per_chunk)
    ]
    return pdf.render_pdf_chunks(
        chunks,
        stylesheets=_badge_stylesheets(conference),
        workers=workers,
        progress=progress,
        finisher=BADGE_FINISHER,
    )


def mark_printed(conference: Conference, registration_ids: Sequence[int]) -> int:
    """Record that these registrations' badges were printed (the "not yet printed" filter
    leaves them out from now on). Returns how many were printed for the first time."""
    ids = list(registration_ids)
    now = utcnow()
    already = {
        row.registration_id: row
        for start in range(0, len(ids), 500)
        for row in db.session.execute(
            select(BadgePrint).where(BadgePrint.registration_id.in_(ids[start : start + 500]))
        ).scalars()
    }
    new = 0
    for registration_id in ids:
        row = already.get(registration_id)
        if row is None:
            db.session.add(
                BadgePrint(
                    registration_id=registration_id,
                    conference_id=conference.id,
                    first_printed_at=now,
                    last_printed_at=now,
                    times=1,
                )
            )
            new += 1
        else:
            row.last_printed_at = now
            row.times = row.times + 1
    db.session.flush()
    return new


def print_counts(conference: Conference) -> dict:
    """Confirmed attendees, and how many of their badges were printed."""
    confirmed = db.session.execute(
        select(func.count())
        .select_from(Registration)
        .where(Registration.conference_id == conference.id, Registration.status == "confirmed")
    ).scalar_one()
    printed = db.session.execute(
        select(func.count())
        .select_from(BadgePrint)
        .join(Registration, Registration.id == BadgePrint.registration_id)
        .where(BadgePrint.conference_id == conference.id, Registration.status == "confirmed")
    ).scalar_one()
    return {"confirmed": confirmed, "printed": printed, "not_printed": confirmed - printed}


# --- the e-ticket ---------------------------------------------------------------------------


def ticket_item(registration: Registration, base: str | None = None) -> dict:
    conference = registration.conference
    name = exportable(registration.name.strip())
    return {
        "name": name,
        "name_class": fit_line(name, 120, 40, 16).css_class,
        "organization": exportable((registration.organization or "").strip()),
        "organization_class": fit_line(
            exportable(registration.organization or ""), 120, 14, 9
        ).css_class,
        "category": exportable(registration.category.name),
        "category_en": exportable(registration.category.name_en or ""),
        "band_class": f"band-{registration.category_id}",
        "status": registration.status,
        "qr": qr_box(checkin_code(registration.checkin_token, base)),
        "manual_code": _spaced(registration.manual_code),
        "title": exportable(conference.title),
        "title_en": exportable(conference.title_en or ""),
        "dates": date_range(conference.starts_on, conference.ends_on),
        "venue": exportable(conference.venue or ""),
        "venue_en": exportable(conference.venue_en or ""),
    }


def check_ticket(registration: Registration) -> None:
    """Only a confirmed (or pending: it admits once approved) registration has a ticket."""
    if registration.status not in TICKET_STATUSES:
        raise NotFound(_("This registration has no ticket: it is not confirmed."))


def ticket_pdf(registration: Registration, base: str | None = None) -> bytes:
    """The attendee's e-ticket as a PDF (one A6 page), in the language they registered in.
    Also what the confirmation mail attaches (``base``: the site's address, for the worker,
    which has no request to ask)."""
    check_ticket(registration)
    conference = registration.conference
    with force_locale(_document_locale(registration.locale)):
        html = render_template(
            "pdf/ticket.html", conference=conference, ticket=ticket_item(registration, base)
        )
    return pdf.render_pdf(
        html,
        stylesheets=(pdf.stylesheet("common"), pdf.stylesheet("ticket"), badge_css(conference)),
        finisher=paint_qr_boxes,
    )


def ticket_attachment(registration: Registration) -> tuple[str, str, bytes, str | None] | None:
    """The e-ticket as a mail attachment, ``(filename, mimetype, bytes, cid)``, or None when
    the registration has no ticket (waitlisted, cancelled …). For the mail's attachment
    registry: ``register_attachment("ticket", ticket_attachment)``."""
    if registration.status not in TICKET_STATUSES:
        return None
    return ticket_filename(registration, "pdf"), "application/pdf", ticket_pdf(registration), None


TICKET_MAIL_KIND = "ticket_pdf"


def mail_ticket_attachment(spec: dict, session) -> tuple[str, str, bytes, str | None]:
    """Attachment builder ``ticket_pdf`` (``eventsys.mail.register_attachment``): the
    e-ticket of ``spec["registration"]`` as a PDF file attached to the mail, built by the
    worker at send time. A registration gone or no longer holding a ticket (cancelled in the
    meantime) cannot get better by retrying: ``PermanentFailure``."""
    from eventsys.mail import PermanentFailure

    registration = session.get(Registration, spec.get("registration"))
    if registration is None:
        raise PermanentFailure(f"registration {spec.get('registration')} no longer exists")
    if registration.status not in TICKET_STATUSES:
        raise PermanentFailure(f"registration {registration.id} has no ticket any more")
    data = ticket_pdf(registration, spec.get("base"))
    return ticket_filename(registration, "pdf"), "application/pdf", data, None


def ticket_filename(registration: Registration, extension: str) -> str:
    return f"{registration.conference.slug}-ticket-{registration.manual_code}.{extension}"


def _document_locale(locale: str | None) -> str:
    return "en" if (locale or "").startswith("en") else "zh_Hans_CN"


# --- certificates of attendance -------------------------------------------------------------


def was_checked_in(registration: Registration) -> bool:
    """Whether the attendee was checked in anywhere (read with the registration on their own
    page: ``preload_columns``)."""
    cache = transaction_cache("documents.checked_in")
    if registration.id not in cache:
        cache[registration.id] = db.session.execute(
            select(exists().where(CheckinState.registration_id == registration.id))
        ).scalar_one()
    return cache[registration.id]


def preload_columns(registration_id) -> list:
    return [
        exists()
        .where(CheckinState.registration_id == registration_id)
        .label("documents_checked_in")
    ]


def remember_preloaded(registration_id: int, values: dict) -> None:
    transaction_cache("documents.checked_in")[registration_id] = bool(
        values["documents_checked_in"]
    )


def issue_certificate(registration: Registration) -> Certificate:
    """The registration's certificate of attendance, issued on first request; only for
    someone who was checked in."""
    certificate = db.session.execute(
        select(Certificate).where(Certificate.registration_id == registration.id)
    ).scalar_one_or_none()
    if certificate is not None:
        return certificate
    if registration.status != "confirmed" or not was_checked_in(registration):
        raise NotFound(_("A certificate of attendance is issued once you have been checked in."))
    certificate = Certificate(
        conference_id=registration.conference_id, registration_id=registration.id
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate


def certificate_by_token(token: str) -> Certificate | None:
    if not token or len(token) > 32:
        return None
    return db.session.execute(
        select(Certificate)
        .options(joinedload(Certificate.registration), joinedload(Certificate.conference))
        .where(Certificate.token == token)
    ).scalar_one_or_none()


def verification_url(certificate: Certificate) -> str:
    from eventsys.urls import base_url

    return f"{base_url()}/v/{certificate.token}"


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate as an A4 PDF with its verification link and QR code."""
    registration = certificate.registration
    conference = registration.conference
    url = verification_url(certificate)
    name = exportable(registration.name.strip())
    with force_locale(_document_locale(registration.locale)):
        html = render_template(
            "pdf/certificate.html",
            conference=conference,
            certificate={
                "name": name,
                "name_class": fit_line(name, 150, 36, 16).css_class,
                "organization": exportable((registration.organization or "").strip()),
                "title": exportable(conference.title),
                "title_en": exportable(conference.title_en or ""),
                "dates": date_range(conference.starts_on, conference.ends_on),
                "venue": exportable(conference.venue or ""),
                "url": url,
                "qr": qr_svg(url),
                "number": f"{conference.slug.upper()}-{certificate.id:05d}",
                "issued_on": certificate.issued_at.astimezone(conference.tz).date(),
            },
        )
    return pdf.render_pdf(
        html,
        stylesheets=(pdf.stylesheet("common"), pdf.stylesheet("certificate"), size_rules()),
    )
