"""Pages of the documents domain.

Public (the attendee's private link): ``/r/<token>/ticket.pdf``, ``/r/<token>/ticket.png``,
``/r/<token>/certificate.pdf``; anyone: ``/v/<token>``, the certificate's verification page.
Staff: badge settings with a preview, bulk badges as a background job, the summary report
as a page and a PDF, a registration's badge or certificate.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from eventsys import jobs
from eventsys.conferences.access import conference_view
from eventsys.conferences.models import Conference
from eventsys.documents import report, services
from eventsys.documents.forms import (
    BadgeJobForm,
    BadgeSettingsForm,
    fill_job_form,
    fill_settings_form,
)
from eventsys.documents.jobs import BADGES_JOB, job_params
from eventsys.documents.models import BADGE_LAYOUTS
from eventsys.documents.picture import ticket_png
from eventsys.errors import DomainError
from eventsys.extensions import db
from eventsys.registration import services as registration_services
from eventsys.registration.models import Registration
from eventsys.web import attempt

bp = Blueprint("documents", __name__)
staff_bp = Blueprint("documents_staff", __name__, url_prefix="/manage")


def _private(response: Response) -> Response:
    # The attendee's documents carry their QR code: never cached by a proxy.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _pdf_response(data: bytes, filename: str, inline: bool = True) -> Response:
    response = Response(data, mimetype="application/pdf")
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return _private(response)


def _registration_or_404(token: str) -> Registration:
    registration = registration_services.by_manage_token(token)
    if registration is None:
        abort(404)
    return registration


def _refused(error: DomainError):
    return render_template("errors/error.html", status=404, message=error.message), 404


def attendee_documents(registration: Registration) -> list[tuple[str, str]]:
    """(link, label) of the documents on the attendee's own page: the ticket as PDF and as a
    picture while it admits them, the certificate once they were checked in."""
    links = []
    token = registration.manage_token
    if registration.status in services.TICKET_STATUSES:
        links.append((url_for("documents.ticket", token=token), _("E-ticket (PDF)")))
        links.append(
            (
                url_for("documents.ticket_picture", token=token),
                _("E-ticket as a picture (press and hold to save)"),
            )
        )
    if registration.status == "confirmed" and services.was_checked_in(registration):
        links.append(
            (url_for("documents.certificate", token=token), _("Certificate of attendance (PDF)"))
        )
    return links


def staff_documents(registration: Registration) -> list[tuple[str, str]]:
    """(link, label) of a registration's documents on its staff page: the badge while it is
    confirmed, the certificate once the person was checked in."""
    if registration.status != "confirmed":
        return []
    slug = registration.conference.slug
    links = [
        (
            url_for(
                "documents_staff.registration_badge", slug=slug, registration_id=registration.id
            ),
            _("Badge (PDF)"),
        )
    ]
    if services.was_checked_in(registration):
        links.append(
            (
                url_for(
                    "documents_staff.registration_certificate",
                    slug=slug,
                    registration_id=registration.id,
                ),
                _("Certificate of attendance (PDF)"),
            )
        )
    return links


@bp.route("/r/<token>/ticket.pdf")
def ticket(token: str):
    registration = _registration_or_404(token)
    try:
        data = services.ticket_pdf(registration)
    except DomainError as error:
        return _refused(error)
    return _pdf_response(data, services.ticket_filename(registration, "pdf"))


@bp.route("/r/<token>/ticket.png")
def ticket_picture(token: str):
    registration = _registration_or_404(token)
    try:
        services.check_ticket(registration)
    except DomainError as error:
        return _refused(error)
    response = Response(ticket_png(registration), mimetype="image/png")
    filename = services.ticket_filename(registration, "png")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return _private(response)


@bp.route("/r/<token>/certificate.pdf")
def certificate(token: str):
    registration = _registration_or_404(token)
    done = attempt(lambda: services.issue_certificate(registration), show=lambda error: None)
    if not done:
        return _refused(done.error)
    data = services.certificate_pdf(done.value)
    return _pdf_response(data, f"{registration.conference.slug}-certificate.pdf")


@bp.route("/v/<token>")
def verify(token: str):
    """Confirms that a certificate is genuine: the name and the conference, nothing more."""
    certificate = services.certificate_by_token(token)
    if certificate is None:
        return (
            render_template(
                "documents/verify.html", certificate=None, conference=None, registration=None
            ),
            404,
        )
    return render_template(
        "documents/verify.html",
        certificate=certificate,
        conference=certificate.conference,
        registration=certificate.registration,
    )


# --- staff ----------------------------------------------------------------------------------


@staff_bp.route("/<slug>/badges", methods=["GET", "POST"])
@conference_view("staff")
def badges(conference: Conference):
    """Badge settings (organizers), the preview, and the printing of a batch (staff)."""
    from eventsys.auth.services import role_allows, role_for

    may_edit = role_allows(role_for(current_user, conference), "organizer")
    settings = services.badge_settings(conference)
    form = BadgeSettingsForm(prefix="settings")
    colour_errors: dict[str, str] = {}
    if request.method == "GET":
        fill_settings_form(form, conference, settings)
    elif form.validate_on_submit():
        if not may_edit:
            abort(403)
        colours = {
            c.code: (
                request.form.get(f"colour-{c.code}", ""),
                request.form.get(f"text-{c.code}", ""),
            )
            for c in conference.categories
        }
        done = attempt(
            lambda: services.save_badge_settings(
                conference,
                layout=form.layout.data,
                show_organization=form.show_organization.data,
                show_position=form.show_position.data,
                footer=form.footer.data or "",
                colours=colours,
            ),
            form,
            rename=lambda key: "footer" if key == "footer" else None,
        )
        if not done:
            colour_errors = done.error.errors
        if done:
            flash(_("Badge settings saved."), "success")
            return redirect(url_for(".badges", slug=conference.slug))
    job_form = BadgeJobForm(prefix="print")
    fill_job_form(job_form, conference)
    if request.method == "GET":
        job_form.layout.data = settings.layout
    colours = services.category_colours(conference)
    return render_template(
        "documents/badges.html",
        conference=conference,
        form=form,
        job_form=job_form,
        may_edit=may_edit,
        colours=[(c, colours[c.id]) for c in conference.categories],
        colour_errors=colour_errors,
        counts=services.print_counts(conference),
        preview=_preview(conference, settings),
    )


def _preview(conference: Conference, settings) -> dict:
    registrations = services.badge_registrations(conference, limit=1)
    registration = registrations[0] if registrations else services.sample_registration(conference)
    return {
        "item": services.badge_item(registration, settings, inline_qr=True),
        "header": services.badge_header(conference),
        "sample": not registrations,
    }


@staff_bp.route("/<slug>/badges/style.css")
@conference_view("staff")
def badge_style(conference: Conference):
    """The conference's badge colours and fitted sizes for the browser's preview."""
    response = Response(services.badge_css(conference), mimetype="text/css")
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@staff_bp.route("/<slug>/badges/preview.pdf")
@conference_view("staff")
def badge_preview_pdf(conference: Conference):
    """One badge (the first attendee's, or a sample) as the printer gets it."""
    settings = services.badge_settings(conference)
    layout = request.args.get("layout") or settings.layout
    if layout not in BADGE_LAYOUTS:
        abort(404)
    registrations = services.badge_registrations(conference, limit=1) or [
        services.sample_registration(conference)
    ]
    data = services.badges_pdf(conference, registrations, layout, workers=1)
    return _pdf_response(data, f"{conference.slug}-badge-preview.pdf")


@staff_bp.route("/<slug>/badges/print", methods=["POST"])
@conference_view("staff")
def print_badges(conference: Conference):
    """Start the background job that makes the batch's PDF; the job page follows it."""
    job_form = BadgeJobForm(prefix="print")
    fill_job_form(job_form, conference)
    if not job_form.validate_on_submit():
        flash(_("Please choose a layout and a category from the lists."), "error")
        return redirect(url_for(".badges", slug=conference.slug))
    params = job_params(
        category=job_form.category.data or None,
        organization=(job_form.organization.data or "").strip() or None,
        not_printed=bool(job_form.not_printed.data),
        layout=job_form.layout.data,
    )
    try:
        found = services.badge_registrations(
            conference,
            category=params["category"],
            organization=params["organization"],
            not_printed=params["not_printed"],
        )
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for(".badges", slug=conference.slug))
    if not found:
        flash(_("No badges to print: nobody matches."), "warning")
        return redirect(url_for(".badges", slug=conference.slug))
    running = jobs.unfinished_job(BADGES_JOB, conference.id, current_user.id, params)
    if running is None:
        running = jobs.start_job(
            BADGES_JOB, conference_id=conference.id, requested_by_id=current_user.id, params=params
        )
        db.session.commit()
        jobs.submit(running)
    return redirect(url_for("conference_jobs.job", slug=conference.slug, job_id=running.id))


