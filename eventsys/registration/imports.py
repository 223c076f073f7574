"""Importing registrations from the spreadsheets staff already keep (.csv or .xlsx).

All rows or none: every row is checked first (each field, duplicates inside the file and
against the registrations that stand), then the seats of each category are taken with one
conditional UPDATE for all its rows, then the rows are inserted together. Anything wrong
raises one error that names the rows and columns, and nothing is written.

Staff imports count as made by the organizers' team: registration periods, invitation codes
and approval do not apply (everyone imported is confirmed), capacity does.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from eventsys import signals, spreadsheets
from eventsys.conferences.models import Category, Conference
from eventsys.db_types import utcnow
from eventsys.errors import ValidationError
from eventsys.extensions import db
from eventsys.registration import columns as vocabulary
from eventsys.registration.applicants import Applicant, CleanApplicant, check_applicant
from eventsys.registration.errors import AlreadyRegistered, CategoryFull
from eventsys.registration.models import (
    Question,
    Registration,
    new_checkin_token,
    new_manual_code,
)
from eventsys.registration.notifications import notify
from eventsys.registration.questions import questions_of
from eventsys.registration.seats import adjust_seats, take_seats
from eventsys.registration.services import (
    already_registered_reason,
    registered_keys,
)
from eventsys.registration.settings import shared_phone_allowed
from eventsys.registration.statuses import Status, announce

SUFFIXES = (".csv", ".xlsx")
MAX_SHOWN_PROBLEMS = 10

# The most a file may hold; past these it is refused before it is read (or as soon as a row
# is past them), with a message, instead of filling the memory (a 1 MB .xlsx can unpack to
# gigabytes: a "zip bomb").
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 256

REQUIRED_FIELDS = vocabulary.REQUIRED
_EXCEL_FLOAT = re.compile(r"\d{5,}\.0+")
_SCIENTIFIC = re.compile(r"\d(\.\d+)?[eE]\+\d+")
_YES = {"yes", "y", "true", "1", "是", "有", "√", "✓"}
_NO = {"no", "n", "false", "0", "否", "无", "×"}


@dataclass
class ImportResult:
    """What an import did: the number of registrations and how many in each category."""

    imported: int
    by_category: dict[str, int] = field(default_factory=dict)


@dataclass
class Columns:
    """Which column of the file holds each field and each question's answer."""

    index: dict[str, int]  # field -> column index
    questions: dict[str, int]  # question code -> column index

    def positions(self) -> list[int]:
        return [*self.index.values(), *self.questions.values()]


# --- reading the file -----------------------------------------------------------------------


