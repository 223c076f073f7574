"""Registering, the waitlist, approval, invitations and delegations.

Seats are counted in ``categories.seats_taken`` and ``conferences.seats_taken`` and taken only
by conditional UPDATEs (``... SET seats_taken = seats_taken + n WHERE seats_taken + n <=
capacity``): the database decides, under concurrency, who gets the last seat. A registration
holds a seat while it is confirmed or pending (awaiting approval); waitlisted, rejected and
cancelled ones hold none. Whenever a seat is freed or a limit raised, the waitlist moves up in
the same transaction.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from eventsys.checkin.codes import new_token
from eventsys.conferences import services as conference_services
from eventsys.conferences.models import Category, Conference
from eventsys.db_types import utcnow
from eventsys.errors import Conflict, Forbidden, NotFound, ValidationError
from eventsys.extensions import db
from eventsys.registration.models import (
    ACTIVE_STATUSES,
    Delegation,
    InvitationCode,
    Question,
    Registration,
)

NAME_MAX = 100
ORGANIZATION_MAX = 200
POSITION_MAX = 100
ANSWER_MAX = 2000
MAX_DELEGATION = 50
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RegistrationClosed(Forbidden):
    code = "registration_closed"


class InvitationRequired(Forbidden):
    code = "invitation_required"


class AlreadyRegistered(Conflict):
    code = "already_registered"


class CategoryFull(Conflict):
    code = "category_full"


@dataclass
class Applicant:
    """What a person fills in on the registration form."""

    category: str
    name: str
    email: str
    phone: str
    organization: str = ""
    position: str = ""
    answers: dict[str, Any] = field(default_factory=dict)
    invite_code: str = ""
    locale: str = "zh_CN"
    consent: bool = True


# --- checking what people type ---------------------------------------------------------------


def clean_text(value: Any, max_len: int, field_name: str, errors: dict, required=False) -> str:
    """Trimmed single-line text; control characters refused, length checked."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field_name] = _("must be text")
        return ""
    value = unicodedata.normalize("NFC", value).strip()
    if required and not value:
        errors[field_name] = _("required")
    elif len(value) > max_len:
        errors[field_name] = _("at most %(n)s characters", n=max_len)
    elif _CONTROL.search(value):
        errors[field_name] = _("contains invisible control characters")
    return value


def email_key(email: str) -> str:
    return email.strip().lower()


def normalize_email_address(value: Any, errors: dict, field_name: str = "email") -> str:
    if not isinstance(value, str) or not value.strip():
        errors[field_name] = _("required")
        return ""
    if len(value) > 254:
        errors[field_name] = _("at most %(n)s characters", n=254)
        return ""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        errors[field_name] = _("not a valid e-mail address")
        return ""


_PHONE_SEPARATORS = re.compile(r"[\s\-().]")


