"""Console sign-in: a merchant token (the merchant API's tokens and its
bootstrap token, authenticated by storefront.api.admin.auth, failures counted
and refused with 429 exactly as for the API), kept as a session cookie.

The cookie (signed with SECRET_KEY; HttpOnly, SameSite=Lax, Secure outside
development and tests) holds the token's id and an HMAC of its stored digest,
never the token: every request looks the token up again, so revoking it (or
changing STOREFRONT_ADMIN_TOKEN) signs the console out at once. ``g.principal``
is the API's ``Principal``: the audit trail names the same actor either way.

CSRF: one random token per session, in every POST form (``csrf_field()`` in
templates), compared with ``hmac.compare_digest``; missing or wrong is a 400 page."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import wraps
from typing import Callable

from flask import current_app, flash, g, request, session
from flask_babel import gettext
from markupsafe import Markup, escape

from storefront.admin.errors import Unauthorized
from storefront.admin.tokens import digest
from storefront.api.admin.auth import Principal, authenticate_token, authorize, principal_again
from storefront.console import locale, nav
from storefront.console.errors import CsrfFailed, SignInRequired
from storefront.extensions import db

CSRF_FIELD = "csrf_token"
# Endpoints reachable without a signed-in merchant (still CSRF-checked when POSTed).
PUBLIC_ENDPOINTS = frozenset({"console.sign_in", "console.static", "console.set_locale"})


def _proof(token_hash: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"storefront-console\0" + token_hash.encode(), hashlib.sha256).hexdigest()


def sign_in(token: str) -> Principal:
    """Authenticate ``token`` as the merchant API does (401/429 raise) and start a fresh session."""
    principal = authenticate_token(token.strip())
    locale = session.get("locale")
    session.clear()  # nothing of the anonymous session survives (fixation)
    session.permanent = True
    session["token_id"] = principal.token_id
    session["proof"] = _proof(digest(token.strip()))
    session[CSRF_FIELD] = secrets.token_urlsafe(32)
    if locale:
        session["locale"] = locale
    g.principal = principal
    return principal


def sign_out() -> None:
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    g.pop("principal", None)


def load() -> None:
    """Before every console request: the session's principal, still valid, as ``g.principal``."""
    g.pop("principal", None)
    if "proof" in session:
        expected = session["proof"]
        principal = principal_again(session.get("token_id"),
                                    lambda token_hash: hmac.compare_digest(_proof(token_hash), str(expected)))
        if principal is None:  # revoked, or the bootstrap token changed
            sign_out()
            db.session.rollback()
            flash(gettext("You were signed out: your token is no longer valid."), "error")
        else:
            g.principal = principal
    if g.get("principal") is None and request.endpoint not in PUBLIC_ENDPOINTS:
        raise SignInRequired()


def current() -> Principal | None:
    return g.get("principal")


def csrf_token() -> str:
    token = session.get(CSRF_FIELD)
    if not token:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def csrf_field() -> Markup:
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf_token())}">')


def check_csrf() -> None:
    """Every unsafe console request carries the session's CSRF token (form field or X-CSRF-Token)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token") or ""
    expected = session.get(CSRF_FIELD) or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed()


def has_role(role: str) -> bool:
    principal = current()
    return principal is not None and (role in principal.roles or "admin" in principal.roles)


def requires(role: str) -> Callable:
    """A console view for holders of ``role`` (or admin): anyone else gets the 403 page,
    whatever the navigation showed them."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def checked(*args, **kwargs):
            if current() is None:
                raise Unauthorized()
            authorize(role)  # the merchant API's check: Forbidden (403) without the role
            return view(*args, **kwargs)

        checked.console_role = role  # type: ignore[attr-defined]
        return checked

    return decorator


def no_store(response):
    if request.endpoint == "console.static":
        return response
    response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    return response


def template_context() -> dict:
    return {"csrf_field": csrf_field, "csrf_token": csrf_token, "principal": current(), "has_role": has_role,
            "nav_entries": nav.visible(has_role) if current() is not None else [],
            "console_locale": locale.current(), "console_dir": locale.direction(),
            "console_languages": locale.choices()}
