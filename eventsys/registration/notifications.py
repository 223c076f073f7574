"""The e-mails a registrant gets, in the language they registered in."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from eventsys.extensions import db
from eventsys.mail import Mail, queue_mail
from eventsys.registration.models import Delegation, Registration
from eventsys.registration.statuses import Status
from eventsys.urls import base_url, mail_base_url


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


def registration_mail(registration: Registration, event: str) -> Mail | None:
    base = mail_base_url()  # None: no trusted host for the private link (logged), no mail
    if base is None:
        return None
    conference = registration.conference
    with force_locale(registration.locale or "zh_CN"):
        subjects = _subjects()
        subject = subjects.get(event)
        if isinstance(subject, dict):
            subject = subject.get(registration.status)
        if subject is None:
            return None
        from eventsys.i18n import localized

        title = localized(conference, "title")
        text = render_template(
            "mail/registration.txt",
            registration=registration,
            conference=conference,
            conference_title=title,
            event=event,
            manage_url=manage_url(registration, base),
        )
        return Mail(
            to=registration.email,
            subject=f"{subject} · {title}",
            text=text,
            conference_id=conference.id,
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
        text = render_template(
            "mail/delegation.txt",
            delegation=delegation,
            members=members,
            conference=conference,
            conference_title=title,
            links=[(m, manage_url(m, base)) for m in members],
        )
        subject = _("Group registration of %(organization)s", organization=delegation.organization)
        return Mail(
            to=delegation.contact_email,
            subject=f"{subject} · {title}",
            text=text,
            conference_id=conference.id,
        )


def notify(registration: Registration, event: str) -> None:
    """Queue the e-mail for this event in the attendee's language (sent on commit)."""
    if not registration.email:  # a walk-in who gave no e-mail address
        return
    mail = registration_mail(registration, event)
    if mail is not None:
        queue_mail(db.session, mail)


def notify_delegation(delegation: Delegation, members: list[Registration], locale: str) -> None:
    mail = delegation_mail(delegation, members, locale)
    if mail is not None:
        queue_mail(db.session, mail)
