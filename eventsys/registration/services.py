"""Registering people and what follows: approval, cancellation, changes, lists.

The rules live in the modules beside this one: ``applicants`` (checking what people type),
``seats`` (capacity, decided in the database), ``waitlist``, ``invitations``, ``questions``,
``notifications`` (the e-mails).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import bindparam, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, make_transient_to_detached

from eventsys.conferences import extend
from eventsys.conferences.models import Category, Conference
from eventsys.db_types import MAX_PAGE, utcnow
from eventsys.errors import DomainError, NotFound, ValidationError
from eventsys.extensions import db
from eventsys.registration import history
from eventsys.registration.applicants import (
    NAME_MAX,
    ORGANIZATION_MAX,
    Applicant,
    CleanApplicant,
    check_applicant,
    clean_answers,
    email_key,
    find_category,
    normalize_contact_number,
    normalize_email_address,
    phone_key,
)
from eventsys.registration.errors import (
    AlreadyRegistered,
    CategoryFull,
    InvitationRequired,
    RegistrationClosed,
)
from eventsys.registration.invitations import use_invitation
from eventsys.registration.models import (
    Delegation,
    Question,
    Registration,
    new_checkin_token,
    new_manual_code,
)
from eventsys.registration.notifications import notify, notify_delegation
from eventsys.registration.questions import questions_of
from eventsys.registration.seats import (
    lock_seats,
    move_seat,
    release_seat,
    take_seats,
)
from eventsys.registration.settings import phones_may_be_shared_already, shared_phone_allowed
from eventsys.registration.statuses import (
    ACTIVE_STATUSES,
    ENDED_STATUSES,
    Action,
    Status,
    TransitionRefused,
    announce,
    apply,
)

# Callers that read the labels from here (``status_label`` is also a template global).
from eventsys.registration.statuses import status_label as status_label
from eventsys.registration.statuses import status_labels as status_labels
from eventsys.registration.waitlist import promote_from_waitlist
from eventsys.text import clean_text

MAX_DELEGATION = 50


# --- registering ----------------------------------------------------------------------------


def registration_open(conference: Conference) -> bool:
    try:
        check_open(conference)
    except RegistrationClosed:
        return False
    return True


def check_open(conference: Conference) -> None:
    """Refuse outside the registration period (staff at the desk are not held to it)."""
    now = utcnow()
    if conference.registration_opens_at and now < conference.registration_opens_at:
        raise RegistrationClosed(_("Registration has not opened yet."))
    if conference.registration_closes_at and now >= conference.registration_closes_at:
        raise RegistrationClosed(_("Registration has closed."))


# --- the one rule for "already registered" ---------------------------------------------------


def _standing(conference_id: int):
    """A registration that still stands (confirmed, pending or waitlisted) in the conference:
    its e-mail and phone are taken. The partial unique indexes of ``models`` say the same."""
    return (
        Registration.conference_id == conference_id,
        Registration.status.in_(ACTIVE_STATUSES),
    )


def registered_keys(
    conference_id: int,
    email_keys: Collection[str] | None = None,
    phone_keys: Collection[str] | None = None,
    *,
    except_id: int | None = None,
) -> tuple[set[str], set[str]]:
    """The one rule for "already registered": which of these e-mail keys (``email_key``: the
    address in lower case) and phone keys (``phone_key``: digits, +86 and separators dropped)
    a standing registration of the conference holds, apart from ``except_id``.

    With both collections None: every key the conference holds, in one statement whatever
    their number (the import checks a whole file against it).
    """
    if email_keys is not None:
        email_keys = [key for key in email_keys if key]  # no e-mail given: nothing to match
    shared_phone = shared_phone_allowed(conference_id)
    if phone_keys is not None and shared_phone:
        phone_keys = []  # the conference lets people share a phone number
    conditions = list(_standing(conference_id))
    if except_id is not None:
        conditions.append(Registration.id != except_id)
    if email_keys is not None or phone_keys is not None:
        wanted = []
        if email_keys:
            wanted.append(Registration.email_key.in_(list(email_keys)))
        if phone_keys:
            wanted.append(Registration.phone_key.in_(list(phone_keys)))
        if not wanted:
            return set(), set()
        conditions.append(or_(*wanted))
    rows = db.session.execute(
        select(Registration.email_key, Registration.phone_key).where(*conditions)
    ).all()
    emails = {email for email, _phone in rows if email}
    phones = set() if shared_phone else {phone for _email, phone in rows}
    if email_keys is not None or phone_keys is not None:
        emails &= set(email_keys or ())
        phones &= set(phone_keys or ())
    return emails, phones


def already_registered_reason() -> str:
    """What stands next to the e-mail or phone field (or spreadsheet cell) that is taken."""
    return _("already registered")


def already_registered_error(field: str, *, own: bool = True) -> AlreadyRegistered:
    """The refusal for one person whose ``field`` ("email" or "phone") is taken.

    ``own``: the person registering (who is offered their link again); otherwise someone
    changing an existing registration.
    """
    if field == "email":
        message = _("This e-mail address is already registered for this conference.")
    else:
        message = _("This phone number is already registered for this conference.")
    if own:
        from eventsys.i18n import is_english

        gap = " " if is_english() else ""  # no space after a Chinese full stop
        message += gap + _("We can send the link to your registration again.")
    return AlreadyRegistered(message, {field: already_registered_reason()})


def refuse_if_registered(
    conference_id: int, email_key_value: str | None, phone_key_value: str, *, except_id=None
) -> None:
    """Raise ``AlreadyRegistered`` when a standing registration has this e-mail or phone."""
    emails, phones = registered_keys(
        conference_id, [email_key_value], [phone_key_value], except_id=except_id
    )
    if emails or phones:
        raise already_registered_error("email" if emails else "phone", own=except_id is None)


def _refuse_registered_members(conference_id: int, members: list) -> None:
    """A group: each member whose e-mail or phone is taken gets the reason on that field."""
    emails, phones = registered_keys(
        conference_id, [m.email_key for m in members], [m.phone_key for m in members]
    )
    errors: dict[str, str] = {}
    for index, member in enumerate(members):
        if member.email_key in emails:
            errors[f"members[{index}].email"] = already_registered_reason()
        if member.phone_key in phones:
            errors[f"members[{index}].phone"] = already_registered_reason()
    if errors:
        raise AlreadyRegistered(
            _("Some of these people are already registered for this conference."), errors
        )


def find_active(
    conference: Conference, email: str | None = None, phone: str | None = None
) -> Registration | None:
    """The standing registration with this e-mail or phone, if any."""
    conditions = []
    if email:
        conditions.append(Registration.email_key == email_key(email))
    if phone:
        conditions.append(Registration.phone_key == phone_key(phone))
    if not conditions:
        return None
    return (
        db.session.execute(
            select(Registration).where(*_standing(conference.id), or_(*conditions)).limit(1)
        )
        .scalars()
        .first()
    )


# --- registering (continued) ----------------------------------------------------------------


def _seat_status(category: Category, got_seat: bool, preapproved: bool) -> Status:
    if not got_seat:
        return Status.WAITLISTED
    if category.requires_approval and not preapproved:
        return Status.PENDING
    return Status.CONFIRMED


def _new_registration(
    conference: Conference, clean: CleanApplicant, status: Status, source: str, locale: str
) -> Registration:
    now = utcnow()
    registration = Registration(
        delegation_id=None,
        invitation_id=None,
        reason="",
        cancelled_at=None,
        conference_id=conference.id,
        category_id=clean.category.id,
        name=clean.name,
        email=clean.email,
        email_key=clean.email_key,
        phone=clean.phone,
        phone_key=clean.phone_key,
        organization=clean.organization,
        position=clean.position,
        answers=clean.answers,
        locale=locale if locale in ("zh_CN", "en") else "zh_CN",
        status=status,
        source=source,
        manage_token=secrets.token_urlsafe(24),
        checkin_token=new_checkin_token(),
        manual_code=new_manual_code(),
        phone_unique=not shared_phone_allowed(conference.id),
        created_at=now,
        updated_at=now,
        consent_at=now,
        waitlisted_at=now if status == Status.WAITLISTED else None,
        confirmed_at=now if status == Status.CONFIRMED else None,
    )
    registration.category = clean.category
    registration.conference = conference
    return registration


# Built once: a statement made anew with its values costs more than sending it.
_INSERT_REGISTRATION = insert(Registration.__table__).returning(Registration.__table__.c.id)
_COLUMNS = [column.key for column in Registration.__table__.columns if column.key != "id"]


def _insert_new(registration: Registration) -> None:
    """Insert one new registration (``_new_registration`` sets every column) with one
    INSERT, without the unit of work, and keep it in the session as written: persistent,
    nothing to flush or read back. A duplicate loses on the unique index as in
    ``_flush_new``."""
    values = {name: getattr(registration, name) for name in _COLUMNS}
    try:
        registration.id = db.session.execute(_INSERT_REGISTRATION, values).scalar_one()
    except IntegrityError:
        raise _lost_on_unique_index(
            [(registration.conference_id, values["email_key"], values["phone_key"])]
        ) from None
    make_transient_to_detached(registration)
    db.session.add(registration)


def _flush_new(registrations: list[Registration], edited: Registration | None = None) -> None:
    """Insert (and write pending changes, of ``edited`` for one); a concurrent registration
    with the same e-mail or phone loses here, on the unique index, and is told what the rule
    (``registered_keys``) says once the winner has committed."""
    db.session.add_all(registrations)
    people = [(r.conference_id, r.email_key, r.phone_key) for r in registrations]
    if edited is not None:
        people.append((edited.conference_id, edited.email_key, edited.phone_key))
    try:
        db.session.flush()
    except IntegrityError:
        raise _lost_on_unique_index(people, edited.id if edited is not None else None) from None


def _lost_on_unique_index(people: list[tuple], except_id: int | None = None) -> AlreadyRegistered:
    """After an INSERT or UPDATE that a unique index refused: roll back and refuse the
    (conference id, e-mail key, phone key) ``people`` as the rule says; the error to raise
    when the rule finds no one (the winner was cancelled again meanwhile)."""
    db.session.rollback()
    if len(people) > 1:
        _refuse_registered_members(people[0][0], [_Keys(e, p) for _c, e, p in people])
    elif people:
        refuse_if_registered(*people[0], except_id=except_id)
    # The winner was cancelled again meanwhile: still refused, this time round.
    return already_registered_error("email", own=except_id is None)


@dataclass
class _Keys:
    email_key: str
    phone_key: str


def _registered(registrations: list[Registration]) -> None:
    """Tell the other domains about new registrations (after the flush)."""
    for registration in registrations:
        announce(registration, None)


def register(
    conference: Conference,
    applicant: Applicant,
    *,
    source: str = "web",
    by_staff: bool = False,
    override_capacity: bool = False,
    send_mail: bool = True,
) -> Registration:
    """Register one person: confirmed, pending approval, or waitlisted when full.

    ``by_staff``: made by the organizers' team (desk, API with a staff token, import): the
    registration period and invitation rules do not apply and no approval is needed; capacity
    still does unless ``override_capacity``.
    """
    if not by_staff:
        check_open(conference)
    clean = check_applicant(conference, applicant)
    # No query for "already registered" first: the partial unique indexes refuse a second
    # standing registration of the e-mail or phone at the INSERT, and ``_flush_new`` then
    # rolls everything back (the seat, the invitation's use) and gives the same refusal
    # (``refuse_if_registered``). One round trip fewer for everyone else. Except where phones
    # may have been shared once: those rows are outside the phone's index.
    if phones_may_be_shared_already(conference.id) and not shared_phone_allowed(conference.id):
        refuse_if_registered(conference.id, clean.email_key, clean.phone_key)
    category = clean.category
    invitation = None
    if applicant.invite_code and applicant.invite_code.strip():
        invitation = use_invitation(conference, category, applicant.invite_code)
    elif category.invite_only and not by_staff:
        raise InvitationRequired(
            _(
                "%(category)s is by invitation only; enter your invitation code.",
                category=category.name,
            ),
            {"invite_code": _("required")},
        )
    got_seat = take_seats(conference, category, 1, force=override_capacity)
    status = _seat_status(category, got_seat, preapproved=by_staff)
    registration = _new_registration(conference, clean, status, source, applicant.locale)
    registration.invitation_id = invitation.id if invitation else None
    _insert_new(registration)
    _registered([registration])
    history.record(registration, "registered", via=source)
    if send_mail and registration.email:
        notify(registration, "registered")
    return registration


@dataclass
class DelegationRequest:
    organization: str
    contact_name: str
    contact_email: str
    contact_phone: str
    category: str
    members: list[Applicant]
    invite_code: str = ""
    locale: str = "zh_CN"
    # The contact's answers to the organizers' questions, for everyone; a member's own
    # answers (``Applicant.answers``) override them question by question.
    answers: dict[str, Any] = field(default_factory=dict)


def group_answers(shared: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """A member's answers: the contact's for everyone, each overridden by the member's own."""
    merged = {code: value for code, value in (shared or {}).items() if value not in ("", [], None)}
    merged.update({code: value for code, value in (own or {}).items() if value not in ("", [])})
    return merged


