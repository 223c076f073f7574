"""Language and time-zone choice, and the formats people here expect."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, g, has_request_context, request, session

LANGUAGE_COOKIE = "lang"


def select_locale() -> str:
    """The user's pick (session), else the browser's for the API, else Chinese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        # Commands speak English to the shell; e-mails choose their reader's language.
        return "en"
    chosen = session.get(LANGUAGE_COOKIE) or request.cookies.get(LANGUAGE_COOKIE)
    if chosen in languages:
        return chosen
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(["en", "zh_CN"], "en")
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    conference = g.get("conference") if has_request_context() else None
    if conference is not None:
        return conference.timezone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def is_english() -> bool:
    from flask_babel import get_locale

    locale = get_locale()
    return locale is not None and locale.language == "en"


def localized(obj, field: str) -> str:
    """``obj.field_en`` when the page is in English and it is filled, else ``obj.field``."""
    if is_english():
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, field)


def local_datetime(value: datetime | None, tz: str | ZoneInfo, fmt: str = "%Y-%m-%d %H:%M"):
    if value is None:
        return ""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return value.astimezone(zone).strftime(fmt)


WEEKDAYS_ZH = "一二三四五六日"


def long_date(value: date) -> str:
    """2026年12月18日（星期五） or Fri 18 Dec 2026."""
    if is_english():
        return value.strftime("%a %d %b %Y")
    return f"{value.year}年{value.month}月{value.day}日（星期{WEEKDAYS_ZH[value.weekday()]}）"


def date_range(start: date, end: date) -> str:
    if is_english():
        if start == end:
            return start.strftime("%d %B %Y")
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day}–{end.strftime('%d %B %Y')}"
        return f"{start.strftime('%d %B %Y')} – {end.strftime('%d %B %Y')}"
    if start == end:
        return f"{start.year}年{start.month}月{start.day}日"
    if start.year == end.year:
        if start.month == end.month:
            return f"{start.year}年{start.month}月{start.day}日—{end.day}日"
        return f"{start.year}年{start.month}月{start.day}日—{end.month}月{end.day}日"
    return f"{start.year}年{start.month}月{start.day}日—{end.year}年{end.month}月{end.day}日"
