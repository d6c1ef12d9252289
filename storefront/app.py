"""The application factory: config -> extensions -> the API's ``init_app``."""
from __future__ import annotations

from inspect import iscoroutinefunction
from pathlib import Path
from typing import Any, Mapping

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from storefront import cli, console, models  # noqa: F401  (models: complete metadata)
from storefront.api import admin, deadline, disconnects, docs, errors, front, health, lane, observability, shop, spec
from storefront.config import ROOT, ConfigError, load_config
from storefront.db import configure_sqlite, read_only_transactions
from storefront.extensions import StorefrontRequest, db, migrate
from storefront.i18n import wiring as i18n
from storefront.payments import wiring as payments
from storefront.tax import wiring as tax_wiring


class StorefrontFlask(Flask):
    """Flask asks ``inspect.iscoroutinefunction`` of every hook and view on
    every request (some 20 calls, ~50 µs); the answer is a property of the
    function, so it is asked once per function."""

    _coroutine: dict = {}
    request_class = StorefrontRequest

    def ensure_sync(self, func):
        key = getattr(func, "__func__", func)  # a view's method is bound anew each request
        try:
            coroutine = self._coroutine[key]
        except KeyError:
            if len(self._coroutine) > 10_000:  # (functions made per request would otherwise pile up)
                self._coroutine.clear()
            coroutine = self._coroutine[key] = iscoroutinefunction(func)
        except TypeError:  # unhashable
            return super().ensure_sync(func)
        return self.async_to_sync(func) if coroutine else func


def create_app(overrides: Mapping[str, Any] | None = None, env: str | None = None) -> Flask:
    """Application factory: config -> extensions -> the shop and merchant APIs."""
    app = StorefrontFlask("storefront", instance_path=str(ROOT / "instance"))
    settings = load_config(env=env, overrides=overrides)
    app.config.update(settings)
    payments.check_settings(app.config)
    tax_wiring.check_settings(app.config)
    app.json.ensure_ascii = False  # UTF-8 JSON: "高慢と偏見", not "\u9ad8..."
    app.json.sort_keys = False  # the documented field order, and less work per response
    if app.config["PROXY_HOPS"]:  # the client address and scheme as the trusted proxies saw them
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    _database_settings(app)
    # Listing pages the book holds, answered below Flask (storefront.api.lane) ...
    app.wsgi_app = lane.ListingLane(app.wsgi_app, app)  # type: ignore[method-assign]
    # ... and outermost, repeats of catalog GETs answered from the micro-cache (storefront.api.front).
    app.wsgi_app = front.FrontCache(app.wsgi_app, app.config)  # type: ignore[method-assign]

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    app.before_request(_declare_transactions)
    app.teardown_request(_end_transactions)
    migrate.init_app(
        app, db, directory=str(ROOT / "migrations"), compare_type=True,
        render_as_batch=app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"),
    )
    i18n.init_app(app)
    observability.init_app(app)
    app.before_request(lane.raise_timed_out)  # (after the request id is set)
    spec.init_app(app)
    errors.init_app(app)
    disconnects.init_app(app)
    shop.init_app(app)
    admin.init_app(app)
    health.init_app(app)
    docs.init_app(app)
    console.init_app(app)
    cli.init_app(app)
    deadline.init_app(app)  # last: its after_request hook runs first
    return app


def create_app_or_exit() -> Flask:
    """``create_app()`` for the command line (``FLASK_APP``, see .flaskenv): a
    configuration error ends the command with its message, not a traceback."""
    try:
        return create_app()
    except ConfigError as exc:
        raise SystemExit(f"storefront: configuration error: {exc}") from None


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _declare_transactions() -> None:
    """Safe methods only read: on SQLite their transactions begin deferred,
    every other request's BEGIN IMMEDIATE (storefront.db)."""
    read_only_transactions(request.method in SAFE_METHODS)


def _end_transactions(_exc: BaseException | None) -> None:
    read_only_transactions(False)


def _database_settings(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    if not url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{Path(app.instance_path) / 'storefront.db'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_ECHO"] = app.config["SQL_ECHO"]
    # hide_parameters: an SQL error's message (and its logged traceback) never
    # shows the bound values, which hold e-mails, addresses and client secrets.
    engine_options: dict[str, Any] = {"hide_parameters": True}
    if not url.startswith("sqlite"):
        engine_options["pool_pre_ping"] = True
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options)
