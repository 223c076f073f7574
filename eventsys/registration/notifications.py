"""The e-mails a registrant gets, in the language they registered in.

Each mail has a plain-text part and an HTML part (table-based, inline styles: what QQ Mail,
163, Outlook and Apple Mail all render). Both are rendered here from one set of sentences
(``_content``), so they always say the same. A confirmed person's mail shows the QR code
inline: the HTML refers to ``cid:qr.<id>@eventsys`` and the row carries the spec
``{"kind": "qr_png", ...}``, which the worker draws at send time (the check-in domain
registers the builder); nothing slow or fallible happens in the request.
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from eventsys.extensions import db
from eventsys.mail import (
    Mail,
    attachment_kinds,
    attachment_spec,
    inline_cid,
    queue_content,
    queue_mail,
    render_mail_template,
)
from eventsys.registration.models import Delegation, Registration
from eventsys.registration.statuses import Status
from eventsys.urls import base_url, mail_base_url

# The reason stored when attendees cancel on their own page (their mail says so instead).
SELF_CANCEL_REASON = "cancelled by the attendee"
QR_KIND = "qr_png"
# The e-ticket PDF attached to a confirmed person's mail (the documents domain builds it).
TICKET_KIND = "ticket_pdf"


def manage_url(registration: Registration, base: str | None = None) -> str:
    return f"{base or base_url()}/r/{registration.manage_token}"


def _subjects() -> dict[str, str]:
    """Each event's subject (the event "registered": one per status it may end in)."""
    return {
        "registered": {
            Status.CONFIRMED: _("Your registration is confirmed"),
            Status.PENDING: _("We have received your registration; it awaits approval"),
            Status.WAITLISTED: _("You are on the waitlist"),
        },
        "promoted": _("A place has become free: you are in"),
        "approved": _("Your registration has been approved"),
        "rejected": _("Your registration could not be accepted"),
        "cancelled": _("Your registration has been cancelled"),
        "back_to_approval": _("Your changed registration awaits approval again"),
        "link": _("The link to your registration"),
    }


def _content(
    registration: Registration, event: str, title: str, category: str, status: str, reason: str
) -> dict:
    """What the mail says, as sentences both parts show: the lead, an optional reason, whether
    the QR code is shown, and what the private page offers (nothing for an ended one).
    ``status`` and ``reason``: the registration's when the mail was written."""
    given_reason = reason
    reason = ""
    if event == "registered" and status == Status.CONFIRMED:
        lead = _(
            "your registration for %(title)s is confirmed. Show the QR code in this e-mail "
            "(or on your registration page) at the entrance.",
            title=title,
        )
    elif event == "registered" and status == Status.PENDING:
        lead = _(
            "we have received your registration for %(title)s. It awaits the organizers' "
            "approval; we will write to you as soon as they have decided.",
            title=title,
        )
    elif event == "registered" and status == Status.WAITLISTED:
        lead = _(
            "the category “%(category)s” of %(title)s is full for now, so you are on its "
            "waitlist. If a place becomes free, it goes to the first in line and we write to "
            "you at once.",
            category=category,
            title=title,
        )
    elif event == "promoted" and status == Status.CONFIRMED:
        lead = _(
            "a place at %(title)s has become free and it is yours: your registration is "
            "confirmed. Show the QR code in this e-mail at the entrance.",
            title=title,
        )
    elif event == "promoted":
        lead = _(
            "a place at %(title)s has become free and is kept for you; your registration now "
            "awaits the organizers' approval.",
            title=title,
        )
    elif event == "approved":
        lead = _(
            "your registration for %(title)s has been approved. Show the QR code in this "
            "e-mail at the entrance.",
            title=title,
        )
    elif event == "rejected":
        lead = _(
            "we are sorry: your registration for %(title)s could not be accepted.", title=title
        )
        reason = given_reason
    elif event == "cancelled" and given_reason == SELF_CANCEL_REASON:
        lead = _("you have cancelled your registration for %(title)s, as you asked.", title=title)
    elif event == "cancelled":
        lead = _("your registration for %(title)s has been cancelled.", title=title)
        reason = given_reason
    elif event == "back_to_approval":
        lead = _(
            "you changed your registration for %(title)s; it awaits the organizers' approval "
            "again.",
            title=title,
        )
    else:  # "link"
        lead = _("here is the link to your registration for %(title)s, as you asked.", title=title)
    ended = status in (Status.CANCELLED, Status.REJECTED)
    if ended:
        offer = ""
    elif status == Status.CONFIRMED:
        offer = _("There you can see your QR code, change your details or cancel.")
    else:
        offer = _("There you can see its status, change your details or cancel.")
    return {
        "lead": lead,
        "reason": reason,
        "show_qr": status == Status.CONFIRMED and QR_KIND in attachment_kinds(),
        "ticket_attached": status == Status.CONFIRMED
        and TICKET_KIND in attachment_kinds()
        and bool(current_app.config.get("MAIL_TICKET_PDF", True)),
        "offer": offer,
        "ended": ended,
    }


