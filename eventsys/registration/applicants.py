"""Checking what people type: names, e-mail addresses, phone numbers, answers, category."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import email_validator
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from eventsys.conferences.models import Category, Conference
from eventsys.errors import ValidationError
from eventsys.registration.models import Question
from eventsys.registration.questions import questions_of
from eventsys.text import clean_text, unicode_problem

NAME_MAX = 100


ORGANIZATION_MAX = 200


POSITION_MAX = 100


ANSWER_MAX = 2000


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
    # The desk may register a walk-in who gives no e-mail (staff only; the public form and
    # the API require one).
    email_optional: bool = False


def email_key(email: str) -> str:
    return unicodedata.normalize("NFKC", email).strip().lower()


# An ordinary ASCII address: a dot-atom local part and a domain of LDH labels ending in a
# letters-only top-level domain. email_validator accepts every such address (the unusual and
# international ones still go to it) and normalizes it to the same text: the local part as
# typed, the domain in lower case. Its full check costs ~80 µs an address, this ~2 µs: 0.8 s
# of a 10,000-row import (docs/PERFORMANCE.md). Deliverability is never checked.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_PLAIN_EMAIL = re.compile(
    rf"(?P<local>{_ATEXT}+(?:\.{_ATEXT}+)*)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)


def plain_email_address(value: str) -> str | None:
    """``value`` normalized as email_validator would, when it is an ordinary ASCII address;
    None when it needs the full check (international, quoted, special-use, or invalid)."""
    match = _PLAIN_EMAIL.fullmatch(value)
    if match is None or len(match["local"]) > 64 or len(value) > 254:
        return None
    domain = match["domain"].lower()
    if len(domain) > 253 or "--" in domain:  # punycode (xn--) and the like: the full check
        return None
    special = email_validator.SPECIAL_USE_DOMAIN_NAMES
    if any(domain == name or domain.endswith("." + name) for name in special):
        return None
    return f"{match['local']}@{domain}"


def email_key_or_none(email: str) -> str | None:
    """The key of an address, or None for no address (a walk-in who gave none)."""
    return email_key(email) if email else None


def normalize_email_address(value: Any, errors: dict, field_name: str = "email") -> str:
    """A checked address. NFKC first: a Chinese keyboard types full-width letters and ＠."""
    if not isinstance(value, str) or not value.strip():
        errors[field_name] = _("required")
        return ""
    problem = unicode_problem(value)
    if problem:
        errors[field_name] = problem
        return ""
    value = unicodedata.normalize("NFKC", value).strip()
    if len(value) > 254:
        errors[field_name] = _("at most %(n)s characters", n=254)
        return ""
    plain = plain_email_address(value)
    if plain is not None:
        return plain
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        errors[field_name] = _("not a valid e-mail address")
        return ""


_PHONE_SEPARATORS = re.compile(r"[\s\-().]")


def ascii_digits(value: str) -> str:
    """NFKC (full-width digits, ＋ and － as a Chinese keyboard types them become ASCII), then
    every other decimal digit (Arabic-Indic, Devanagari, …) as its ASCII digit."""
    value = unicodedata.normalize("NFKC", value)
    if value.isascii():
        return value
    return "".join(
        str(unicodedata.decimal(c)) if not c.isascii() and c.isdecimal() else c for c in value
    )


def phone_key(value: str) -> str:
    """The comparable form: digits in ASCII, separators gone, a mainland +86/0086 prefix
    dropped."""
    digits = _PHONE_SEPARATORS.sub("", ascii_digits(value or ""))
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
    if unicode_problem(value):
        errors[field_name] = unicode_problem(value) or ""
        return "", ""
    key = phone_key(value.strip())
    # [0-9], not \d: \d would let other scripts' digits through unconverted.
    if re.fullmatch(r"1[3-9][0-9]{9}", key):
        return key, key
    if re.fullmatch(r"\+[1-9][0-9]{6,14}", key):
        return key, key
    errors[field_name] = _(
        "a mainland mobile number has 11 digits (e.g. 13800138000); "
        "for other countries start with + and the country code"
    )
    return "", ""


# A mainland landline: area code (3 or 4 digits from 0) and 7 or 8 digits, an extension
# after it ("028-87600000", "(028) 8760 0000", "010-62345678-801").
_LANDLINE = re.compile(r"0[1-9][0-9]{1,2}[0-9]{7,8}")
_EXTENSION = re.compile(r"^(.*?)(?:\s*(?:转|ext\.?|x|-)\s*([0-9]{1,6}))$", re.IGNORECASE)


def normalize_contact_number(
    value: Any, errors: dict, field_name: str = "contact_phone"
) -> tuple[str, str]:
    """A number to reach a contact person: a mobile as ``normalize_phone`` takes it, or a
    mainland landline with its area code (028-87600000), kept as typed but in ASCII digits."""
    probe: dict[str, str] = {}
    phone, key = normalize_phone(value, probe, field_name)
    if not probe:
        return phone, key
    if not isinstance(value, str) or not value.strip() or unicode_problem(value):
        errors[field_name] = probe[field_name]
        return "", ""
    shown = " ".join(ascii_digits(value).split())
    key = phone_key(shown)
    if _LANDLINE.fullmatch(key):
        return shown, key
    match = _EXTENSION.match(shown)
    if match and _LANDLINE.fullmatch(phone_key(match.group(1))):
        return shown, key
    errors[field_name] = _(
        "a mobile number (11 digits) or a landline with its area code, e.g. 028-87600000"
    )
    return "", ""


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
            answers[question.code] = clean_text(value, ANSWER_MAX, key, errors, multiline=True)
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
                # A Chinese keyboard types full-width digits (１２．５): NFKC makes them ASCII.
                number = Decimal(ascii_digits(str(value)).strip().replace(",", ""))
                if not number.is_finite():
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                errors[key] = _("a number")
            else:
                answers[question.code] = str(number)
        elif question.kind == "date":
            try:
                answers[question.code] = date.fromisoformat(
                    ascii_digits(str(value)).strip()
                ).isoformat()
            except ValueError:
                errors[key] = _("a date as YYYY-MM-DD")
    return answers


@dataclass
class CleanApplicant:
    category: Category
    name: str
    email: str
    email_key: str | None
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
    if applicant.email_optional and not (applicant.email or "").strip():
        email = ""
    else:
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
        email_key=email_key_or_none(email),
        phone=phone,
        phone_key=key,
        organization=organization,
        position=position,
        answers=answers,
    )
