"""What a signed project's fields may hold, checked the same way for the form, the API, the
import and the demo: ``Lookup`` holds a conference's forums, sessions and sector list, read
once; ``check_values`` turns raw values into column values or field errors."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from eventsys.conferences.models import Conference, Forum
from eventsys.extensions import db
from eventsys.schedule.models import ScheduleSession
from eventsys.signing.models import SigningSettings
from eventsys.signing.money import AmountError, parse_wan, to_yuan
from eventsys.text import clean_text

KIND_LABELS = {
    "cooperation": _l("Technology cooperation"),
    "transfer": _l("Transfer of results"),
    "investment": _l("Investment"),
    "platform": _l("Joint platform"),
    "talent": _l("Talent"),
}
STATUS_LABELS = {"signed": _l("Signed"), "intent": _l("Intent")}
ON_SITE_LABELS = {True: _l("Signed on site"), False: _l("Counted only")}

# What people write for each kind and status (Chinese and English), NFKC and lower case.
_KIND_WORDS = {
    "cooperation": (
        "cooperation",
        "技术合作",
        "合作",
        "产学研合作",
        "科技合作",
        "technology cooperation",
    ),
    "transfer": ("transfer", "成果转化", "成果转让", "技术转让", "transfer of results"),
    "investment": ("investment", "投资", "项目投资", "招商引资", "产业投资"),
    "platform": ("platform", "共建平台", "平台", "平台共建", "joint platform"),
    "talent": ("talent", "人才", "人才引进", "人才合作", "人才培养"),
}
_STATUS_WORDS = {
    "signed": ("signed", "签约", "已签约", "正式签约"),
    "intent": ("intent", "意向", "意向签约", "签约意向"),
}
_ON_SITE_WORDS = {
    True: ("yes", "y", "true", "1", "on site", "on_site", "现场", "现场签约", "是"),
    False: ("no", "n", "false", "0", "counted", "counted only", "纳入统计", "统计", "否"),
}
_REGION_NAMES = {
    "sichuan": "四川",
    "四川省": "四川",
    "chongqing": "重庆",
    "重庆市": "重庆",
}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
# Excel's day numbers (days since 1899-12-30) for the years a date cell can plausibly hold.
_EXCEL_EPOCH = date(1899, 12, 30)
DATE_MARGIN = timedelta(days=366)

TEXT_LIMITS = {
    "title": 300,
    "party_a": 200,
    "party_b": 200,
    "other_parties": 2000,
    "region": 40,
    "city": 40,
    "sector": 60,
    "notes": 4000,
    "key": 64,
}


def word_key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").strip().lower().split())


def _word_map(words: dict) -> dict:
    return {word_key(word): value for value, spellings in words.items() for word in spellings}


KIND_WORDS = _word_map(_KIND_WORDS)
STATUS_WORDS = _word_map(_STATUS_WORDS)
ON_SITE_WORDS = _word_map(_ON_SITE_WORDS)


def normalise_region(text: str) -> str:
    """``四川省`` and ``Sichuan`` are ``四川``; a province's or city's 省/市 suffix goes."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return ""
    named = _REGION_NAMES.get(text.lower()) or _REGION_NAMES.get(text)
    if named:
        return named
    if len(text) >= 3 and text[-1] in "省市":
        return text[:-1]
    return text


def project_key(title: str, party_a: str, party_b: str, signed_on: date) -> str:
    """The stable key of a project without one of its own: the same title, parties and date
    (compared without case, width or spacing) are the same project."""
    text = "\x1f".join(
        (word_key(title), word_key(party_a), word_key(party_b), signed_on.isoformat())
    )
    return "h:" + hashlib.sha256(text.encode()).hexdigest()[:40]