def register_delegation(
    conference: Conference, request: DelegationRequest, *, by_staff: bool = False
) -> Delegation:
    """Register a group of one organization, all together: seats for all of them, or, when
    the category has too few places left, the whole group on the waitlist together (it moves
    up as a whole, in its turn; see ``waitlist``).

    The organizers' questions are answered once by the contact for everyone, and member by
    member where someone's answer differs; a required question needs an answer for each.
    """
    if not by_staff:
        check_open(conference)
    errors: dict[str, str] = {}
    organization = clean_text(request.organization, ORGANIZATION_MAX, "organization", errors, True)
    contact_name = clean_text(request.contact_name, NAME_MAX, "contact_name", errors, True)
    contact_email = normalize_email_address(request.contact_email, errors, "contact_email")
    contact_phone, _key = normalize_contact_number(request.contact_phone, errors, "contact_phone")
    category = find_category(conference, request.category)
    if category is None:
        errors["category"] = _("choose a category")
    if not request.members:
        errors["members"] = _("add at least one person")
    elif len(request.members) > MAX_DELEGATION:
        errors["members"] = _("at most %(n)s people in one group", n=MAX_DELEGATION)
    questions = questions_of(conference)
    shared_errors: dict[str, str] = {}
    cleaned: list[CleanApplicant] = []
    for index, member in enumerate(request.members[:MAX_DELEGATION]):
        member.category = request.category
        member.organization = member.organization or organization
        own = dict(member.answers or {})
        member.answers = group_answers(request.answers, own)
        try:
            cleaned.append(check_applicant(conference, member, questions))
        except ValidationError as error:
            for key, reason in error.errors.items():
                if key == "category":
                    continue
                code = key.removeprefix("answers.")
                if key.startswith("answers.") and code not in own:
                    # Not answered for this person: the answer for everyone is what is missing.
                    shared_errors.setdefault(key, reason)
                else:
                    errors[f"members[{index}].{key}"] = reason
    if not request.members:
        # Nobody yet: the answers for everyone are still checked, to say all at once.
        answer_errors: dict[str, str] = {}
        clean_answers(questions, request.answers, answer_errors)
        shared_errors.update(answer_errors)
    errors.update(shared_errors)
    seen_email: dict[str, int] = {}
    seen_phone: dict[str, int] = {}
    phone_shared = shared_phone_allowed(conference.id)
    for index, clean in enumerate(cleaned):
        if clean.email_key in seen_email:
            errors[f"members[{index}].email"] = _("twice in this group")
        if clean.phone_key in seen_phone and not phone_shared:
            errors[f"members[{index}].phone"] = _("twice in this group")
        seen_email[clean.email_key] = index
        seen_phone[clean.phone_key] = index
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    _refuse_registered_members(conference.id, cleaned)
    count = len(cleaned)
    invitation = None
    if request.invite_code and request.invite_code.strip():
        invitation = use_invitation(conference, category, request.invite_code, count)
    elif category.invite_only and not by_staff:
        raise InvitationRequired(
            _(
                "%(category)s is by invitation only; enter your invitation code.",
                category=category.name,
            ),
            {"invite_code": _("required")},
        )
    got_seats = take_seats(conference, category, count)
    delegation = Delegation(
        conference_id=conference.id,
        organization=organization,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        manage_token=secrets.token_urlsafe(24),
    )
    db.session.add(delegation)
    status = _seat_status(category, got_seats, preapproved=by_staff)
    members = []
    for clean in cleaned:
        registration = _new_registration(conference, clean, status, "delegation", request.locale)
        registration.delegation = delegation
        registration.invitation_id = invitation.id if invitation else None
        members.append(registration)
    if not got_seats:
        # One moment for all of them: they wait, and move up, together.
        for registration in members[1:]:
            registration.waitlisted_at = members[0].waitlisted_at
    _flush_new(members)
    _registered(members)
    history.record_many(members, "registered", via="delegation")
    for registration in members:
        notify(registration, "registered")
    notify_delegation(delegation, members, request.locale)
    return delegation


