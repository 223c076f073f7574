"""Registration's section of the conference JSON: the organizers' ``questions``."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from eventsys.conferences.extend import JsonSection
from eventsys.conferences.jsonio import Checker, set_columns, sync_rows, unique_codes, with_extras
from eventsys.conferences.models import Conference
from eventsys.extensions import db
from eventsys.registration.models import QUESTION_KINDS, Question


def _parse_options(checker: Checker, row: dict, path: str) -> list[dict]:
    raw_options = row.get("options", [])
    if not isinstance(raw_options, list):
        checker.fail(f"{path}options", _("must be a list"))
        return []
    options = []
    for j, option in enumerate(raw_options):
        opath = f"{path}options[{j}]."
        if isinstance(option, str):
            option = {"value": option, "label": option}
        option = checker.obj(option, opath.rstrip("."))
        entry = {
            "value": checker.text(option, "value", opath, max_len=100),
            "label": checker.text(option, "label", opath),
        }
        label_en = checker.text(option, "label_en", opath, required=False)
        if label_en:
            entry["label_en"] = label_en
        options.append(entry)
    return options


def parse_questions(checker: Checker, data: dict, context: dict) -> dict:
    questions = []
    for i, raw in enumerate(checker.items(data, "questions")):
        path = f"questions[{i}]."
        row = checker.obj(raw, path.rstrip("."))
        kind = checker.text(row, "kind", path, required=False, default="text") or "text"
        if kind not in QUESTION_KINDS:
            checker.fail(f"{path}kind", _("one of %(values)s", values=", ".join(QUESTION_KINDS)))
        options = _parse_options(checker, row, path)
        if kind in ("choice", "multi") and not options:
            checker.fail(f"{path}options", _("a choice question needs options"))
        questions.append(
            {
                "code": checker.code(row, "code", path),
                "label": checker.text(row, "label", path, max_len=300),
                "label_en": checker.text(row, "label_en", path, required=False, max_len=300),
                "kind": kind,
                "required": checker.boolean(row, "required", path),
                "options": options,
            }
        )
    unique_codes(checker, questions, "questions")
    return {"questions": questions}


def load_questions(conference: Conference, spec: dict, context: dict) -> None:
    sync_rows(conference, Question, spec["questions"], set_columns)


def export_questions(conference: Conference, out: dict) -> None:
    questions = db.session.execute(
        select(Question)
        .where(Question.conference_id == conference.id)
        .order_by(Question.position, Question.id)
    ).scalars()
    exported = [
        with_extras(
            {
                "code": q.code,
                "label": q.label,
                "kind": q.kind,
                "required": q.required,
                "options": list(q.options or []),
            },
            {"label_en": q.label_en},
            {"label_en": ""},
        )
        for q in questions
    ]
    if exported:
        out["questions"] = exported


SECTION = JsonSection("questions", parse_questions, load_questions, export_questions, order=40)
