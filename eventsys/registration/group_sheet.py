"""A large delegation's people from a spreadsheet: the template to download, and the file read
into the group form's rows (the form then is the preview: the contact checks the rows and
registers the group, all together or not at all). Every row is checked first; any problem is
named by row and column and no row is filled in."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from eventsys.conferences.models import Conference
from eventsys.errors import ValidationError
from eventsys.registration import columns as vocabulary
from eventsys.registration.applicants import (
    NAME_MAX,
    POSITION_MAX,
    clean_answers,
    normalize_email_address,
    normalize_phone,
)
from eventsys.registration.imports import _answer_value, _header_key, read_rows
from eventsys.registration.models import Question
from eventsys.text import clean_text

MEMBER_FIELDS = ("name", "phone", "email", "position")
MAX_SHOWN = 10


def template_headers(questions: list[Question]) -> list[str]:
    return [vocabulary.FIELDS[f][1] for f in MEMBER_FIELDS] + [q.label for q in questions]


def _field_of(header: str, questions: list[Question]) -> str | None:
    key = _header_key(header)
    for field_name in MEMBER_FIELDS:
        names = (*vocabulary.FIELDS[field_name], *vocabulary.OTHER_SPELLINGS.get(field_name, ()))
        if key in {_header_key(n) for n in names}:
            return field_name
    for question in questions:
        if key in {_header_key(t) for t in (question.code, question.label, question.label_en) if t}:
            return f"q_{question.code}"
    return None


def read_members(
    conference: Conference, storage, questions: list[Question], max_rows: int
) -> list[dict[str, Any]]:
    """The people of an uploaded file as the group form's rows (``name``, ``phone``, ``email``,
    ``position`` and ``q_<code>`` for answers), or a ValidationError naming each bad cell."""
    original = Path(storage.filename or "").name or "file"
    suffix = Path(original).suffix.lower()
    with tempfile.TemporaryDirectory() as folder:
        # Read and forgotten at once: nothing of the file is kept.
        path = Path(folder) / f"upload{suffix}"
        storage.save(path)
        try:
            headers, rows = read_rows(path)
        except ValidationError as error:
            error.message = error.message.replace(path.name, original)
            raise
    positions: dict[str, int] = {}
    for index, header in enumerate(headers):
        found = _field_of(header, questions)
        if found and found not in positions:
            positions[found] = index
    missing = [f for f in ("name", "phone", "email") if f not in positions]
    if missing:
        names = "、".join(vocabulary.FIELDS[f][1] for f in missing)
        raise ValidationError(
            _(
                "%(file)s has no column for %(missing)s; download the template and copy the "
                "people into it.",
                file=original,
                missing=names,
            ),
            {"members_file": _("missing column")},
        )
    by_code = {q.code: q for q in questions}
    problems: list[str] = []
    members: list[dict[str, Any]] = []
    for number, cells in rows:

        def cell(name: str, cells=cells) -> str:
            position = positions.get(name)
            return cells[position] if position is not None and position < len(cells) else ""

        if not any(cell(name) for name in positions):
            continue
        errors: dict[str, str] = {}
        member = {
            "name": clean_text(cell("name"), NAME_MAX, "name", errors, required=True),
            "phone": normalize_phone(cell("phone"), errors)[0],
            "email": normalize_email_address(cell("email"), errors),
            "position": clean_text(cell("position"), POSITION_MAX, "position", errors),
        }
        raw_answers = {
            name[2:]: _answer_value(by_code[name[2:]], cell(name))
            for name in positions
            if name.startswith("q_") and cell(name)
        }
        asked = [by_code[code] for code in raw_answers]
        answers = clean_answers(asked, raw_answers, errors)
        for code, value in answers.items():
            member[f"q_{code}"] = "yes" if value is True else "no" if value is False else value
        for key, reason in errors.items():
            name = f"q_{key.removeprefix('answers.')}" if key.startswith("answers.") else key
            header = headers[positions[name]] if name in positions else key
            problems.append(
                _("row %(row)s, column %(column)s", row=number, column=header) + _(": ") + reason
            )
        members.append(member)
    if problems:
        lines = problems[:MAX_SHOWN]
        if len(problems) > MAX_SHOWN:
            lines.append(_("… and %(n)s more.", n=len(problems) - MAX_SHOWN))
        raise ValidationError(
            _(
                "No rows were filled in: %(count)s problem(s) in %(file)s.",
                count=len(problems),
                file=original,
            )
            + "\n"
            + "\n".join(lines),
            {"members_file": _("see the problems above")},
        )
    if not members:
        raise ValidationError(
            _("%(file)s has no people in it.", file=original), {"members_file": _("no rows")}
        )
    if len(members) > max_rows:
        raise ValidationError(
            _(
                "%(file)s has %(count)s people; a group has at most %(n)s. Split the file and "
                "register two groups.",
                file=original,
                count=len(members),
                n=max_rows,
            ),
            {"members_file": _("too many rows")},
        )
    return members
