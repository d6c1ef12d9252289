"""storefront: one product catalog, many markets."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:  # pure modules import this package: keep Flask out of it
    from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: Mapping[str, Any] | None = None, env: str | None = None) -> "Flask":
    """Application factory: config -> extensions -> each domain's ``init_app``."""
    from flask import Flask

    from storefront import cli, models  # noqa: F401  (models: complete metadata)
    from storefront.admin import views as admin_views
    from storefront.api import docs, errors, health, observability, spec
    from storefront.catalog import admin_products
    from storefront.catalog import views as catalog_views
    from storefront.checkout import views as checkout_views
    from storefront.config import load_config
    from storefront.db import configure_sqlite
    from storefront.extensions import db, migrate
    from storefront.i18n import wiring as i18n
    from storefront.markets import views as markets_views
    from storefront.inventory import views as inventory_views
    from storefront.orders import views as orders_views
    from storefront.payments import views as payments_views
    from storefront.pricing import views as pricing_views
    from storefront.tax import views as tax_views

    app = Flask(__name__, instance_path=str(ROOT / "instance"))
    settings = load_config(env=env, overrides=overrides)
    app.config.update(settings)
    app.json.ensure_ascii = False  # UTF-8 JSON: "高慢と偏見", not "\u9ad8..."
    app.json.sort_keys = False  # the documented field order, and less work per response
    _database_settings(app)

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(
        app, db, directory=str(ROOT / "migrations"), compare_type=True,
        render_as_batch=app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"),
    )
    i18n.init_app(app)
    observability.init_app(app)
    spec.init_app(app)
    errors.init_app(app)
    markets_views.init_app(app)
    catalog_views.init_app(app)
    admin_products.init_app(app)
    checkout_views.init_app(app)
    orders_views.init_app(app)
    inventory_views.init_app(app)
    payments_views.init_app(app)
    pricing_views.init_app(app)
    admin_views.init_app(app)
    tax_views.init_app(app)
    from storefront.markets import admin as markets_admin; markets_admin.init_app(app)  # noqa: E702
    from storefront.catalog import admin_categories; admin_categories.init_app(app)  # noqa: E702
    from storefront.shipping import admin as shipping_admin; shipping_admin.init_app(app)  # noqa: E702
    from storefront.tax import admin as tax_admin; tax_admin.init_app(app)  # noqa: E702
    health.init_app(app)
    docs.init_app(app)
    cli.init_app(app)
    return app


def _database_settings(app: "Flask") -> None:
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
    engine_options: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        engine_options = {}
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options)