def phone_key(value: str) -> str:
    """The comparable form: separators gone, a mainland +86/0086 prefix dropped."""
    digits = _PHONE_SEPARATORS.sub("", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("00"):
        digits = "+" + digits[2:]
    return digits


def normalize_phone(value: Any, errors: dict, field_name: str = "phone") -> tuple[str, str]:
    """(as shown, as compared). Mainland mobiles have 11 digits from 13x to 19x; other
    countries are written with their +CC prefix."""
    if not isinstance(value, str) or not value.strip():
        errors[field_name] = _("required")
        return "", ""
    key = phone_key(value.strip())
    if re.fullmatch(r"1[3-9]\d{9}", key):
        return key, key
    if re.fullmatch(r"\+[1-9]\d{6,14}", key):
        return key, key
    errors[field_name] = _(
        "a mainland mobile number has 11 digits (e.g. 13800138000); "
        "for other countries start with + and the country code"
    )
    return "", ""


def questions_of(conference: Conference) -> list[Question]:
    return list(
        db.session.execute(
            select(Question)
            .where(Question.conference_id == conference.id)
            .order_by(Question.position, Question.id)
        ).scalars()
    )


def clean_answers(questions: list[Question], raw: Any, errors: dict) -> dict[str, Any]:
    """Answers keyed by question code, each checked against its question's kind."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        errors["answers"] = _("must be an object of answers by question code")
        return {}
    known = {q.code for q in questions}
    for key in raw:
        if key not in known:
            errors[f"answers.{key}"] = _("no such question")
    answers: dict[str, Any] = {}
    for question in questions:
        key = f"answers.{question.code}"
        value = raw.get(question.code)
        empty = value is None or value == "" or value == []
        if empty:
            if question.required and question.kind != "yesno":
                errors[key] = _("required")
            elif question.required and question.kind == "yesno":
                errors[key] = _("required")
            continue
        options = [o["value"] for o in question.options or []]
        if question.kind == "text":
            answers[question.code] = clean_text(value, ANSWER_MAX, key, errors)
        elif question.kind == "choice":
            if value not in options:
                errors[key] = _("choose one of the offered answers")
            else:
                answers[question.code] = value
        elif question.kind == "multi":
            values = value if isinstance(value, list) else [value]
            if not all(v in options for v in values):
                errors[key] = _("choose among the offered answers")
            else:
                answers[question.code] = [o for o in options if o in values]
        elif question.kind == "yesno":
            if isinstance(value, bool):
                answers[question.code] = value
            elif value in ("yes", "true", "1", "y", "on"):
                answers[question.code] = True
            elif value in ("no", "false", "0", "n", "off"):
                answers[question.code] = False
            else:
                errors[key] = _("yes or no")
        elif question.kind == "number":
            try:
                number = Decimal(str(value))
                if not number.is_finite():
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                errors[key] = _("a number")
            else:
                answers[question.code] = str(number)
        elif question.kind == "date":
            try:
                answers[question.code] = date.fromisoformat(str(value)).isoformat()
            except ValueError:
                errors[key] = _("a date as YYYY-MM-DD")
    return answers


@dataclass
class CleanApplicant:
    category: Category
    name: str
    email: str
    email_key: str
    phone: str
    phone_key: str
    organization: str
    position: str
    answers: dict[str, Any]


def find_category(conference: Conference, value: str | None) -> Category | None:
    """A category by code, or by its Chinese or English name (as spreadsheets write it)."""
    if not value:
        return None
    value = value.strip()
    for category in conference.categories:
        if value in (category.code, category.name) or (
            category.name_en and value.lower() == category.name_en.lower()
        ):
            return category
    return None


def check_applicant(
    conference: Conference, applicant: Applicant, questions: list[Question] | None = None
) -> CleanApplicant:
    """Every field checked; one ValidationError naming all bad fields."""
    errors: dict[str, str] = {}
    category = find_category(conference, applicant.category)
    if category is None:
        errors["category"] = _("unknown category") if applicant.category else _("choose a category")
    name = clean_text(applicant.name, NAME_MAX, "name", errors, required=True)
    email = normalize_email_address(applicant.email, errors)
    phone, key = normalize_phone(applicant.phone, errors)
    organization = clean_text(applicant.organization, ORGANIZATION_MAX, "organization", errors)
    position = clean_text(applicant.position, POSITION_MAX, "position", errors)
    if questions is None:
        questions = questions_of(conference)
    answers = clean_answers(questions, applicant.answers, errors)
    if not applicant.consent:
        errors["consent"] = _("please agree to the use of your data for this conference")
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    return CleanApplicant(
        category=category,
        name=name,
        email=email,
        email_key=email_key(email),
        phone=phone,
        phone_key=key,
        organization=organization,
        position=position,
        answers=answers,
    )


# --- seats ----------------------------------------------------------------------------------


def take_seats(conference: Conference, category: Category, count: int, force=False) -> bool:
    """Take ``count`` seats of the category and of the conference-wide limit, or none.

    The decision is one conditional UPDATE per row: a concurrent request waits for the row
    and then sees the new count. ``force`` (an organizer's override) takes them regardless.
    """
    cat_cond = [Category.id == category.id]
    conf_cond = [Conference.id == conference.id]
    if not force:
        cat_cond.append(
            or_(Category.capacity.is_(None), Category.seats_taken + count <= Category.capacity)
        )
        conf_cond.append(
            or_(
                Conference.capacity.is_(None),
                Conference.seats_taken + count <= Conference.capacity,
            )
        )
    taken = db.session.execute(
        update(Category)
        .where(*cat_cond)
        .values(seats_taken=Category.seats_taken + count)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return False
    taken = db.session.execute(
        update(Conference)
        .where(*conf_cond)
        .values(seats_taken=Conference.seats_taken + count)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        _add_seats(None, category.id, -count)  # give back the category's seats only
        return False
    return True


def _add_seats(conference_id: int | None, category_id: int, count: int) -> None:
    """Adjust held seats of the category and, unless ``conference_id`` is None, the conference."""
    db.session.execute(
        update(Category)
        .where(Category.id == category_id)
        .values(seats_taken=Category.seats_taken + count)
        .execution_options(synchronize_session=False)
    )
    if conference_id is not None:
        db.session.execute(
            update(Conference)
            .where(Conference.id == conference_id)
            .values(seats_taken=Conference.seats_taken + count)
            .execution_options(synchronize_session=False)
        )


def release_seat(registration: Registration) -> None:
    _add_seats(registration.conference_id, registration.category_id, -1)


def seats_left(category: Category) -> int | None:
    """Free seats of the category now (None: no limit), the conference limit included."""
    db.session.refresh(category, ["seats_taken", "capacity"])
    conference = category.conference
    db.session.refresh(conference, ["seats_taken", "capacity"])
    left = None
    if category.capacity is not None:
        left = max(category.capacity - category.seats_taken, 0)
    if conference.capacity is not None:
        conf_left = max(conference.capacity - conference.seats_taken, 0)
        left = conf_left if left is None else min(left, conf_left)
    return left


# --- invitations ----------------------------------------------------------------------------


def use_invitation(
    conference: Conference, category: Category, code: str, count: int = 1
) -> InvitationCode:
    """Count ``count`` uses of an invitation code for this category, atomically, or refuse."""
    code = (code or "").strip()
    invitation = db.session.execute(
        select(InvitationCode).where(
            InvitationCode.conference_id == conference.id, InvitationCode.code == code
        )
    ).scalar_one_or_none()
    if invitation is None or invitation.category_id != category.id:
        raise InvitationRequired(
            _("This invitation code is not valid for %(category)s.", category=category.name),
            {"invite_code": _("not valid")},
        )
    now = utcnow()
    if invitation.expires_at is not None and invitation.expires_at <= now:
        raise InvitationRequired(
            _("This invitation code has expired."), {"invite_code": _("expired")}
        )
    used = db.session.execute(
        update(InvitationCode)
        .where(
            InvitationCode.id == invitation.id,
            or_(
                InvitationCode.max_uses.is_(None),
                InvitationCode.uses + count <= InvitationCode.max_uses,
            ),
        )
        .values(uses=InvitationCode.uses + count)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        raise InvitationRequired(
            _("This invitation code has been used up."), {"invite_code": _("used up")}
        )
    return invitation


def create_invitations(
    conference: Conference,
    category: Category,
    count: int = 1,
    max_uses: int | None = 1,
    expires_at: datetime | None = None,
    code: str | None = None,
    note: str = "",
) -> list[InvitationCode]:
    """New invitation codes (random unless ``code`` names one) for a category."""
    if category.conference_id != conference.id:
        raise NotFound(_("Not found in this conference."))
    if max_uses is not None and max_uses < 1:
        raise ValidationError(_("Maximum uses: at least 1, or empty."), {"max_uses": "invalid"})
    if not 1 <= count <= 1000:
        raise ValidationError(_("Make 1 to 1000 codes at a time."), {"count": "invalid"})
    codes = []
    if code:
        code = conference_services.check_code(code, "code")
        exists = db.session.execute(
            select(InvitationCode.id).where(
                InvitationCode.conference_id == conference.id, InvitationCode.code == code
            )
        ).first()
        if exists or count != 1:
            raise Conflict(_("The code %(code)s is already used in this conference.", code=code))
        codes = [code]
    else:
        codes = [secrets.token_hex(4).upper() for _i in range(count)]
    made = [
        InvitationCode(
            conference_id=conference.id,
            category_id=category.id,
            code=c,
            max_uses=max_uses,
            expires_at=expires_at,
            note=note[:200],
        )
        for c in codes
    ]
    db.session.add_all(made)
    db.session.flush()
    return made


def list_invitations(conference: Conference) -> list[InvitationCode]:
    return list(
        db.session.execute(
            select(InvitationCode)
            .where(InvitationCode.conference_id == conference.id)
            .order_by(InvitationCode.created_at.desc(), InvitationCode.id.desc())
        ).scalars()
    )


# --- registering ----------------------------------------------------------------------------


def registration_open(conference: Conference, now: datetime | None = None) -> bool:
    now = now or utcnow()
    if conference.registration_opens_at and now < conference.registration_opens_at:
        return False
    if conference.registration_closes_at and now >= conference.registration_closes_at:
        return False
    return True


def check_open(conference: Conference) -> None:
    now = utcnow()
    if conference.registration_opens_at and now < conference.registration_opens_at:
        raise RegistrationClosed(_("Registration has not opened yet."))
    if conference.registration_closes_at and now >= conference.registration_closes_at:
        raise RegistrationClosed(_("Registration has closed."))


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
            select(Registration)
            .where(
                Registration.conference_id == conference.id,
                Registration.status.in_(ACTIVE_STATUSES),
                or_(*conditions),
            )
            .limit(1)
        )
        .scalars()
        .first()
    )


def _refuse_duplicate(existing: Registration, email_key_value: str) -> None:
    same = "email" if existing.email_key == email_key_value else "phone"
    message = (
        _("This e-mail address is already registered for this conference.")
        if same == "email"
        else _("This phone number is already registered for this conference.")
    )
    raise AlreadyRegistered(
        message + " " + _("We can send the link to your registration again."),
        {same: _("already registered")},
    )


def _seat_status(category: Category, got_seat: bool, preapproved: bool) -> str:
    if not got_seat:
        return "waitlisted"
    if category.requires_approval and not preapproved:
        return "pending"
    return "confirmed"


def _new_registration(
    conference: Conference, clean: CleanApplicant, status: str, source: str, locale: str
) -> Registration:
    now = utcnow()
    registration = Registration(
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
        checkin_token=new_token(),
        created_at=now,
        updated_at=now,
        consent_at=now,
        waitlisted_at=now if status == "waitlisted" else None,
        confirmed_at=now if status == "confirmed" else None,
    )
    registration.category = clean.category
    registration.conference = conference
    return registration


def _flush_new(registrations: list[Registration]) -> None:
    """Insert (and write pending changes); a concurrent registration with the same e-mail or
    phone loses here, on the unique index."""
    db.session.add_all(registrations)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise AlreadyRegistered(
            _("This e-mail address or phone number is already registered for this conference."),
            {"email": _("already registered")},
        ) from None


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
    existing = find_active(conference, clean.email, clean.phone)
    if existing is not None:
        _refuse_duplicate(existing, clean.email_key)
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
    _flush_new([registration])
    if send_mail:
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


def register_delegation(
    conference: Conference, request: DelegationRequest, *, by_staff: bool = False
) -> Delegation:
    """Register a group of one organization: seats for all of them, or for none."""
    if not by_staff:
        check_open(conference)
    errors: dict[str, str] = {}
    organization = clean_text(request.organization, ORGANIZATION_MAX, "organization", errors, True)
    contact_name = clean_text(request.contact_name, NAME_MAX, "contact_name", errors, True)
    contact_email = normalize_email_address(request.contact_email, errors, "contact_email")
    contact_phone, _key = normalize_phone(request.contact_phone, errors, "contact_phone")
    category = find_category(conference, request.category)
    if category is None:
        errors["category"] = _("choose a category")
    if not request.members:
        errors["members"] = _("add at least one person")
    elif len(request.members) > MAX_DELEGATION:
        errors["members"] = _("at most %(n)s people in one group", n=MAX_DELEGATION)
    # The contact cannot answer the organizers' questions for everyone; each member can, on
    # their own page, later.
    questions: list[Question] = []
    cleaned: list[CleanApplicant] = []
    for index, member in enumerate(request.members[:MAX_DELEGATION]):
        member.category = request.category
        member.organization = member.organization or organization
        try:
            cleaned.append(check_applicant(conference, member, questions))
        except ValidationError as error:
            for key, reason in error.errors.items():
                if key != "category":
                    errors[f"members[{index}].{key}"] = reason
    seen_email: dict[str, int] = {}
    seen_phone: dict[str, int] = {}
    for index, clean in enumerate(cleaned):
        if clean.email_key in seen_email:
            errors[f"members[{index}].email"] = _("twice in this group")
        if clean.phone_key in seen_phone:
            errors[f"members[{index}].phone"] = _("twice in this group")
        seen_email[clean.email_key] = index
        seen_phone[clean.phone_key] = index
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    if cleaned:
        taken = db.session.execute(
            select(Registration.email_key, Registration.phone_key).where(
                Registration.conference_id == conference.id,
                Registration.status.in_(ACTIVE_STATUSES),
                or_(
                    Registration.email_key.in_(seen_email),
                    Registration.phone_key.in_(seen_phone),
                ),
            )
        ).all()
        for taken_email, taken_phone in taken:
            if taken_email in seen_email:
                errors[f"members[{seen_email[taken_email]}].email"] = _("already registered")
            if taken_phone in seen_phone:
                errors[f"members[{seen_phone[taken_phone]}].phone"] = _("already registered")
        if errors:
            raise AlreadyRegistered(
                _("Some of these people are already registered for this conference."), errors
            )
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
    if not take_seats(conference, category, count):
        left = seats_left(category)
        raise CategoryFull(
            _(
                "Only %(left)s seats are left in %(category)s; the group of %(count)s cannot "
                "be registered together. Register fewer people or choose another category.",
                left=left if left is not None else 0,
                category=category.name,
                count=count,
            ),
            {"members": _("too many for the seats left")},
        )
    delegation = Delegation(
        conference_id=conference.id,
        organization=organization,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        manage_token=secrets.token_urlsafe(24),
    )
    db.session.add(delegation)
    status = _seat_status(category, True, preapproved=by_staff)
    members = []
    for clean in cleaned:
        registration = _new_registration(conference, clean, status, "delegation", request.locale)
        registration.delegation = delegation
        registration.invitation_id = invitation.id if invitation else None
        members.append(registration)
    _flush_new(members)
    for registration in members:
        notify(registration, "registered")
    notify_delegation(delegation, members, request.locale)
    return delegation


# --- after registering ----------------------------------------------------------------------


def promote_from_waitlist(conference: Conference) -> list[Registration]:
    """Give free seats to the waitlist, first come first served, and tell those promoted."""
    promoted: list[Registration] = []
    full_categories: set[int] = set()
    waiting = db.session.execute(
        select(Registration.id, Registration.category_id)
        .where(Registration.conference_id == conference.id, Registration.status == "waitlisted")
        .order_by(Registration.waitlisted_at, Registration.id)
    ).all()
    for registration_id, category_id in waiting:
        if category_id in full_categories:
            continue
        category = db.session.get(Category, category_id)
        if not take_seats(conference, category, 1):
            db.session.refresh(conference, ["seats_taken", "capacity"])
            if conference.capacity is not None and conference.seats_taken >= conference.capacity:
                break  # the whole conference is full: nobody further down can move up
            full_categories.add(category_id)
            continue
        status = "pending" if category.requires_approval else "confirmed"
        now = utcnow()
        # Conditional, so that two transactions never promote the same person twice.
        moved = db.session.execute(
            update(Registration)
            .where(Registration.id == registration_id, Registration.status == "waitlisted")
            .values(
                status=status,
                updated_at=now,
                confirmed_at=now if status == "confirmed" else None,
            )
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:
            _add_seats(conference.id, category_id, -1)
            continue
        registration = db.session.get(Registration, registration_id)
        db.session.refresh(registration)
        promoted.append(registration)
        notify(registration, "promoted")
    return promoted


def get_registration(conference: Conference, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.conference_id != conference.id:
        raise NotFound(_("No such registration."))
    return registration


def by_manage_token(token: str) -> Registration | None:
    if not token or len(token) > 64:
        return None
    return db.session.execute(
        select(Registration).where(Registration.manage_token == token)
    ).scalar_one_or_none()


def _lock(registration: Registration) -> Registration:
    """Re-read the registration under a row lock so two staff actions do not interleave."""
    return db.session.execute(
        select(Registration)
        .where(Registration.id == registration.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def cancel(registration: Registration, reason: str = "") -> list[Registration]:
    """Cancel; frees the seat and moves the waitlist up. Returns those promoted."""
    registration = _lock(registration)
    if registration.status == "cancelled":
        return []
    if registration.status == "rejected":
        raise Conflict(_("This registration was rejected; there is nothing to cancel."))
    held = registration.holds_seat
    now = utcnow()
    registration.status = "cancelled"
    registration.cancelled_at = now
    registration.updated_at = now
    registration.reason = (reason or "")[:1000]
    db.session.flush()
    notify(registration, "cancelled")
    if held:
        release_seat(registration)
        return promote_from_waitlist(registration.conference)
    return []


def approve(registration: Registration) -> Registration:
    registration = _lock(registration)
    if registration.status == "confirmed":
        return registration
    if registration.status != "pending":
        raise Conflict(
            _(
                "Only registrations awaiting approval can be approved; this one is %(status)s.",
                status=status_label(registration.status),
            )
        )
    now = utcnow()
    registration.status = "confirmed"
    registration.confirmed_at = now
    registration.updated_at = now
    db.session.flush()
    notify(registration, "approved")
    return registration


def reject(registration: Registration, reason: str = "") -> list[Registration]:
    """Reject a pending or waitlisted registration, with a reason the person is told."""
    registration = _lock(registration)
    if registration.status == "rejected":
        return []
    if registration.status not in ("pending", "waitlisted"):
        raise Conflict(
            _(
                "Only registrations awaiting approval or on the waitlist can be rejected; "
                "this one is %(status)s.",
                status=status_label(registration.status),
            )
        )
    held = registration.holds_seat
    registration.status = "rejected"
    registration.reason = (reason or "").strip()[:1000]
    registration.updated_at = utcnow()
    db.session.flush()
    notify(registration, "rejected")
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
    if registration.status in ("cancelled", "rejected"):
        raise Conflict(_("A cancelled or rejected registration cannot be changed."))
    conference = registration.conference
    applicant.category = registration.category.code
    clean = check_applicant(conference, applicant)
    for value, column in ((clean.email, "email"), (clean.phone, "phone")):
        other = find_active(conference, **{column: value})
        if other is not None and other.id != registration.id:
            raise AlreadyRegistered(
                _("Someone else's registration already uses this %(what)s.", what=column),
                {column: _("already registered")},
            )
    changed = (
        registration.name,
        registration.email_key,
        registration.phone_key,
        registration.organization,
        registration.position,
        registration.answers,
    ) != (
        clean.name,
        clean.email_key,
        clean.phone_key,
        clean.organization,
        clean.position,
        clean.answers,
    )
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
        and registration.status == "confirmed"
    ):
        registration.status = "pending"
        notify(registration, "back_to_approval")
    _flush_new([])  # a concurrent registration may have taken the new e-mail or phone
    return registration


def change_category(
    registration: Registration, category: Category, *, override_capacity: bool = False
) -> list[Registration]:
    """Move a registration to another category (staff); its seat moves with it."""
    registration = _lock(registration)
    if category.conference_id != registration.conference_id:
        raise NotFound(_("Not found in this conference."))
    if category.id == registration.category_id:
        return []
    old_category_id = registration.category_id
    if registration.holds_seat:
        # The conference-wide count stays: take the seat in the new category only.
        conditions = [Category.id == category.id]
        if not override_capacity:
            conditions.append(
                or_(Category.capacity.is_(None), Category.seats_taken + 1 <= Category.capacity)
            )
        taken = db.session.execute(
            update(Category)
            .where(*conditions)
            .values(seats_taken=Category.seats_taken + 1)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:
            raise CategoryFull(
                _("%(category)s is full.", category=category.name), {"category": _("full")}
            )
        _add_seats(None, old_category_id, -1)
    registration.category = category
    registration.updated_at = utcnow()
    db.session.flush()
    return promote_from_waitlist(registration.conference)


def on_capacity_raised(conference: Conference) -> list[Registration]:
    """After an organizer raises a limit: the waitlist moves up at once."""
    return promote_from_waitlist(conference)


# --- lists and counts -----------------------------------------------------------------------


def status_label(status: str) -> str:
    labels = {
        "confirmed": _("Confirmed"),
        "pending": _("Awaiting approval"),
        "waitlisted": _("On the waitlist"),
        "rejected": _("Rejected"),
        "cancelled": _("Cancelled"),
    }
    return labels.get(status, status)


def answer_text(question: Question, value: Any) -> str:
    """An answer as a person reads it: option labels, 是/否, dashes for nothing."""
    from eventsys.i18n import is_english

    if value is None or value == "" or value == []:
        return "—"
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


def search_registrations(
    conference: Conference,
    q: str = "",
    status: str = "",
    category: str = "",
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[Registration], int]:
    """A page of registrations and the total matching, in two queries."""
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
    total = db.session.execute(
        select(func.count()).select_from(Registration).where(*conditions)
    ).scalar_one()
    from sqlalchemy.orm import joinedload

    items = list(
        db.session.execute(
            select(Registration)
            .options(joinedload(Registration.category))
            .where(*conditions)
            .order_by(Registration.id.desc())
            .limit(per_page)
            .offset((max(page, 1) - 1) * per_page)
        ).scalars()
    )
    return items, total


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- telling people -------------------------------------------------------------------------


def notify(registration: Registration, event: str) -> None:
    """Queue the e-mail for this event in the attendee's language (sent on commit)."""
    from eventsys.registration.notifications import registration_mail

    mail = registration_mail(registration, event)
    if mail is not None:
        from eventsys.mail import queue_mail

        queue_mail(db.session, mail)


def notify_delegation(delegation: Delegation, members: list[Registration], locale: str) -> None:
    from eventsys.mail import queue_mail
    from eventsys.registration.notifications import delegation_mail

    queue_mail(db.session, delegation_mail(delegation, members, locale))


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


# --- hooks into the conference set-up -------------------------------------------------------


def _refuse_capacity_below_seats(conference: Conference, part) -> None:
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


def _category_in_use(category: Category) -> str | None:
    count = db.session.execute(
        select(func.count())
        .select_from(Registration)
        .where(Registration.category_id == category.id)
    ).scalar_one()
    if count:
        return _(
            "%(name)s has %(count)s registration(s); it cannot be deleted.",
            name=category.name,
            count=count,
        )
    return None


conference_services.register_after_save("categories", _refuse_capacity_below_seats)
conference_services.register_after_save("conference", _refuse_capacity_below_seats)
conference_services.register_delete_guard("categories", _category_in_use)


# --- staff pages: the approval queue, exports and the organizers' own questions --------------

QUESTION_CODE_MAX = 64
QUESTION_LABEL_MAX = 300
OPTION_VALUE_MAX = 200
MAX_OPTIONS = 100


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
    from sqlalchemy.orm import joinedload

    conditions = (Registration.conference_id == conference.id, Registration.status == "pending")
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


def get_question(conference: Conference, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.conference_id != conference.id:
        raise NotFound(_("Not found in this conference."))
    return question


def parse_options(text: str) -> list[dict[str, str]]:
    """Options typed one a line: ``value | 中文 | English``, ``value | 中文`` or just a label
    (which is then also the value). Blank lines are skipped."""
    options = []
    for line in (text or "").splitlines():
        parts = [part.strip() for part in line.split("|")]
        if not any(parts):
            continue
        if len(parts) == 1:
            value = label = parts[0]
            label_en = ""
        else:
            value, label = parts[0], parts[1]
            label_en = " | ".join(parts[2:])
            label = label or value
        options.append({"value": value, "label": label, "label_en": label_en})
    return options


def options_text(options: list[dict[str, str]] | None) -> str:
    """The text form of ``parse_options`` (for editing), one option a line."""
    lines = []
    for option in options or []:
        value, label, label_en = option["value"], option.get("label", ""), option.get("label_en")
        if label_en:
            lines.append(f"{value} | {label} | {label_en}")
        elif label and label != value:
            lines.append(f"{value} | {label}")
        else:
            lines.append(value)
    return "\n".join(lines)


def _check_options(raw: Any, errors: dict) -> list[dict[str, str]]:
    options = parse_options(raw) if isinstance(raw, str) else raw
    if not isinstance(options, list):
        errors["options"] = _("a list of options")
        return []
    cleaned: list[dict[str, str]] = []
    seen: set[str] = set()
    for number, option in enumerate(options, start=1):
        if not isinstance(option, dict):
            errors["options"] = _("a list of options")
            return []
        part_errors: dict[str, str] = {}
        value = clean_text(option.get("value"), OPTION_VALUE_MAX, "value", part_errors, True)
        label = clean_text(option.get("label") or value, OPTION_VALUE_MAX, "label", part_errors)
        label_en = clean_text(option.get("label_en"), OPTION_VALUE_MAX, "label_en", part_errors)
        if part_errors:
            errors["options"] = _(
                "option %(number)s: %(reason)s",
                number=number,
                reason=next(iter(part_errors.values())),
            )
            return []
        if value in seen:
            errors["options"] = _("the value %(value)s appears twice", value=value)
            return []
        seen.add(value)
        cleaned.append({"value": value, "label": label, "label_en": label_en})
    if len(cleaned) > MAX_OPTIONS:
        errors["options"] = _("at most %(n)s options", n=MAX_OPTIONS)
    return cleaned


def save_question(
    conference: Conference, values: dict[str, Any], question: Question | None = None
) -> Question:
    """Create (``question`` None) or change one of the organizer's registration questions.

    ``values``: ``code``, ``label``, ``label_en``, ``kind`` (one of QUESTION_KINDS),
    ``required`` and, for choice and multi, ``options`` as a list of
    ``{"value", "label", "label_en"}`` or as text for ``parse_options``. A changed code
    carries the answers already given along with it.
    """
    from eventsys.registration.models import QUESTION_KINDS

    errors: dict[str, str] = {}
    try:
        code = conference_services.check_code(values.get("code") or "", "code")
    except ValidationError:
        code = ""
        errors["code"] = _("1-64 letters, digits, '-', '_' or '.', starting with a letter or digit")
    label = clean_text(values.get("label"), QUESTION_LABEL_MAX, "label", errors, required=True)
    label_en = clean_text(values.get("label_en"), QUESTION_LABEL_MAX, "label_en", errors)
    kind = values.get("kind") or "text"
    if kind not in QUESTION_KINDS:
        errors["kind"] = _("choose one of the offered kinds")
    options: list[dict[str, str]] = []
    if kind in ("choice", "multi"):
        options = _check_options(values.get("options") or [], errors)
        if not options and "options" not in errors:
            errors["options"] = _("give at least one option, one a line")
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    clash = db.session.execute(
        select(Question).where(Question.conference_id == conference.id, Question.code == code)
    ).scalar_one_or_none()
    if clash is not None and clash is not question:
        raise Conflict(
            _("The code %(code)s is already used in this conference.", code=code),
            {"code": _("already used by another question")},
        )
    if question is None:
        position = db.session.execute(
            select(func.coalesce(func.max(Question.position), 0)).where(
                Question.conference_id == conference.id
            )
        ).scalar_one()
        question = Question(conference_id=conference.id, position=position + 1)
        db.session.add(question)
    elif question.code != code:
        _rename_answers(conference, question.code, code)
    question.code = code
    question.label = label
    question.label_en = label_en
    question.kind = kind
    question.required = bool(values.get("required"))
    question.options = options
    db.session.flush()
    return question


def _rename_answers(conference: Conference, old: str, new: str) -> None:
    """Answers are keyed by question code: move them to the new code."""
    registrations = db.session.execute(
        select(Registration).where(Registration.conference_id == conference.id)
    ).scalars()
    for registration in registrations:
        if registration.answers and old in registration.answers:
            answers = dict(registration.answers)
            answers[new] = answers.pop(old)
            registration.answers = answers  # a new dict, so the JSON column sees the change


def delete_question(conference: Conference, question_id: int) -> Question:
    """Remove a question from the form; answers already given stay with the registrations."""
    question = get_question(conference, question_id)
    db.session.delete(question)
    db.session.flush()
    return question
