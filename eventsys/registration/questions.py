"""The organizers' own questions on the registration form."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import JSON, func, select, type_coerce

from eventsys.conferences import services as conference_services
from eventsys.conferences.models import Conference
from eventsys.errors import Conflict, NotFound, ValidationError
from eventsys.extensions import db
from eventsys.registration.models import (
    Question,
    Registration,
)
from eventsys.text import clean_text
from eventsys.txcache import transaction_cache


def questions_of(conference: Conference) -> list[Question]:
    """The conference's questions in form order. Brought along by the query that loaded the
    conference on the busiest pages (``preload_columns``: unsaved copies, for reading only);
    otherwise read from the database (the rows themselves, to change)."""
    preloaded = transaction_cache("registration.questions").get(conference.id)
    if preloaded is not None:
        return preloaded
    return list(
        db.session.execute(
            select(Question)
            .where(Question.conference_id == conference.id)
            .order_by(Question.position, Question.id)
        ).scalars()
    )


_QUESTION_FIELDS = ("id", "code", "label", "label_en", "kind", "required", "options", "position")


def preload_columns(conference_id) -> list:
    """The questions as one JSON column of the query that loads the conference: an array of
    objects (in no set order: sorted when read)."""
    table = Question.__table__
    if db.engine.dialect.name == "postgresql":
        fields = [item for name in _QUESTION_FIELDS for item in (name, table.c[name])]
        aggregate = func.json_agg(func.json_build_object(*fields))
    else:  # SQLite keeps JSON as text: json() embeds the options as an array, not a string
        fields = [
            item
            for name in _QUESTION_FIELDS
            for item in (name, func.json(table.c[name]) if name == "options" else table.c[name])
        ]
        aggregate = func.json_group_array(func.json_object(*fields))
    found = select(aggregate).where(table.c.conference_id == conference_id).scalar_subquery()
    return [type_coerce(found, JSON).label("registration_questions")]


def remember_preloaded(conference_id: int, values: dict) -> None:
    rows = values["registration_questions"] or []
    rows.sort(key=lambda row: (row["position"], row["id"]))
    transaction_cache("registration.questions")[conference_id] = [
        Question(
            conference_id=conference_id,
            **{**row, "required": bool(row["required"]), "options": row["options"] or []},
        )
        for row in rows
    ]


QUESTION_CODE_MAX = 64


QUESTION_LABEL_MAX = 300


OPTION_VALUE_MAX = 200


MAX_OPTIONS = 100


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
    transaction_cache("registration.questions").pop(conference.id, None)
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
    transaction_cache("registration.questions").pop(conference.id, None)
    return question