def read_rows(path: str | Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the filled rows of a .csv or .xlsx file, every cell as trimmed text
    (``eventsys.spreadsheets``, within this module's limits).

    Rows are ``(row number, cells)`` with the row number as a spreadsheet program shows it
    (the header's row counts); empty rows are left out. The header is the first row with at
    least two filled cells, so a title line above the table is passed over.
    """
    limits = spreadsheets.Limits(MAX_FILE_BYTES, MAX_UNPACKED_BYTES, MAX_ROWS, MAX_COLUMNS)
    return spreadsheets.read_rows(path, limits)


# --- understanding the header ---------------------------------------------------------------


_header_key = spreadsheets.header_key


_CANONICAL = {
    _header_key(name): field_name
    for field_name, names in vocabulary.FIELDS.items()
    for name in names
}
_VARIANTS = {
    _header_key(name): field_name
    for field_name, others in vocabulary.OTHER_SPELLINGS.items()
    for name in others
}


def map_columns(headers: Sequence[str], questions: Sequence[Question] = ()) -> Columns:
    """Which column holds which field. The contract's spellings win over other names for the
    same field; columns that are neither a field nor a question are ignored."""
    index: dict[str, int] = {}
    rank: dict[str, int] = {}
    question_columns: dict[str, int] = {}
    question_keys: dict[str, str] = {}
    for question in questions:
        for text in (question.code, question.label, question.label_en):
            if text:
                question_keys.setdefault(_header_key(text), question.code)
    for position, header in enumerate(headers):
        key = _header_key(header)
        if not key:
            continue
        for level, names in enumerate((_CANONICAL, _VARIANTS)):
            field_name = names.get(key)
            if field_name is not None:
                if field_name not in index or level < rank[field_name]:
                    index[field_name] = position
                    rank[field_name] = level
                break
        else:
            code = question_keys.get(key)
            if code is not None and code not in question_columns:
                question_columns[code] = position
    missing = [name for name in REQUIRED_FIELDS if name not in index]
    if missing:
        found = ", ".join(h for h in headers if h) or _("none")
        raise ValidationError(
            _(
                "The file has no column for %(missing)s. Its first row must name the columns "
                "(either spelling, any order): %(columns)s. Found: %(found)s.",
                missing=", ".join(vocabulary.label(name) for name in missing),
                columns=vocabulary.both_spellings(),
                found=found,
            ),
            {name: _("missing column") for name in missing},
        )
    return Columns(index=index, questions=question_columns)


# --- importing ------------------------------------------------------------------------------


def import_registrations(
    conference: Conference, path: str | Path, notify: bool = False
) -> ImportResult:
    """Register everyone in the file (confirmed, source "import"), or no one.

    ``notify``: queue each person's confirmation e-mail (sent when the caller commits).
    Raises ValidationError naming the bad rows and columns, AlreadyRegistered or CategoryFull;
    the caller rolls back (nothing is written before every check has passed).
    """
    headers, rows = read_rows(path)
    return import_rows(conference, headers, rows, send_mail=notify, source_name=Path(path).name)


def import_rows(
    conference: Conference,
    headers: Sequence[str],
    rows: Sequence[tuple[int, Sequence[str]]],
    *,
    send_mail: bool = False,
    source_name: str = "",
) -> ImportResult:
    """The work of import_registrations on rows already read (for uploads through a page)."""
    questions = questions_of(conference)
    columns = map_columns(headers, questions)
    # Only the questions the file has a column for: staff lists rarely carry the answers to
    # the online form's questions, and a required one must not refuse every row.
    asked = [q for q in questions if q.code in columns.questions]
    used = columns.positions()
    problems: list[tuple[int, int, str]] = []
    cleaned: list[CleanApplicant] = []
    first_row_of_email: dict[str, int] = {}
    first_row_of_phone: dict[str, int] = {}
    row_of: list[int] = []
    phone_shared = shared_phone_allowed(conference.id)

    for number, cells in rows:

        def cell(position: int, cells=cells) -> str:
            return cells[position] if position < len(cells) else ""

        if not any(cell(position) for position in used):
            continue  # e.g. a template's rows with only their 序号 filled in

        def value_of(name: str) -> str:
            position = columns.index.get(name)
            return "" if position is None else cell(position)

        phone = value_of("phone")
        if _EXCEL_FLOAT.fullmatch(phone):
            phone = phone.split(".", 1)[0]
        answers = {}
        for question in asked:
            raw = cell(columns.questions[question.code])
            if raw:
                answers[question.code] = _answer_value(question, raw)
        applicant = Applicant(
            category=value_of("category"),
            name=value_of("name"),
            email=value_of("email"),
            phone=phone,
            organization=value_of("organization"),
            position=value_of("position"),
            answers=answers,
        )
        try:
            clean = check_applicant(conference, applicant, asked)
        except ValidationError as error:
            for key, reason in error.errors.items():
                problems.append(_problem(number, key, reason, applicant, columns))
            continue
        for key, first_row, column in (
            (clean.email_key, first_row_of_email, "email"),
            (clean.phone_key, first_row_of_phone, "phone"),
        ):
            if column == "phone" and phone_shared:
                continue  # the conference lets several people give one number
            if key in first_row:
                reason = _(
                    "the same %(what)s as row %(row)s", what=_what(column), row=first_row[key]
                )
                problems.append((number, columns.index[column], reason))
            else:
                first_row[key] = number
        cleaned.append(clean)
        row_of.append(number)

    problems.extend(_already_registered(conference, cleaned, row_of, columns))
    if problems:
        _refuse(problems, columns, headers, conference, source_name)
    if not cleaned:
        raise ValidationError(
            _("%(name)s has a header but no rows to import.", name=source_name or _("The file")),
            {"file": _("no rows")},
        )

    tokens = _take_seats_and_insert(conference, cleaned)
    if send_mail or signals.registration_confirmed.receivers:
        for registration in _load(tokens):
            if send_mail:
                notify(registration, "registered")
            announce(registration, None)
    by_category: dict[str, int] = {}
    for clean in cleaned:
        by_category[clean.category.code] = by_category.get(clean.category.code, 0) + 1
    return ImportResult(imported=len(tokens), by_category=by_category)


def _answer_value(question: Question, raw: str) -> Any:
    """A cell as the answer the form would send: option labels become their values."""
    if question.kind == "yesno":
        lowered = raw.strip().lower()
        if lowered in _YES:
            return True
        if lowered in _NO:
            return False
        return raw
    if question.kind in ("choice", "multi"):
        by_text = {}
        for option in question.options or []:
            for text in (option.get("value"), option.get("label"), option.get("label_en")):
                if text:
                    by_text.setdefault(str(text).strip().lower(), option["value"])
        if question.kind == "choice":
            return by_text.get(raw.strip().lower(), raw)
        parts = [p.strip() for p in re.split(r"[,，;；、]", raw) if p.strip()]
        return [by_text.get(p.lower(), p) for p in parts]
    return raw


def _what(column: str) -> str:
    return _("e-mail address") if column == "email" else _("phone number")


def _problem(
    number: int, key: str, reason: str, applicant: Applicant, columns: Columns
) -> tuple[int, int, str]:
    if key.startswith("answers."):
        code = key.removeprefix("answers.")
        return number, columns.questions.get(code, 10_000), reason
    position = columns.index.get(key, 10_000)
    value = getattr(applicant, key, "") if key in ("category", "email", "phone") else ""
    if key == "phone" and _SCIENTIFIC.fullmatch(value or ""):
        reason = _(
            "the spreadsheet wrote this number in scientific notation and lost its last digits; "
            "format the column as text, type the numbers again and save"
        )
    if value and isinstance(value, str):
        shown = value if len(value) <= 40 else value[:39] + "…"
        reason = f'{reason} ("{shown}")'
    return number, position, reason


def _already_registered(
    conference: Conference, cleaned: list[CleanApplicant], row_of: list[int], columns: Columns
) -> list[tuple[int, int, str]]:
    """Rows whose e-mail or phone a standing registration already has: one query in all,
    by the registration form's own rule and words (``services.registered_keys``)."""
    if not cleaned:
        return []
    # Every standing key of the conference, not an IN list of the file's: one statement
    # whatever the file's size (SQLite caps the parameters of one statement).
    taken_emails, taken_phones = registered_keys(conference.id)
    problems = []
    for clean, number in zip(cleaned, row_of, strict=True):
        if clean.email_key in taken_emails:
            problems.append((number, columns.index["email"], already_registered_reason()))
        if clean.phone_key in taken_phones:
            problems.append((number, columns.index["phone"], already_registered_reason()))
    return problems


def _refuse(
    problems: list[tuple[int, int, str]],
    columns: Columns,
    headers: Sequence[str],
    conference: Conference,
    source_name: str,
) -> None:
    problems.sort(key=lambda p: (p[0], p[1]))
    lines = [
        _(
            "Nothing was imported: %(count)s problem(s) in %(name)s.",
            count=len(problems),
            name=source_name or _("the file"),
        )
    ]
    errors: dict[str, str] = {}
    for number, position, reason in problems:
        header = headers[position] if position < len(headers) else ""
        where = _("row %(row)s, column %(column)s", row=number, column=header)
        errors.setdefault(where, reason)
        if len(lines) <= MAX_SHOWN_PROBLEMS:
            lines.append(f"{where}: {reason}")
    if len(problems) > MAX_SHOWN_PROBLEMS:
        lines.append(_("… and %(n)s more.", n=len(problems) - MAX_SHOWN_PROBLEMS))
    category_position = columns.index["category"]
    if any(position == category_position for _n, position, _r in problems):
        known = ", ".join(f"{c.code} ({c.name})" for c in conference.categories)
        lines.append(_("The categories of this conference: %(known)s.", known=known))
    raise ValidationError("\n".join(lines), errors)


def _take_seats_and_insert(conference: Conference, cleaned: list[CleanApplicant]) -> list[str]:
    """One conditional UPDATE per category for all its rows, then one bulk insert.

    Returns the new registrations' manage tokens, in the file's order.
    """
    wanted: dict[int, tuple[Category, int]] = {}
    for clean in cleaned:
        category, count = wanted.get(clean.category.id, (clean.category, 0))
        wanted[clean.category.id] = (category, count + 1)
    taken: list[tuple[Category, int]] = []
    for category, count in wanted.values():
        if take_seats(conference, category, count):
            taken.append((category, count))
            continue
        # Give back what this import took so far, so that a caller who commits anyway
        # (and the message's seat counts) see the seats as they were.
        for earlier, earlier_count in taken:
            adjust_seats(conference.id, earlier.id, -earlier_count)
        raise _not_enough_seats(conference, category, count, len(cleaned))
    rows = _new_rows(conference, cleaned)
    _insert_all(rows)
    return [row["manage_token"] for row in rows]


def _new_rows(conference: Conference, cleaned: list[CleanApplicant]) -> list[dict[str, Any]]:
    """The rows to insert: what ``_new_registration`` sets for a confirmed, imported person,
    as plain dictionaries (an ORM object per row cost ~1.4 s for 10,000)."""
    now = utcnow()
    phone_unique = not shared_phone_allowed(conference.id)
    return [
        {
            "conference_id": conference.id,
            "category_id": clean.category.id,
            "delegation_id": None,
            "invitation_id": None,
            "name": clean.name,
            "email": clean.email,
            "email_key": clean.email_key,
            "phone": clean.phone,
            "phone_key": clean.phone_key,
            "phone_unique": phone_unique,
            "organization": clean.organization,
            "position": clean.position,
            "answers": clean.answers,
            "locale": "zh_CN",
            "status": Status.CONFIRMED.value,
            "source": "import",
            "reason": "",
            "manage_token": secrets.token_urlsafe(24),
            "checkin_token": new_checkin_token(),
            "manual_code": new_manual_code(),
            "created_at": now,
            "updated_at": now,
            "consent_at": now,
            "waitlisted_at": None,
            "confirmed_at": now,
            "cancelled_at": None,
        }
        for clean in cleaned
    ]


def _insert_all(rows: list[dict[str, Any]]) -> None:
    """Insert the new registrations with one executemany (Core, no ORM objects).

    Not ``session.add_all`` and a flush (``_flush_new``): the unit of work inserts with
    RETURNING, one statement per row on SQLite and 1000-row statements on PostgreSQL whose
    24,000 placeholders psycopg converts in Python. For 10,000 rows that flush took about 2 s
    on SQLite and 5 s on PostgreSQL, this about 1.3 s on either (docs/PERFORMANCE.md). The
    unique indexes still refuse a duplicate that a concurrent registration slipped in.
    """
    try:
        db.session.execute(insert(Registration.__table__), rows)
    except IntegrityError:
        db.session.rollback()
        raise AlreadyRegistered(
            _(
                "Nothing was imported: someone registered with one of these e-mail addresses "
                "or phone numbers while the file was being imported. Import it again to see "
                "which rows."
            ),
            {"email": _("already registered")},
        ) from None


def _load(tokens: list[str]) -> list[Registration]:
    """The registrations just inserted, as objects (to write to them), in the file's order."""
    found: dict[str, Registration] = {}
    for start in range(0, len(tokens), 500):
        chunk = tokens[start : start + 500]
        for registration in db.session.execute(
            select(Registration).where(Registration.manage_token.in_(chunk))
        ).scalars():
            found[registration.manage_token] = registration
    return [found[token] for token in tokens]


def _not_enough_seats(
    conference: Conference, category: Category, count: int, total: int
) -> CategoryFull:
    db.session.refresh(category, ["seats_taken", "capacity"])
    db.session.refresh(conference, ["seats_taken", "capacity"])
    if category.capacity is not None and category.seats_taken + count > category.capacity:
        left = max(category.capacity - category.seats_taken, 0)
        message = _(
            "Nothing was imported: %(category)s (%(code)s) has %(left)s seat(s) left, and the "
            "file has %(count)s row(s) for it. Raise its capacity or import fewer people.",
            category=category.name,
            code=category.code,
            left=left,
            count=count,
        )
    else:
        left = max((conference.capacity or 0) - conference.seats_taken, 0)
        message = _(
            "Nothing was imported: the conference has %(left)s seat(s) left in all (its overall "
            "limit), and the file has %(total)s row(s). Raise the limit or import fewer people.",
            left=left,
            total=total,
        )
    return CategoryFull(message, {"category": _("full")})
