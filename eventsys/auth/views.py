"""Signing in and out, and the language switch."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from eventsys.auth import throttle
from eventsys.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
)
from eventsys.auth.services import (
    authenticate,
    change_password,
    find_user,
    list_own_api_tokens,
    password_reset_token,
    revoke_own_api_token,
    set_password,
    token_role,
    user_for_reset_token,
)
from eventsys.extensions import db, limiter
from eventsys.i18n import LANGUAGE_COOKIE
from eventsys.mail import Mail, queue_mail
from eventsys.urls import mail_base_url
from eventsys.web import attempt

bp = Blueprint("auth", __name__)


def safe_next(target: str | None, default: str) -> str:
    """Only same-site paths; anything else could send the user to a phishing page."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_limit_per_address() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"]


def _address_and_account() -> str:
    """Guesses against one account are limited per address, so that a venue's staff behind
    one Wi-Fi address do not lock each other out by signing in at the same time."""
    email = (request.form.get("email") or "").strip().lower()[:254]
    return f"{get_remote_address()}|{email}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_address_and_account)
@limiter.limit(_login_limit_per_address, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("conferences.index")))
    form = LoginForm()
    status = 200 if request.method == "GET" else 422
    headers = {}
    if form.validate_on_submit():
        attempt = throttle.begin_attempt(form.email.data)
        if attempt.refused:
            # Refused before the password is looked at: even the right one waits.
            minutes = math.ceil(attempt.retry_after / 60)
            flash(
                _(
                    "Too many failed sign-ins for this account. Wait %(minutes)s minute(s) "
                    "and try again; until then even the right password is refused.",
                    minutes=minutes,
                ),
                "error",
            )
            status, headers = 429, {"Retry-After": str(attempt.retry_after)}
        else:
            user = authenticate(form.email.data, form.password.data)
            throttle.end_attempt(attempt, succeeded=user is not None)
            if user is None:
                db.session.commit()
                flash(_("Wrong e-mail or password."), "error")
                status = 401
            else:
                language = session.get(LANGUAGE_COOKIE)
                session.clear()  # a fresh session on sign-in: no fixation
                if language:
                    session[LANGUAGE_COOKIE] = language
                login_user(user, remember=form.remember.data)
                db.session.commit()
                return redirect(safe_next(request.args.get("next"), url_for("conferences.index")))
    return render_template("auth/login.html", form=form), status, headers


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute;20 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = find_user(form.email.data)
        # No trusted base URL (logged): no link, rather than one to a forged Host.
        base = mail_base_url()
        if user is not None and user.is_active and base is not None:
            path = url_for("auth.reset_password", token=password_reset_token(user))
            link = base + path
            with force_locale(str(get_locale() or "zh_CN")):
                subject = _("Set a new password for eventsys")
                context = {"user": user, "link": link, "subject": subject}
                text = render_template("mail/password_reset.txt", **context)
                html = render_template(
                    "mail/password_reset.html", conference_title="eventsys", **context
                )
            queue_mail(db.session, Mail(to=user.email, subject=subject, text=text, html=html))
            db.session.commit()
        # The same answer either way: the page must not tell who has an account.
        flash(
            _("If an account has this e-mail address, a link to set a new password is on its way."),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = user_for_reset_token(token)
    if user is None:
        flash(_("This link is not valid any more. Ask for a new one."), "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        set_password(user, form.password.data)
        db.session.commit()
        flash(_("Your new password is set. Sign in with it."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form), (422 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # Every session of this user ends, on every device: a copied cookie is worth nothing now.
    current_user.end_all_sessions()
    db.session.commit()
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("public.home"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """The signed-in user's own page: a new password, and their API tokens."""
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        outcome = attempt(
            lambda: change_password(user, form.current_password.data, form.password.data),
            form,
        )
        if outcome.ok:
            # Every other session has ended; this one goes on under the new session key.
            login_user(user)
            flash(_("Your new password is set; you were signed out everywhere else."), "success")
            return redirect(url_for("auth.account"))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template(
        "auth/account.html",
        form=form,
        tokens=list_own_api_tokens(current_user),
        token_role=token_role,
    ), status


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_own_token(token_id: int):
    outcome = attempt(lambda: revoke_own_api_token(current_user, token_id))
    if outcome.ok:
        flash(_("Token revoked."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session[LANGUAGE_COOKIE] = code
    response = redirect(safe_next(request.form.get("next"), url_for("public.home")))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
    return response