def parse_date(value) -> date:
    """A date as people write it, a date cell, or an Excel day number; ValueError if none."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        number = int(float(text))
        if 20_000 < number < 80_000:
            return _EXCEL_EPOCH + timedelta(days=number)
    text = text.split(" ")[0].split("T")[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


@dataclass
class Lookup:
    """A conference's forums (by code, name and English name), sessions (by code and title)
    and sector list, read once for a whole import."""

    conference: Conference
    forums: dict[str, int] = field(default_factory=dict)
    forum_names: list[str] = field(default_factory=list)
    sessions: dict[str, int] = field(default_factory=dict)
    sectors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, conference: Conference) -> Lookup:
        lookup = cls(conference)
        for forum in db.session.execute(
            select(Forum).where(Forum.conference_id == conference.id).order_by(Forum.position)
        ).scalars():
            lookup.forum_names.append(f"{forum.code} ({forum.name})")
            for text in (forum.name_en, forum.name, forum.code):
                if text:
                    lookup.forums[word_key(text)] = forum.id
        for session_id, code, title in db.session.execute(
            select(ScheduleSession.id, ScheduleSession.code, ScheduleSession.title).where(
                ScheduleSession.conference_id == conference.id
            )
        ):
            for text in (title, code):
                lookup.sessions[word_key(text)] = session_id
        settings = db.session.get(SigningSettings, conference.id)
        for sector in (settings.sectors if settings else None) or []:
            lookup.sectors[word_key(sector)] = sector
        return lookup


def check_values(raw: dict, lookup: Lookup, errors: dict, unit: Decimal = Decimal(1)) -> dict:
    """Column values of a project from ``raw`` (text or typed values by field name); every
    problem goes into ``errors`` under its field name. ``unit``: what a bare number in the
    amount means (a column titled 金额（亿元） holds 亿元)."""
    conference = lookup.conference
    out: dict = {}
    for name, limit in TEXT_LIMITS.items():
        required = name in ("title", "party_a", "party_b")
        out[name] = clean_text(
            raw.get(name), limit, name, errors, required=required, multiline=name == "notes"
        )
    out["region"] = normalise_region(out["region"])
    sector = out["sector"]
    if sector and lookup.sectors:
        known = lookup.sectors.get(word_key(sector))
        if known is None:
            errors["sector"] = _(
                "unknown sector %(sector)s; this conference's sectors: %(known)s",
                sector=sector,
                known="、".join(lookup.sectors.values()),
            )
        else:
            out["sector"] = known

    kind = raw.get("kind")
    if kind in (None, ""):
        out["kind"] = "cooperation"
    else:
        out["kind"] = KIND_WORDS.get(word_key(str(kind)))
        if out["kind"] is None:
            errors["kind"] = _(
                "unknown kind; one of %(kinds)s",
                kinds=", ".join(f"{code} ({label})" for code, label in KIND_LABELS.items()),
            )
    status = raw.get("status")
    if status in (None, ""):
        out["status"] = "signed"
    else:
        out["status"] = STATUS_WORDS.get(word_key(str(status)))
        if out["status"] is None:
            errors["status"] = _("unknown status; signed (签约) or intent (意向)")
    on_site = raw.get("on_site")
    if on_site in (None, ""):
        out["on_site"] = True
    elif isinstance(on_site, bool):
        out["on_site"] = on_site
    else:
        out["on_site"] = ON_SITE_WORDS.get(word_key(str(on_site)))
        if out["on_site"] is None:
            errors["on_site"] = _("on site (现场签约) or counted only (纳入统计)")

    try:
        amount = _amount(raw.get("amount_wan"), unit)
        out["amount_yuan"] = to_yuan(amount)
    except AmountError as error:
        errors["amount_wan"] = str(error)

    signed_on = raw.get("signed_on")
    out["signed_on"] = None
    if signed_on in (None, ""):
        errors["signed_on"] = _("required")
    else:
        try:
            day = parse_date(signed_on)
        except (ValueError, OverflowError):
            errors["signed_on"] = _("not a date; write it as 2026-12-18")
        else:
            earliest = conference.starts_on - DATE_MARGIN
            latest = conference.ends_on + DATE_MARGIN
            if not earliest <= day <= latest:
                errors["signed_on"] = _(
                    "%(day)s is not a plausible signing date for this conference (from "
                    "%(earliest)s to %(latest)s)",
                    day=day.isoformat(),
                    earliest=earliest.isoformat(),
                    latest=latest.isoformat(),
                )
            out["signed_on"] = day

    out["forum_id"] = None
    forum = raw.get("forum")
    if forum not in (None, ""):
        out["forum_id"] = lookup.forums.get(word_key(str(forum)))
        if out["forum_id"] is None:
            errors["forum"] = _(
                "unknown forum %(forum)s; this conference's forums: %(known)s",
                forum=str(forum)[:60],
                known=", ".join(lookup.forum_names) or _("none"),
            )
    out["session_id"] = None
    session = raw.get("session")
    if session not in (None, ""):
        out["session_id"] = lookup.sessions.get(word_key(str(session)))
        if out["session_id"] is None:
            errors["session"] = _("unknown session; give its code or title")

    if not out["key"] and out["signed_on"] and not errors.keys() & {"title", "party_a", "party_b"}:
        out["key"] = project_key(out["title"], out["party_a"], out["party_b"], out["signed_on"])
    return out


def _amount(value, unit: Decimal) -> Decimal | None:
    if isinstance(value, str) and unit != 1:
        text = unicodedata.normalize("NFKC", value).strip()
        if text and not re.search(r"[万亿元]$", text):
            amount = parse_wan(text)
            if amount is None:
                return None
            return parse_wan(str(amount * unit))
    return parse_wan(value)