@staff_bp.route("/<slug>/registrations/<int:registration_id>/badge.pdf")
@conference_view("staff")
def registration_badge(conference: Conference, registration_id: int):
    registration = _staff_registration(conference, registration_id)
    settings = services.badge_settings(conference)
    data = services.badges_pdf(conference, [registration], settings.layout, workers=1)
    return _pdf_response(data, f"{conference.slug}-badge-{registration.manual_code}.pdf")


@staff_bp.route("/<slug>/registrations/<int:registration_id>/certificate.pdf")
@conference_view("staff")
def registration_certificate(conference: Conference, registration_id: int):
    registration = _staff_registration(conference, registration_id)
    done = attempt(lambda: services.issue_certificate(registration), show=lambda error: None)
    if not done:
        return _refused(done.error)
    return _pdf_response(
        services.certificate_pdf(done.value),
        f"{conference.slug}-certificate-{registration.manual_code}.pdf",
    )


def _staff_registration(conference: Conference, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.conference_id != conference.id:
        abort(404)
    return registration


@staff_bp.route("/<slug>/report")
@conference_view("staff")
def report_page(conference: Conference):
    return render_template(
        "documents/report.html",
        conference=conference,
        sections=report.build_sections(conference),
    )


@staff_bp.route("/<slug>/report.pdf")
@conference_view("staff")
def report_pdf(conference: Conference):
    return _pdf_response(
        report.report_pdf(conference), f"{conference.slug}-report.pdf", inline=False
    )
