"""Products (role "catalog", as the merchant API's catalog endpoints): the
list with search and filters (category, market, missing translations), and a
product's variants, stock per warehouse (set as PUT
/admin/variants/{sku}/stock/{warehouse} sets it, through the same function and
audit entry) and availability per market with its missing translations."""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from storefront.api.admin.products import set_product_markets
from storefront.api.admin.schemas.products import AdminProductArgsSchema, MarketsSetSchema
from storefront.api.admin.schemas.stock import StockSetSchema
from storefront.api.admin.stock import set_stock
from storefront.catalog import services as catalog
from storefront.catalog.models import Product
from storefront.console import forms, locale, nav
from storefront.console.blueprint import bp
from storefront.console.session import has_role, requires
from storefront.db import newest_first
from storefront.errors import StorefrontError
from storefront.extensions import db
from storefront.i18n.fallback import fallback_chain
from storefront.inventory import services as inventory
from storefront.markets import services as market_services

nav.register("console.products", _l("Products"), role="catalog", order=20)


def _chain() -> list[str]:
    return fallback_chain(locale.current(), current_app.config["DEFAULT_LOCALE"])


def _name(snapshot: dict[str, Any]) -> str:
    translations = snapshot["translations"]
    for tag in _chain():
        if tag in translations:
            return translations[tag]["name"]
    return snapshot["key"]


def _int_or_none(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


@bp.route("/products")
@requires("catalog")
def products():
    args, errors = forms.load(AdminProductArgsSchema, forms.blank_to_none(request.args, "status", "q", "cursor", "limit"))
    args = args or {"limit": 24}
    category_id = _int_or_none(request.args.get("category"))
    market = request.args.get("market", "").strip().upper() or None
    missing_only = request.args.get("missing") == "1"
    default_locale = current_app.config["DEFAULT_LOCALE"]
    status_rows = catalog.translation_status(db.session, market, default_locale)
    gaps: dict[int, list] = {}
    for row in status_rows:
        gaps.setdefault(row.product_id, []).append(row)
    ids = {pid for pid, rows in gaps.items() if any(r.state == "missing" for r in rows)} if missing_only else None
    stmt = catalog.search_statement(status=args.get("status"), q=args.get("q"), category_id=category_id,
                                    market=market, ids=ids)
    try:
        found, next_cursor = newest_first(db.session, stmt, Product.id, kind="console_products",
                                          cursor=args.get("cursor"), limit=args["limit"])
    except StorefrontError as exc:  # a stale cursor: back to the first page, saying so
        errors = forms.domain_errors(exc)
        found, next_cursor = newest_first(db.session, stmt, Product.id, kind="console_products", cursor=None,
                                          limit=args["limit"])
    items = []
    for pid in found:
        snap = catalog.snapshot(db.session, catalog.product(db.session, pid))
        items.append({**snap, "name": _name(snap), "gaps": gaps.get(pid, [])})
    categories = list(catalog.categories(db.session, _chain()).values())
    return render_template("console/products.html", items=items, next_cursor=next_cursor, errors=errors,
                           categories=categories, category_names={c.key: c.name for c in categories},
                           markets=market_services.all_markets(db.session), statuses=catalog.STATUSES,
                           filters={"q": request.args.get("q", ""), "status": request.args.get("status", ""),
                                    "category": category_id, "market": market or "", "missing": missing_only})


def _product_page(product_id: int, errors: forms.Errors | None = None, status: int = 200,
                  stock_form: dict[str, str] | None = None):
    snap = catalog.snapshot(db.session, catalog.product(db.session, product_id))
    p = catalog.product(db.session, product_id)
    stock = {v.sku: inventory.stock_levels(db.session, v.id) for v in p.variants}
    gaps = [r for r in catalog.translation_status(db.session, None, current_app.config["DEFAULT_LOCALE"])
            if r.product_id == product_id]
    category = next((c for c in catalog.categories(db.session, _chain()).values() if c.key == snap["category"]), None)
    return render_template("console/product.html", product={**snap, "name": _name(snap)}, stock=stock, gaps=gaps,
                           markets=market_services.all_markets(db.session), category=category,
                           warehouses=inventory.warehouses(db.session),
                           base_currency=current_app.config["BASE_CURRENCY"], errors=errors or {},
                           stock_form=stock_form or {}, can_edit_stock=has_role("catalog")), status


@bp.route("/products/<int:product_id>")
@requires("catalog")
def products_show(product_id: int):
    return _product_page(product_id)


@bp.post("/products/<int:product_id>/stock")
@requires("catalog")
def products_stock(product_id: int):
    sku, warehouse = request.form.get("sku", ""), request.form.get("warehouse", "")
    p = catalog.product(db.session, product_id)
    if sku not in {v.sku for v in p.variants}:
        return _product_page(product_id, {"_form": [gettext("The requested resource was not found.")]}, 404)
    loaded, errors = forms.load(StockSetSchema, {"quantity": request.form.get("quantity", "").strip()})
    if not errors:
        try:
            before = set_stock(sku, warehouse, loaded["quantity"])
            db.session.commit()
        except StorefrontError as exc:
            db.session.rollback()
            errors = forms.domain_errors(exc, "quantity")
        else:
            flash(gettext("Stock of %(sku)s in %(warehouse)s: %(before)s → %(after)s.", sku=sku, warehouse=warehouse,
                          before=before, after=loaded["quantity"]))
            return redirect(url_for("console.products_show", product_id=product_id))
    return _product_page(product_id, errors, 422, {"sku": sku, "warehouse": warehouse,
                                                   "quantity": request.form.get("quantity", "")})


@bp.post("/products/<int:product_id>/markets")
@requires("catalog")
def products_markets(product_id: int):
    """Where the product is sold: the checked markets, withdrawn from the others."""
    loaded, errors = forms.load(MarketsSetSchema, {"markets": request.form.getlist("markets")})
    if not errors:
        try:
            after = set_product_markets(product_id, loaded["markets"])
            db.session.commit()
        except StorefrontError as exc:
            db.session.rollback()
            errors = forms.domain_errors(exc, "markets")
        else:
            flash(gettext("Sold in: %(markets)s.", markets=", ".join(after["markets"]) or "–"))
            return redirect(url_for("console.products_show", product_id=product_id))
    return _product_page(product_id, errors, 422)
