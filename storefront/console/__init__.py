"""The merchant console at /console: server-rendered pages (Jinja, plain CSS
and a little plain JavaScript, nothing from a CDN) over the same services as
the merchant API.

One blueprint (``blueprint.bp``); every module of ``storefront.console.pages``
adds its routes to it and its entry to the navigation (``nav.register``), and
is imported here, so a new page is a new module and nothing else changes.
Sign-in, the session and CSRF are ``session.py``; the merchant's language
``locale.py``; money and dates in templates ``formatting.py``."""
from __future__ import annotations

import importlib
import pkgutil
import secrets
from datetime import timedelta

from flask import Flask

from storefront.console import errors, formatting, locale, pages, session
from storefront.console.blueprint import bp

# Every console request: the merchant's language is chosen, the signed-in
# principal re-checked (a revoked token signs out), an unsafe request's CSRF
# token compared, and the answer is never cached. Errors are HTML pages.
bp.before_request(locale.choose)
bp.before_request(session.load)
bp.before_request(session.check_csrf)
bp.after_request(session.no_store)
bp.context_processor(session.template_context)
errors.register(bp)

_PAGES_IMPORTED = False


def _import_pages() -> None:
    """Every module of storefront.console.pages, once (their routes join ``bp``)."""
    global _PAGES_IMPORTED
    if _PAGES_IMPORTED:
        return
    for module in sorted(pkgutil.iter_modules(pages.__path__), key=lambda m: m.name):
        importlib.import_module(f"{pages.__name__}.{module.name}")
    _PAGES_IMPORTED = True


def init_app(app: Flask) -> None:
    config = app.config
    if not config.get("SECRET_KEY"):  # production requires one (storefront.config); elsewhere per process
        config["SECRET_KEY"] = secrets.token_urlsafe(48)
    config["SESSION_COOKIE_NAME"] = "storefront_console"
    config["SESSION_COOKIE_PATH"] = "/console"  # nothing else of the app has a session
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    config["SESSION_COOKIE_SECURE"] = not (app.debug or config.get("TESTING") or config.get("ENV") == "development")
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=config["CONSOLE_SESSION_HOURS"])
    _import_pages()
    formatting.init_app(app)
    app.register_blueprint(bp)
