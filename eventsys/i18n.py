"""Language and time-zone choice, and the formats people here expect."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from flask import current_app, g, has_request_context, request, session
from flask_babel import Domain, get_babel
from jinja2 import pass_context
from markupsafe import Markup

LANGUAGE_COOKIE = "lang"


# ``?lang=`` spellings people put in a shared link.
LANGUAGE_PARAM = "lang"
PRIVATE_PREFIXES = ("/r/", "/q/", "/manage/", "/api/")
_PARAM_VALUES = {"en": "en", "zh": "zh_CN", "zh_cn": "zh_CN", "zh-cn": "zh_CN", "cn": "zh_CN"}


def language_param() -> str | None:
    """The language a link asks for (``?lang=en``, ``?lang=zh``), if any and known."""
    value = request.args.get(LANGUAGE_PARAM, "").strip().lower()
    chosen = _PARAM_VALUES.get(value)
    return chosen if chosen in current_app.config["LANGUAGES"] else None


_LOCALES: dict[str, Locale] = {}


def select_locale() -> Locale:
    """A link's ``?lang=``, else the user's pick (session, cookie), else the browser's
    Accept-Language (a first visit; the API always), else Chinese. One ``Locale`` object per
    language (Flask-Babel would parse the name again on every request)."""
    code = _select_locale_code()
    locale = _LOCALES.get(code)
    if locale is None:
        locale = _LOCALES[code] = Locale.parse(code)
    return locale


def _select_locale_code() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        # Commands speak English to the shell; e-mails choose their reader's language.
        return "en"
    asked = language_param()
    if asked:
        return asked
    chosen = session.get(LANGUAGE_COOKIE) or request.cookies.get(LANGUAGE_COOKIE)
    if chosen in languages:
        return chosen
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(["en", "zh_CN"], "en")
    return request.accept_languages.best_match(
        ["zh_CN", "en"], current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def remember_language(response):
    """After a page opened with ``?lang=``: keep that choice (session and a year's cookie), as
    the switch does. Every page's language depends on these, so caches must not share it."""
    if request.path.startswith("/static/"):
        return response
    asked = language_param()
    if asked and not request.path.startswith("/api/"):
        session[LANGUAGE_COOKIE] = asked
        response.set_cookie(
            LANGUAGE_COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
    # Public pages may sit in a shared cache: it must keep each language apart. Private pages
    # are never cached (Cache-Control: no-store) and get no Vary: the check-in scanner's
    # service worker keeps its page for offline reloads, and Chromium's Cache API would not
    # match a response that varies on headers.
    if not request.path.startswith(PRIVATE_PREFIXES):
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def language_link(code: str) -> str:
    """This page's address in language ``code`` (``?lang=en`` / ``?lang=zh``): a link that
    switches and can be shared."""
    from urllib.parse import urlencode

    args = [(k, v) for k, v in request.args.items(multi=True) if k != LANGUAGE_PARAM]
    args.append((LANGUAGE_PARAM, "en" if code == "en" else "zh"))
    return f"{request.path}?{urlencode(args)}"


class RequestDomain(Domain):
    """Flask-Babel's message domain, with the request's catalog kept for the request.

    Flask-Babel looks the catalog up anew on every ``gettext`` (four context lookups and the
    locale's name each time) and a page translates dozens of sentences, in Python and in its
    templates. The catalog found first is kept in the request's Babel state for as long as the
    locale is the same object: ``force_locale`` and ``refresh`` replace it, so they find their
    own. Installed as the application's default domain (``install_domain``)."""

    def get_translations(self):
        try:
            state = g._flask_babel.__dict__
        except (AttributeError, RuntimeError):  # outside a request, or before Babel's first look
            return super().get_translations()
        kept = state.get("eventsys_catalog")
        if kept is not None and kept[0] is state.get("babel_locale"):
            return kept[1]
        catalog = super().get_translations()
        state["eventsys_catalog"] = (state.get("babel_locale"), catalog)
        return catalog


def install_domain(babel, app) -> None:
    """Make ``RequestDomain`` the default domain (Python's ``gettext`` and ``lazy_gettext``)
    and let templates' ``_()`` reach it directly (Flask-Babel's template callables go through
    three more context lookups first)."""
    domain = babel.__dict__.get("domain_instance")
    if not isinstance(domain, RequestDomain):
        domain = babel.domain_instance = RequestDomain(domain=get_babel(app).default_domain)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: domain.get_translations().ugettext(s),
        ngettext=lambda s, p, n: domain.get_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: domain.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: domain.get_translations().unpgettext(c, s, p, n),
    )

    # ``_()`` and ``gettext()``, the calls of nearly every template line: one function doing
    # what Jinja's newstyle pair (``_gettext_alias``, then ``gettext``, each through
    # ``Context.call``) does: the sentence translated, marked safe where the template escapes,
    # and formatted with its variables (so "%%" means "%" in every sentence). The catalog
    # comes with the page's context (``_catalog``), else from the domain (macros imported
    # without context, templates rendered outside a request).
    @pass_context
    def template_gettext(context, string: str, **variables):
        catalog = context.get("_catalog") or domain.get_translations()
        translated = catalog.ugettext(string)
        if context.eval_ctx.autoescape:
            translated = Markup(translated)
        if not variables and "%" not in translated:
            return translated
        return translated % variables

    @app.context_processor
    def page_catalog():
        return {"_catalog": domain.get_translations()}

    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext)


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
