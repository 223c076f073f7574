"""Error pages, JSON errors for the API, and helpers every template may use."""

from __future__ import annotations

import functools

from flask import Flask, Response, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from eventsys.db_types import MAX_PAGE
from eventsys.errors import DomainError, ValidationError
from eventsys.extensions import db
from eventsys.i18n import date_range, local_datetime, localized, long_date
from eventsys.text import first_invalid_text, loads_json, storable_problem


def _wants_json() -> bool:
    """The API, and any page's script that sends or asks for JSON, gets its errors as JSON."""
    if request.path.startswith("/api/") or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
}


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, except that a too deeply nested body is malformed JSON (400), not a
    RecursionError (500)."""

    def loads(self, s, **kwargs):
        if kwargs:
            return super().loads(s, **kwargs)
        return loads_json(s)


class TextSafeResponse(Response):
    """A page always reaches the browser: text that UTF-8 cannot encode (a lone surrogate
    stored before the boundary refused it) is written as "?" instead of failing the page.
    Costs nothing when the text is valid: it is encoded once, as before."""

    def set_data(self, value) -> None:
        if isinstance(value, str):
            try:
                value = value.encode()
            except UnicodeEncodeError:
                value = value.encode("utf-8", "replace")
        super().set_data(value)


def page_number(value, name: str, errors: dict, largest: int = MAX_PAGE) -> int:
    """A page number (or page size) from a query string: a whole number from 1 to ``largest``,
    else a field error under ``name`` (and 1)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[name] = "a whole number"
        return 1
    if number < 1:
        errors[name] = "at least 1"
        return 1
    if number > largest:
        errors[name] = f"at most {largest}"
        return largest
    return number


def register_input_checks(app: Flask) -> None:
    """What every request must be before any view sees it: no NUL character in the path, the
    query or a form field (no database takes NUL in text, so it could only fail later as a
    500), and every form field valid Unicode (no non-characters; a form cannot carry a lone
    surrogate, which Werkzeug decodes as U+FFFD); every string of a JSON body likewise (422
    naming the field: JSON can carry "\\udfff"). Services check text again with
    ``clean_text``, with field errors; this is the backstop for every form and endpoint.
    JSON is parsed without recursion errors (``JSONProvider``)."""
    app.json = JSONProvider(app)
    app.response_class = TextSafeResponse
    app.session_interface = CookieSessionInterface()

    @app.before_request
    def refuse_unstorable_text():
        if "\x00" in request.path:
            return _refuse(_("The request contains a NUL character, which is not allowed."))
        fields = list(request.args.items(multi=True))
        if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            fields += request.form.items(multi=True)
        for name, value in fields:
            problem = storable_problem(name) or storable_problem(value)
            if problem:
                return _refuse(
                    _("The field %(field)s %(problem)s.", field=name[:40] or "?", problem=problem)
                )
        if request.is_json and request.method in ("POST", "PUT", "PATCH"):
            # Parsed once here (Flask caches it for the view); malformed JSON is the view's
            # to answer. A body of ASCII without a \u escape cannot hold a NUL, a surrogate
            # or a non-character: its strings need no walk (the check-in scanners' bodies).
            body = request.get_json(silent=True)
            raw = request.get_data(cache=True)
            bad = None if raw.isascii() and b"\\u" not in raw else first_invalid_text(body)
            if bad is not None:
                error = ValidationError(_("Please correct the marked fields."), {bad[0]: bad[1]})
                if _wants_json():
                    return jsonify(error.to_dict()), error.status
                return _refuse(_("The field %(field)s %(problem)s.", field=bad[0], problem=bad[1]))
        return None


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without building the signer for a request that sends
    no session cookie (API clients, check-in gates): an empty session at once."""

    def open_session(self, app: Flask, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def _refuse(message: str):
    if _wants_json():
        return jsonify({"error": "bad_request", "message": message}), 400
    return render_template("errors/error.html", status=400, message=message), 400


def register_errorhandlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        if _wants_json():
            return jsonify(error.to_dict()), error.status
        return render_template(
            "errors/error.html", status=error.status, message=error.message
        ), error.status

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = _(
            "The form expired or was sent from another site. Go back, reload the page and "
            "try again."
        )
        return render_template("errors/error.html", status=400, message=message), 400

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        # A host not in TRUSTED_HOSTS: Flask builds no URL for it, so no page can be shown.
        return (
            "Bad request: this host name is not served here.",
            400,
            {"Content-Type": "text/plain; charset=utf-8"},
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        db.session.rollback()
        status = error.code or 500
        if _wants_json():
            body = {"error": ERROR_CODES.get(status, "error"), "message": error.description}
            response = jsonify(body)
            response.status_code = status
            if status == 429:
                # Retry-After and the like; not the HTML error page's Content-Type.
                response.headers.update(
                    (name, value)
                    for name, value in error.get_headers()
                    if name.lower() != "content-type"
                )
            return response
        messages = {
            403: _("You do not have access to this page."),
            404: _("This page does not exist."),
            405: _("This action is not allowed here."),
            429: _("Too many attempts. Wait a minute and try again."),
        }
        message = messages.get(status, error.description)
        if status == 403 and error.description and "permission" not in error.description:
            message = error.description
        return render_template("errors/error.html", status=status, message=message), status

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        if _wants_json():
            return jsonify({"error": "server_error", "message": "Internal server error."}), 500
        return render_template(
            "errors/error.html", status=500, message=_("Something went wrong on our side.")
        ), 500

    if app.config.get("SECRET_KEY_MISSING"):

        @app.before_request
        def refuse_without_secret():
            return (
                "EVENTSYS_SECRET_KEY is not set. Generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'` and restart.",
                500,
                {"Content-Type": "text/plain; charset=utf-8"},
            )


def show_errors(form, error: DomainError, rename=None) -> None:
    """A service's refusal on a form: each field it names gets its reason next to it, and the
    message goes on top. ``rename`` maps a service's key (``answers.diet``) to a field name."""
    from flask import flash

    for key, reason in error.errors.items():
        name = rename(key) if rename else key
        if name and name in form:
            form[name].errors = [*form[name].errors, reason]
    flash(error.message, "error")