# --- after registering ----------------------------------------------------------------------


def get_registration(conference: Conference, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.conference_id != conference.id:
        raise NotFound(_("No such registration."))
    return registration


def by_manage_token(token: str) -> Registration | None:
    """The registration of an attendee's private link, with its conference and category and
    the facts the domains show on the attendee's page (one query, ``extend.Preload``)."""
    if not token or len(token) > 64:
        return None
    return extend.execute_with_preloads(_by_manage_token, token=token)


def _by_manage_token():
    query = (
        select(Registration)
        .options(joinedload(Registration.conference), joinedload(Registration.category))
        .where(Registration.manage_token == bindparam("token"))
    )
    return query, Registration.conference_id, Registration.id


def _lock(registration: Registration, seats: bool = False) -> Registration:
    """Re-read the registration under a row lock so two staff actions do not interleave.

    ``seats``: the action may free or move a seat, so the conference's seat lock is taken
    first (always in this order, see ``seats.lock_seats``).
    """
    if seats:
        lock_seats(registration.conference_id)
    return db.session.execute(
        select(Registration)
        .where(Registration.id == registration.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def cancel(registration: Registration, reason: str = "") -> list[Registration]:
    """Cancel; frees the seat and moves the waitlist up. Returns those promoted."""
    registration = _lock(registration, seats=True)
    old, held = registration.status, registration.holds_seat
    if not apply(registration, Action.CANCEL):
        return []
    registration.reason = (reason or "")[:1000]
    db.session.flush()
    history.record(registration, "cancelled", note=registration.reason)
    notify(registration, "cancelled")
    announce(registration, old)
    if held:
        release_seat(registration)
        return promote_from_waitlist(registration.conference)
    return []


def approve(registration: Registration) -> Registration:
    registration = _lock(registration)
    old = registration.status
    if not apply(registration, Action.APPROVE):
        return registration
    db.session.flush()
    history.record(registration, "approved")
    notify(registration, "approved")
    announce(registration, old)
    return registration


def reject(registration: Registration, reason: str = "") -> list[Registration]:
    """Reject a pending or waitlisted registration, with a reason the person is told."""
    registration = _lock(registration, seats=True)
    old, held = registration.status, registration.holds_seat
    if not apply(registration, Action.REJECT):
        return []
    registration.reason = (reason or "").strip()[:1000]
    db.session.flush()
    history.record(registration, "rejected", note=registration.reason)
    notify(registration, "rejected")
    announce(registration, old)
    if held:
        release_seat(registration)
        return promote_from_waitlist(registration.conference)
    return []


def update_details(
    registration: Registration, applicant: Applicant, *, by_staff: bool = False
) -> Registration:
    """Change name, contact, organization, position and answers (not the category).

    When the conference asks for it, an attendee's own edit of a confirmed registration in a
    category that needs approval sends it back to the approval queue (its seat kept).
    """
    registration = _lock(registration)
    if registration.status in ENDED_STATUSES:
        raise TransitionRefused(_("A cancelled or rejected registration cannot be changed."))
    conference = registration.conference
    applicant.category = registration.category.code
    clean = check_applicant(conference, applicant)
    refuse_if_registered(conference.id, clean.email_key, clean.phone_key, except_id=registration.id)
    before = {
        "name": registration.name,
        "email": registration.email,
        "phone": registration.phone,
        "organization": registration.organization,
        "position": registration.position,
        "answers": dict(registration.answers or {}),
    }
    after = {
        "name": clean.name,
        "email": clean.email,
        "phone": clean.phone,
        "organization": clean.organization,
        "position": clean.position,
        "answers": dict(clean.answers),
    }
    changes = history.diff(before, after)
    changed = bool(changes)
    if clean.phone_key != registration.phone_key:
        # A new phone number is checked by today's rule of the conference.
        registration.phone_unique = not shared_phone_allowed(conference.id)
    registration.name = clean.name
    registration.email = clean.email
    registration.email_key = clean.email_key
    registration.phone = clean.phone
    registration.phone_key = clean.phone_key
    registration.organization = clean.organization
    registration.position = clean.position
    registration.answers = clean.answers
    registration.updated_at = utcnow()
    if (
        changed
        and not by_staff
        and conference.edits_require_approval
        and registration.category.requires_approval
        and registration.status == Status.CONFIRMED
    ):
        apply(registration, Action.BACK_TO_APPROVAL)
        notify(registration, "back_to_approval")
    _flush_new([], registration)  # a concurrent registration may have taken the new e-mail
    if changed:
        history.record(registration, "edited", changes=changes)
    return registration


def change_category(
    registration: Registration, category: Category, *, override_capacity: bool = False
) -> list[Registration]:
    """Move a registration to another category (staff); its seat moves with it."""
    if category.conference_id != registration.conference_id:
        raise NotFound(_("Not found in this conference."))
    registration = _lock(registration, seats=True)
    if category.id == registration.category_id:
        return []
    if registration.holds_seat and not move_seat(registration, category, override_capacity):
        raise CategoryFull(
            _("%(category)s is full.", category=category.name), {"category": _("full")}
        )
    old_category = registration.category
    registration.category = category
    registration.updated_at = utcnow()
    db.session.flush()
    history.record(
        registration, "category", changes={"category": [old_category.code, category.code]}
    )
    return promote_from_waitlist(registration.conference)


# --- lists and counts -----------------------------------------------------------------------


def answer_text(question: Question, value: Any, empty: str = "—") -> str:
    """An answer as a person reads it: option labels, 是/否, ``empty`` for nothing."""
    from eventsys.i18n import is_english

    if value is None or value == "" or value == []:
        return empty
    labels = {
        o["value"]: (o.get("label_en") if is_english() and o.get("label_en") else o["label"])
        for o in question.options or []
    }
    if question.kind == "yesno":
        return _("Yes") if value else _("No")
    if question.kind == "multi":
        return "、".join(labels.get(v, v) for v in value)
    if question.kind == "choice":
        return labels.get(value, value)
    return str(value)


def mask_phone(phone: str) -> str:
    """138****8000: enough to tell people apart at the desk, not enough to call them."""
    if len(phone) >= 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * len(phone)


def counts(conference: Conference) -> dict[tuple[int, str], int]:
    """{(category id, status): number} in one query."""
    rows = db.session.execute(
        select(Registration.category_id, Registration.status, func.count())
        .where(Registration.conference_id == conference.id)
        .group_by(Registration.category_id, Registration.status)
    ).all()
    return {(category_id, status): n for category_id, status, n in rows}


def _list_statement(conference: Conference, q: str = "", status: str = "", category: str = ""):
    """The registrations the staff list's search and filters match (no order yet)."""
    conditions = [Registration.conference_id == conference.id]
    if status:
        conditions.append(Registration.status == status)
    if category:
        found = find_category(conference, category)
        conditions.append(Registration.category_id == (found.id if found else -1))
    q = (q or "").strip()
    if q:
        like = f"%{_escape_like(q.lower())}%"
        phone = phone_key(q)
        searches = [
            func.lower(Registration.name).like(like, escape="\\"),
            Registration.email_key.like(like, escape="\\"),
            func.lower(Registration.organization).like(like, escape="\\"),
        ]
        if phone and re.fullmatch(r"\+?\d{3,15}", phone):
            searches.append(Registration.phone_key.like(f"%{phone}%"))
        conditions.append(or_(*searches))
    return select(Registration).where(*conditions)


def search_registrations(
    conference: Conference,
    q: str = "",
    status: str = "",
    category: str = "",
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[Registration], int]:
    """A page of registrations and the total matching, in two queries."""
    statement = _list_statement(conference, q, status, category)
    total = db.session.execute(
        statement.with_only_columns(func.count(), maintain_column_froms=True)
    ).scalar_one()
    items = list(
        db.session.execute(
            statement.options(joinedload(Registration.category))
            .order_by(Registration.id.desc())
            .limit(per_page)
            .offset((max(page, 1) - 1) * per_page)
        ).scalars()
    )
    return items, total


# The staff list's sortable columns: only these keys reach ORDER BY ("-key": descending).
SORT_COLUMNS = {
    "name": Registration.name,
    "category": Registration.category_id,
    "status": Registration.status,
    "organization": Registration.organization,
    "created": Registration.id,
}


def list_order(sort: str = ""):
    """The ORDER BY of a whitelisted sort key (else newest first); ties by id, so that pages
    never repeat or skip a row."""
    key = (sort or "").removeprefix("-")
    column = SORT_COLUMNS.get(key)
    if column is None:
        return (Registration.id.desc(),)
    descending = sort.startswith("-")
    first = column.desc() if descending else column.asc()
    if key == "created":
        return (first,)
    return (first, Registration.id.desc() if descending else Registration.id.asc())


def registration_page(
    conference: Conference,
    page: int = 1,
    per_page: int = 50,
    *,
    q: str = "",
    status: str = "",
    category: str = "",
    sort: str = "",
) -> Pagination:
    """One page of the staff list, newest first (Flask-SQLAlchemy's ``Pagination``).

    A ``page`` below 1 is the first; one past the last (an old link after the list shrank,
    or any number at all) is the last.
    """
    statement = (
        _list_statement(conference, q, status, category)
        .options(joinedload(Registration.category))
        .order_by(*list_order(sort))
    )
    page = min(max(page, 1), MAX_PAGE)  # the row offset stays inside the database's integers
    found = db.paginate(statement, page=page, per_page=per_page, max_per_page=None, error_out=False)
    if found.page > max(found.pages, 1):
        found = db.paginate(
            statement, page=found.pages, per_page=per_page, max_per_page=None, error_out=False
        )
    return found


# What an export reads of each registration.
_EXPORT_COLUMNS = (
    Registration.id,
    Registration.category_id,
    Registration.name,
    Registration.email,
    Registration.phone,
    Registration.organization,
    Registration.position,
    Registration.status,
    Registration.created_at,
    Registration.answers,
)


class ExportRecord:
    """A registration as an export reads it: its columns (a plain row) and its category."""

    __slots__ = ("_row", "category")

    def __init__(self, row, category: Category):
        self._row = row
        self.category = category

    def __getattr__(self, name: str):
        return getattr(self._row, name)


def matching_registration_batches(
    conference: Conference, q: str = "", status: str = "", category: str = "", batch=1000
) -> Iterator[list[ExportRecord]]:
    """Every registration the staff list's filters match, oldest first, ``batch`` at a time,
    as plain records for an export: the columns an export reads, and ``category``.

    Each batch is one short query that continues after the last id of the one before, so the
    caller may end the transaction between batches (and should, before it waits on a slow
    client): no transaction, lock or connection is held while a long download goes out, and
    memory stays flat whatever the conference's size. Plain rows, not ORM objects: no object
    per row to build, track and expire (half the time of an export of 100,000).
    """
    categories = {c.id: c for c in conference.categories}
    statement = _list_statement(conference, q, status, category).with_only_columns(*_EXPORT_COLUMNS)
    last_id = 0
    while True:
        rows = db.session.execute(
            statement.where(Registration.id > last_id).order_by(Registration.id).limit(batch)
        ).all()
        if not rows:
            return
        last_id = rows[-1].id
        yield [ExportRecord(row, categories[row.category_id]) for row in rows]
        if len(rows) < batch:
            return


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- telling people -------------------------------------------------------------------------


def resend_link(conference: Conference, email: str) -> bool:
    """Send the private link again to whoever registered with this e-mail (if anyone)."""
    registration = find_active(conference, email=email)
    if registration is None:
        return False
    notify(registration, "link")
    return True


def seed_registrations(conference: Conference, attendees: list[dict]) -> int:
    """The demo's attendees, registered by staff without e-mails (used by seed-demo)."""
    for row in attendees:
        applicant = Applicant(
            category=row["category"],
            name=row["name"],
            email=row["email"],
            phone=row["phone"],
            organization=row.get("organization", ""),
            position=row.get("position", ""),
        )
        category = find_category(conference, row["category"])
        # Those of categories that need approval come in as the public would, so the demo's
        # approval queue has people in it.
        public = category is not None and category.requires_approval and not category.invite_only
        register(
            conference,
            applicant,
            source="web" if public else "import",
            by_staff=not public,
            send_mail=False,
        )
    return len(attendees)


# --- what registration hears from the conference set-up (connected in init_app) -----------


def refuse_capacity_below_seats(sender, conference: Conference, part=None, **_kwargs) -> None:
    """A category's (or the whole conference's) capacity was saved: never below the seats
    already held, and a raised one moves the waitlist up in the same transaction."""
    part = part if part is not None else conference
    lock_seats(conference.id)
    db.session.refresh(part, ["seats_taken"])
    if part.capacity is not None and part.capacity < part.seats_taken:
        raise ValidationError(
            _(
                "%(taken)s seats are already taken; the capacity cannot be lower than that.",
                taken=part.seats_taken,
            ),
            {"capacity": _("below the seats taken")},
        )
    promote_from_waitlist(conference)


def conference_capacity_saved(conference: Conference, **_kwargs) -> None:
    """The conference-wide limit was saved: the same rule as for a category."""
    refuse_capacity_below_seats(None, conference)


def category_in_use(sender, conference: Conference, part: Category, **_kwargs) -> str | None:
    """The reason a category cannot be deleted: people registered in it."""
    count = db.session.execute(
        select(func.count()).select_from(Registration).where(Registration.category_id == part.id)
    ).scalar_one()
    if count:
        return _(
            "%(name)s has %(count)s registration(s); it cannot be deleted.",
            name=part.name,
            count=count,
        )
    return None


# --- staff pages: the approval queue, exports and the organizers' own questions --------------


def all_matching_registrations(
    conference: Conference, q: str = "", status: str = "", category: str = ""
) -> list[Registration]:
    """Every registration the list page's filters match, oldest first, categories loaded.

    One page as large as any conference gets, so the filters are exactly the list's own.
    """
    items, _total = search_registrations(
        conference, q=q, status=status, category=category, page=1, per_page=2**31 - 1
    )
    items.reverse()
    return items


def pending_registrations(
    conference: Conference, limit: int = 200
) -> tuple[list[Registration], int]:
    """The approval queue, oldest first (at most ``limit``), and how many are waiting."""
    conditions = (
        Registration.conference_id == conference.id,
        Registration.status == Status.PENDING,
    )
    total = db.session.execute(
        select(func.count()).select_from(Registration).where(*conditions)
    ).scalar_one()
    items = list(
        db.session.execute(
            select(Registration)
            .options(joinedload(Registration.category))
            .where(*conditions)
            .order_by(Registration.created_at, Registration.id)
            .limit(limit)
        ).scalars()
    )
    return items, total


# --- staff: sending again, and actions on a selection ---------------------------------------


class NoEmail(ValidationError):
    code = "no_email"


def resend_confirmation(registration: Registration) -> Registration:
    """Send the person the mail of their registration as it stands (its status, the link)."""
    if registration.status in ENDED_STATUSES:
        raise TransitionRefused(
            _("This registration was cancelled or rejected; there is nothing to confirm.")
        )
    if not registration.email:
        raise NoEmail(_("%(name)s gave no e-mail address.", name=registration.name))
    notify(registration, "registered")
    history.record(registration, "resent")
    return registration


BULK_ACTIONS = ("approve", "cancel", "category", "resend")


@dataclass
class BulkResult:
    """What a bulk action did: those changed, those it left as they were (already so), and
    those the waitlist moved up."""

    changed: list[Registration] = field(default_factory=list)
    unchanged: list[Registration] = field(default_factory=list)
    promoted: list[Registration] = field(default_factory=list)


def bulk_action(
    conference: Conference,
    action: str,
    ids: Collection[int],
    *,
    category: Category | None = None,
    reason: str = "",
    override_capacity: bool = False,
) -> BulkResult:
    """Apply ``action`` to the chosen registrations through the same services as one at a
    time, in one transaction: all of them or, at the first refusal, none (the caller rolls
    back; the error names the person). Those already so (approved, cancelled, in the
    category) are counted as unchanged."""
    if action not in BULK_ACTIONS:
        raise ValidationError(_("Choose an action."), {"action": _("unknown action")})
    if action == "category" and (category is None or category.conference_id != conference.id):
        raise ValidationError(_("Choose the new category."), {"category": _("required")})
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if not wanted:
        raise ValidationError(_("Tick at least one registration first."), {"ids": _("required")})
    found = {
        r.id: r
        for r in db.session.execute(
            select(Registration)
            .options(joinedload(Registration.category))
            .where(Registration.conference_id == conference.id, Registration.id.in_(wanted))
        ).scalars()
    }
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound(_("No such registration."))
    result = BulkResult()
    for registration_id in wanted:
        registration = found[registration_id]
        try:
            if action == "approve":
                was = registration.status
                if was == Status.CONFIRMED:
                    result.unchanged.append(registration)
                    continue
                approve(registration)
            elif action == "cancel":
                if registration.status == Status.CANCELLED:
                    result.unchanged.append(registration)
                    continue
                result.promoted.extend(cancel(registration, reason))
            elif action == "category":
                if registration.category_id == category.id:
                    result.unchanged.append(registration)
                    continue
                result.promoted.extend(
                    change_category(registration, category, override_capacity=override_capacity)
                )
            else:
                resend_confirmation(registration)
        except DomainError as error:
            raise type(error)(
                _(
                    "Nothing was changed. %(name)s: %(message)s",
                    name=registration.name,
                    message=error.message,
                ),
                error.errors,
            ) from error
        result.changed.append(registration)
    # Someone cancelled here may have been moved up a moment before: report each once.
    changed_ids = {r.id for r in result.changed}
    result.promoted = [r for r in dict.fromkeys(result.promoted) if r.id not in changed_ids]
    return result
