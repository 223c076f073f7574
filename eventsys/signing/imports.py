"""Importing signed projects from a spreadsheet (.csv or .xlsx): all rows or none.

Every row is checked first (each field, the forum, the date, the amount); anything wrong
raises one error naming the rows and columns, and nothing is written. Re-importing a file does
not double the projects: each row has a stable key (a ``key`` / 编号 column, else a hash of
the normalised title, parties and date); rows whose key is already recorded are skipped and
reported as "already recorded", and the same project twice in one file is an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from eventsys import spreadsheets
from eventsys.conferences.models import Conference
from eventsys.db_types import utcnow
from eventsys.errors import Conflict, ValidationError
from eventsys.extensions import db
from eventsys.signing.models import SignedProject, SigningAudit
from eventsys.signing.money import WAN_PER_YI, YUAN_PER_WAN, from_yuan
from eventsys.signing.rules import Lookup, check_values

LIMITS = spreadsheets.Limits(rows=100_000)
MAX_SHOWN_PROBLEMS = 10

# Field → the contract's two spellings first, then other names staff use.
COLUMNS = {
    "title": ("title", "项目名称", "项目", "项目名", "签约项目", "project"),
    "party_a": ("party_a", "甲方", "甲方单位", "签约甲方", "party a"),
    "party_b": ("party_b", "乙方", "乙方单位", "签约乙方", "party b"),
    "region": ("region", "地区", "区域", "所属地区", "省份"),
    "sector": ("sector", "行业", "所属行业", "领域", "产业"),
    "amount_wan": ("amount_wan", "金额（万元）", "金额", "签约金额", "投资额", "amount"),
    "forum": ("forum", "分论坛", "论坛"),
    "signed_on": ("signed_on", "签约日期", "日期", "签约时间", "date"),
    "other_parties": ("other_parties", "其他签约方", "其他方", "丙方"),
    "city": ("city", "城市", "所在城市"),
    "kind": ("kind", "类别", "合作类型", "项目类型", "type"),
    "status": ("status", "状态", "签约状态"),
    "on_site": ("on_site", "签约方式", "现场签约"),
    "session": ("session", "签约活动", "签约仪式"),
    "notes": ("notes", "备注"),
    "key": ("key", "编号", "项目编号"),
}
REQUIRED = ("title", "party_a", "party_b", "signed_on")
_INDEX = {
    spreadsheets.header_key(name): (field_name, rank)
    for field_name, names in COLUMNS.items()
    for rank, name in enumerate(names)
}


def both_spellings() -> str:
    return ", ".join(f"{names[0]} {names[1]}" for names in list(COLUMNS.values())[:8])


@dataclass
class Preview:
    """What importing a file would do: the rows to record, those already recorded."""

    rows: list[dict]
    row_numbers: list[int]
    skipped: list[tuple[int, str]] = field(default_factory=list)
    source: str = ""

    @property
    def total_wan(self) -> Decimal:
        return from_yuan(sum(r["amount_yuan"] or 0 for r in self.rows))


def _unit_of(header: str) -> Decimal:
    """What a bare number in the amount column means, from its title: 金额（亿元） holds 亿元,
    金额（元） yuan, anything else 万元."""
    if "亿" in header:
        return WAN_PER_YI
    if "元" in header and "万" not in header:
        return Decimal(1) / YUAN_PER_WAN
    return Decimal(1)


def map_columns(headers: Sequence[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    rank: dict[str, int] = {}
    for position, header in enumerate(headers):
        found = _INDEX.get(spreadsheets.header_key(header))
        if found is None:
            continue
        name, level = found
        if name not in index or level < rank[name]:
            index[name], rank[name] = position, level
    missing = [name for name in REQUIRED if name not in index]
    if missing:
        raise ValidationError(
            _(
                "Nothing was imported: the file has no column for %(missing)s. Its first row "
                "must name the columns (either spelling, any order): %(columns)s. Found: "
                "%(found)s.",
                missing=", ".join(f"{COLUMNS[n][0]} {COLUMNS[n][1]}" for n in missing),
                columns=both_spellings(),
                found=", ".join(h for h in headers if h) or _("none"),
            ),
            {name: _("missing column") for name in missing},
        )
    return index


def _column_letter(position: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(position + 1)


def read_preview(conference: Conference, path: str | Path, source: str = "") -> Preview:
    """Read and check the whole file; raise one ValidationError naming every bad row and
    column (nothing is written either way)."""
    path = Path(path)
    source = source or path.name
    table = spreadsheets.read_table(path, LIMITS)
    merged = table.merged_in_row(table.header_row)
    if merged:
        raise ValidationError(
            _(
                "Nothing was imported: %(name)s has merged cells in its header (row %(row)s: "
                "%(cells)s). Unmerge them so that each column has its own title in one cell.",
                name=source,
                row=table.header_row,
                cells=", ".join(merged),
            ),
            {"file": _("merged header cells")},
        )
    return check_rows(conference, table.headers, table.rows, source)


def check_rows(
    conference: Conference,
    headers: Sequence[str],
    rows: Sequence[tuple[int, Sequence[str]]],
    source: str = "",
) -> Preview:
    columns = map_columns(headers)
    unit = _unit_of(headers[columns["amount_wan"]]) if "amount_wan" in columns else Decimal(1)
    used = list(columns.values())
    lookup = Lookup.of(conference)
    problems: list[tuple[int, int, str]] = []
    cleaned: list[dict] = []
    numbers: list[int] = []
    first_row_of_key: dict[str, int] = {}
    for number, cells in rows:

        def cell(position: int, cells=cells) -> str:
            return cells[position] if position < len(cells) else ""

        if not any(cell(position) for position in used):
            continue
        raw = {name: cell(position) for name, position in columns.items()}
        errors: dict = {}
        values = check_values(raw, lookup, errors, unit=unit)
        for name, reason in errors.items():
            position = columns.get(name, columns.get("title", 0))
            shown = raw.get(name, "")
            if shown and name in ("amount_wan", "signed_on", "forum", "sector", "kind"):
                reason = f'{reason} ("{shown[:40]}")'
            problems.append((number, position, reason))
        if errors:
            continue
        key = values["key"]
        if key in first_row_of_key:
            problems.append(
                (
                    number,
                    columns.get("key", columns["title"]),
                    _("the same project as row %(row)s", row=first_row_of_key[key]),
                )
            )
            continue
        first_row_of_key[key] = number
        cleaned.append(values)
        numbers.append(number)
    if problems:
        _refuse(problems, headers, source)
    recorded = _recorded_keys(conference.id)
    preview = Preview([], [], source=source)
    for values, number in zip(cleaned, numbers, strict=True):
        if values["key"] in recorded:
            preview.skipped.append((number, values["title"]))
        else:
            preview.rows.append(values)
            preview.row_numbers.append(number)
    if not cleaned:
        raise ValidationError(
            _(
                "Nothing was imported: %(name)s has a header but no rows.",
                name=source or _("the file"),
            ),
            {"file": _("no rows")},
        )
    return preview


def _recorded_keys(conference_id: int) -> set[str]:
    """Every key the conference has: one statement whatever the file's size."""
    return set(
        db.session.execute(
            select(SignedProject.key).where(SignedProject.conference_id == conference_id)
        ).scalars()
    )