def registration_mail(
    registration: Registration, event: str, base: str, status: str, reason: str
) -> Mail | None:
    """The mail for ``event`` as the registration stood when it happened (``status``,
    ``reason``), its links on ``base``; None when the event has no mail in that status."""
    conference = registration.conference
    with force_locale(registration.locale or "zh_CN"):
        subjects = _subjects()
        subject = subjects.get(event)
        if isinstance(subject, dict):
            subject = subject.get(status)
        if subject is None:
            return None
        from eventsys.i18n import localized

        title = localized(conference, "title")
        category_name = localized(registration.category, "name")
        content = _content(registration, event, title, category_name, status, reason)
        cid = inline_cid("qr", registration.id)
        context = {
            "registration": registration,
            "conference": conference,
            "conference_title": title,
            "category_name": category_name,
            "event": event,
            "subject": subject,
            "manage_url": manage_url(registration, base),
            "qr_cid": cid,
            **content,
        }
        text = render_mail_template("mail/registration.txt", **context)
        html = render_mail_template("mail/registration.html", **context)
        attachments = []
        if content["show_qr"]:
            attachments.append(
                attachment_spec(QR_KIND, registration=registration.id, base=base, cid=cid)
            )
        if content["ticket_attached"]:
            attachments.append(
                attachment_spec(TICKET_KIND, registration=registration.id, base=base)
            )
        return Mail(
            to=registration.email,
            subject=f"{subject} · {title}",
            text=text,
            html=html,
            conference_id=conference.id,
            attachments=attachments,
        )


# Which events have a mail, and for "registered" in which statuses (``_subjects``' keys).
_MAILED = {
    "registered": (Status.CONFIRMED, Status.PENDING, Status.WAITLISTED),
    "promoted": None,
    "approved": None,
    "rejected": None,
    "cancelled": None,
    "back_to_approval": None,
    "link": None,
}
MAIL_KIND = "registration"


def build_registration_mail(spec: dict, session) -> Mail | None:
    """Content builder ``registration`` (``eventsys.mail.register_content``): the worker
    renders the mail of ``spec`` at send time, in the attendee's language."""
    from eventsys.mail import PermanentFailure

    registration = session.get(Registration, spec.get("registration"))
    if registration is None:
        raise PermanentFailure(f"registration {spec.get('registration')} no longer exists")
    return registration_mail(
        registration, spec["event"], spec["base"], spec["status"], spec.get("reason") or ""
    )


def delegation_mail(
    delegation: Delegation, members: list[Registration], locale: str
) -> Mail | None:
    base = mail_base_url()
    if base is None:
        return None
    conference = members[0].conference
    with force_locale(locale or "zh_CN"):
        from eventsys.i18n import localized

        title = localized(conference, "title")
        subject = _("Group registration of %(organization)s", organization=delegation.organization)
        context = {
            "delegation": delegation,
            "members": members,
            "conference": conference,
            "conference_title": title,
            "subject": subject,
            "links": [(m, manage_url(m, base)) for m in members],
        }
        return Mail(
            to=delegation.contact_email,
            subject=f"{subject} · {title}",
            text=render_template("mail/delegation.txt", **context),
            html=render_template("mail/delegation.html", **context),
            conference_id=conference.id,
        )


def notify(registration: Registration, event: str) -> None:
    """Queue the e-mail for this event (sent on commit). The request writes only what the mail
    is about (the event, the registration's status and reason now, the site's address); the
    worker renders it in the attendee's language (``build_registration_mail``)."""
    if not registration.email:  # a walk-in who gave no e-mail address
        return
    if event not in _MAILED or (
        _MAILED[event] is not None and registration.status not in _MAILED[event]
    ):
        return
    base = mail_base_url()  # None: no trusted host for the private link (logged), no mail
    if base is None:
        return
    queue_content(
        db.session,
        registration.email,
        MAIL_KIND,
        registration.conference_id,
        registration=registration.id,
        event=event,
        status=registration.status,
        reason=registration.reason or "",
        base=base,
    )


def notify_delegation(delegation: Delegation, members: list[Registration], locale: str) -> None:
    mail = delegation_mail(delegation, members, locale)
    if mail is not None:
        queue_mail(db.session, mail)
