"""Sign-in, sign-out, the language switcher and the console's start page."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import redirect, render_template, request, url_for
from flask_babel import gettext

from storefront.admin.errors import TooManyFailures, Unauthorized
from storefront.console import locale, session
from storefront.console.blueprint import bp
from storefront.console.errors import message_of


def _safe_next(target: str | None) -> str:
    """Only a path inside the console (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/console") and "\\" not in target:
            return target.rstrip("?")
    return url_for("console.home")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    error, status, headers = None, 200, {}
    if request.method == "POST":
        language = locale.valid(request.form.get("locale"))
        if language:
            locale.remember(language)
        try:
            session.sign_in(request.form.get("token", ""))
        except (Unauthorized, TooManyFailures) as exc:
            status = exc.http_status
            if isinstance(exc, TooManyFailures):
                headers["Retry-After"] = str(exc.params["seconds"])
            error = gettext("This token is not valid, or it has been revoked.") if isinstance(
                exc, Unauthorized) else message_of(exc)
        else:
            return redirect(_safe_next(request.form.get("next")))
    return render_template("console/sign_in.html", error=error, next=request.values.get("next", "")), status, headers


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    session.sign_out()
    return redirect(url_for("console.sign_in"))


@bp.route("/locale", methods=["POST"])
def set_locale():
    locale.remember(request.form.get("locale", ""))
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/")
def home():
    return render_template("console/home.html")