def _refuse(problems: list[tuple[int, int, str]], headers: Sequence[str], source: str) -> None:
    problems.sort(key=lambda p: (p[0], p[1]))
    lines = [
        _(
            "Nothing was imported: %(count)s problem(s) in %(name)s.",
            count=len(problems),
            name=source or _("the file"),
        )
    ]
    errors: dict[str, str] = {}
    for number, position, reason in problems:
        header = headers[position] if position < len(headers) else ""
        where = _(
            "row %(row)s, column %(letter)s %(column)s",
            row=number,
            letter=_column_letter(position),
            column=header,
        )
        errors.setdefault(where, reason)
        if len(lines) <= MAX_SHOWN_PROBLEMS:
            lines.append(f"{where}: {reason}")
    if len(problems) > MAX_SHOWN_PROBLEMS:
        lines.append(_("… and %(n)s more.", n=len(problems) - MAX_SHOWN_PROBLEMS))
    raise ValidationError("\n".join(lines), errors)


def insert_projects(conference: Conference, rows: list[dict], actor, source: str = "") -> int:
    """Insert checked rows with one executemany and one audit entry; a key recorded by
    someone else meanwhile refuses all (409)."""
    if not rows:
        return 0
    now = utcnow()
    try:
        with db.session.begin_nested():
            db.session.execute(
                SignedProject.__table__.insert(),
                [
                    {**values, "conference_id": conference.id, "created_at": now, "updated_at": now}
                    for values in rows
                ],
            )
    except IntegrityError:
        raise Conflict(
            _(
                "Nothing was imported: some of these projects were recorded by someone else "
                "while the file was being imported. Import it again: those are then skipped."
            ),
            {"file": _("recorded meanwhile")},
        ) from None
    db.session.add(
        SigningAudit(
            conference_id=conference.id,
            action="import",
            user_id=actor.user_id,
            actor=actor.label[:200],
            at=now,
            title=source[:300],
            changes={
                "rows": len(rows),
                "total_wan": format(from_yuan(sum(r["amount_yuan"] or 0 for r in rows)), "f"),
            },
        )
    )
    db.session.flush()
    return len(rows)


def import_file(conference: Conference, path: str | Path, actor, source: str = "") -> Preview:
    """Check the whole file, then record its new rows (the caller commits)."""
    preview = read_preview(conference, path, source)
    insert_projects(conference, preview.rows, actor, preview.source)
    return preview
