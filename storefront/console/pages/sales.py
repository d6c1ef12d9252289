"""Sales (role "pricing", as the merchant API's /admin/variants/{sku}/sales):
schedule a sale price per market with its start and end in the merchant's
time zone (chosen on the form; default the browser's, else the market's;
stored in UTC), see the product's sales with the EU Omnibus prior price of
those running, cancel one. Writes go through storefront.pricing.edits."""
from __future__ import annotations

import zoneinfo
from datetime import datetime
from functools import lru_cache

from babel.core import get_global
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from storefront import clock
from storefront.catalog import services as catalog
from storefront.console import forms, nav
from storefront.console.blueprint import bp
from storefront.console.choosers import product_chooser
from storefront.console.session import requires
from storefront.errors import StorefrontError
from storefront.extensions import db
from storefront.markets import services as market_services
from storefront.pricing import edits, matrix, services

nav.register("console.sales", _l("Sales"), role="pricing", order=50)

# A country's zone when it has several (CLDR lists them alphabetically).
MAIN_ZONES = {"US": "America/New_York", "CA": "America/Toronto", "AU": "Australia/Sydney", "DE": "Europe/Berlin"}


@lru_cache(maxsize=1)
def time_zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV"))))


def market_zone(countries: list[str]) -> str:
    """The zone of the market's first country (its main one where it has several), else UTC."""
    for country in countries:
        if country in MAIN_ZONES:
            return MAIN_ZONES[country]
        zones = get_global("territory_zones").get(country)
        if zones:
            return zones[0]
    return "UTC"


def local_to_utc(raw: str, zone: str) -> datetime | None:
    """A ``datetime-local`` value (2026-12-24T09:00) in ``zone`` as an aware time; None when blank."""
    if not raw.strip():
        return None
    return datetime.fromisoformat(raw.strip()).replace(tzinfo=zoneinfo.ZoneInfo(zone))


def _page(product_id: int, errors=None, status=200, values=None):
    m = matrix.price_matrix(db.session, product_id, base_currency=current_app.config["BASE_CURRENCY"],
                            now=clock.now())
    p = catalog.product(db.session, product_id)
    in_force = {(row.sku, c.market): c.sale for row in m.variants for c in row.markets if c.sale}
    regular = {(row.sku, c.market): (c.price.gross if c.tax_included else c.price.net)
               for row in m.variants for c in row.markets}
    sales = [(v.sku, s) for v in p.variants for s in services.sales_of(db.session, v.id)]
    markets = market_services.all_markets(db.session)
    zones = {mk.code: market_zone(sorted(c.country_code for c in mk.countries)) for mk in markets}
    return render_template("console/sales/product.html", m=m, sales=sales, in_force=in_force, regular=regular,
                           markets=markets, zones=zones, time_zones=time_zones(), now=clock.now(),
                           errors=errors or {}, values=values or {}), status


@bp.route("/sales")
@requires("pricing")
def sales():
    return product_chooser(gettext("Sales"), gettext("Pick a product to schedule its sales."),
                           "console.sales", "console.sales_product")


@bp.route("/sales/<int:product_id>")
@requires("pricing")
def sales_product(product_id: int):
    return _page(product_id)


@bp.post("/sales/<int:product_id>")
@requires("pricing")
def sales_schedule(product_id: int):
    form = request.form
    zone = form.get("time_zone") or "UTC"
    errors: forms.Errors = {}
    if zone not in time_zones() and zone != "UTC":
        errors["time_zone"] = [gettext("Choose a time zone from the list.")]
    try:
        starts = local_to_utc(form.get("starts_at", ""), zone) if not errors else None
        ends = local_to_utc(form.get("ends_at", ""), zone) if not errors else None
    except ValueError:
        errors["starts_at"] = [gettext("Use a date and time such as 2026-12-24 09:00.")]
    if not errors and starts is None:
        errors["starts_at"] = [gettext("A sale needs a start.")]
    if not errors:
        try:
            edits.schedule_sale(db.session, form.get("sku", ""), form.get("market", ""),
                                form.get("amount", "").strip(), starts, ends)
            db.session.commit()
        except StorefrontError as exc:
            db.session.rollback()
            field = {"invalid_amount": "amount", "invalid_sale_period": "ends_at"}.get(exc.code)
            errors = forms.domain_errors(exc, field)
    if errors:
        return _page(product_id, errors, 422, values=form)
    flash(gettext("Sale of %(sku)s in %(market)s scheduled.", sku=form.get("sku"), market=form.get("market")))
    return redirect(url_for("console.sales_product", product_id=product_id))


@bp.post("/sales/<int:product_id>/<int:sale_id>/cancel")
@requires("pricing")
def sales_cancel(product_id: int, sale_id: int):
    ended = edits.cancel_sale(db.session, sale_id, clock.now())
    db.session.commit()
    flash(gettext("The sale ended now; its history stays.") if ended else gettext("The sale was deleted."))
    return redirect(url_for("console.sales_product", product_id=product_id))