class Outcome:
    """What ``attempt`` returns: ``ok``, the service's return value, or the domain error."""

    __slots__ = ("error", "ok", "value")

    def __init__(self, ok: bool, value=None, error: DomainError | None = None):
        self.ok = ok
        self.value = value
        self.error = error

    @property
    def status(self) -> int:
        """The HTTP status for the page: 200, or the refusal's own (409, 422 …)."""
        return self.error.status if self.error is not None else 200

    def __bool__(self) -> bool:
        return self.ok


def attempt(action, form=None, *, rename=None, show=None) -> Outcome:
    """Run ``action()`` (service calls), commit once; on a domain error roll back and show it
    on ``form`` (each field its reason, the message on top) or, without a form, flash it;
    ``show(error)`` instead when a page places the reasons its own way.

        done = attempt(lambda: services.save_part(conference, kind, values), form)
        if done:
            flash(_("Saved."), "success")
            return redirect(...)
    """
    from flask import flash

    try:
        value = action()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if show is not None:
            show(error)
        elif form is not None:
            show_errors(form, error, rename)
        elif error.message:
            flash(error.message, "error")
        return Outcome(False, error=error)
    return Outcome(True, value)


def reads_only(view):
    """For a view that only reads (the attendee's page, the public page): on PostgreSQL its
    statements run outside a transaction, saving the BEGIN and ROLLBACK round trips that a
    transaction costs (psycopg sends each alone). Each statement sees what was committed
    before it began, exactly as inside a READ COMMITTED transaction, PostgreSQL's default; a
    view that writes must not use this. SQLite keeps its transaction (its BEGIN IMMEDIATE
    serializes writers; see ``db_setup.configure_sqlite``)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        session = db.session()
        if not session.in_transaction() and db.engine.dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return view(*args, **kwargs)

    return wrapper


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        # No inline script or style anywhere: what a stored name could inject, cannot run.
        # (Pico's form icons are data: images.)
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        # Private links (/r/<token>) must not leak to other sites through the Referer header.
        headers.setdefault("Referrer-Policy", "same-origin")
        if request.path.startswith(("/r/", "/q/", "/manage/")):
            headers.setdefault("Cache-Control", "private, no-store")
        return response


def register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    app.jinja_env.filters["local_dt"] = local_datetime
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.globals["localized"] = localized
    app.jinja_env.globals["date_range"] = date_range
    from eventsys.text import paragraphs

    app.jinja_env.filters["paragraphs"] = paragraphs
    from eventsys.i18n import language_link, remember_language

    app.jinja_env.globals["language_link"] = language_link
    app.after_request(remember_language)
    from eventsys.db_types import utcnow

    app.jinja_env.globals["now_utc"] = utcnow

    @app.context_processor
    def page_globals():
        locale = get_locale()
        return {
            "current_locale": str(locale) if locale else "zh_CN",
            "html_lang": "en" if locale and locale.language == "en" else "zh-CN",
        }
