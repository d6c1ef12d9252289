"""Markets (role "admin", as the merchant API's /admin/markets): every market's
countries, currency, locales, tax display, rounding, uplift, warehouses and
shipping; the edit form goes through the API's schema and its one update
function (storefront.api.admin.markets.update_market: the same checks,
repricing and audit entry as PATCH /admin/markets/{code})."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from storefront.api.admin.markets import market_json, update_market
from storefront.api.admin.schemas.markets import INCOTERMS, TAX_ROUNDINGS, AdminMarketUpdateSchema
from storefront.console import forms, nav
from storefront.console.blueprint import bp
from storefront.console.session import requires
from storefront.errors import StorefrontError
from storefront.extensions import db
from storefront.inventory import services as inventory
from storefront.markets import services as market_services
from storefront.shipping import services as shipping

nav.register("console.markets", _l("Markets"), role="admin", order=10)

# Which form field a market error belongs to (by its code); others go above the form.
ERROR_FIELDS = {"invalid_currency": "currency", "invalid_country": "countries", "country_taken": "countries",
                "unsupported_locale": "locales", "invalid_locale": "locales", "duplicate_value": "locales",
                "unknown_tax_jurisdiction": "tax_jurisdiction", "default_market_required": "is_default",
                "market_has_open_carts": "currency"}
TEXT_FIELDS = ("currency", "rounding", "derived_rounding", "price_uplift", "tax_rate", "tax_name", "tax_rounding",
               "incoterm")


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.replace("\n", ",").split(",") if part.strip()]


def _names(raw: str) -> dict[str, str]:
    """``de: Deutschland`` per line."""
    names = {}
    for line in raw.splitlines():
        tag, sep, name = line.partition(":")
        if line.strip():
            names[tag.strip()] = name.strip() if sep else ""
    return names


def form_data(form) -> dict[str, Any]:
    """The edit form as the API's PATCH body (every field: unchanged ones change nothing)."""
    data: dict[str, Any] = {name: form.get(name, "").strip() for name in TEXT_FIELDS}
    data["countries"] = [c.upper() for c in _split(form.get("countries", ""))]
    data["locales"] = _split(form.get("locales", ""))
    data["names"] = _names(form.get("names", ""))
    data["tax_jurisdiction"] = form.get("tax_jurisdiction", "").strip() or None
    data["prices_include_tax"] = form.get("prices_include_tax") == "on"
    data["is_default"] = form.get("is_default") == "on"
    data["reprice_open_carts"] = form.get("reprice_open_carts") == "on"
    return data


def _field_of(exc: StorefrontError, data: dict[str, Any]) -> str | None:
    if exc.code == "invalid_rounding_rule":
        rule = str(exc.params.get("rule", ""))
        return "derived_rounding" if rule == data.get("derived_rounding") != data.get("rounding") else "rounding"
    return ERROR_FIELDS.get(exc.code)


def _facts(code: str) -> dict[str, Any]:
    return {"warehouses": [w for w in inventory.warehouses(db.session) if code in {m.market_code for m in w.markets}],
            "zones": shipping.zones_of(db.session, code)}


@bp.route("/markets")
@requires("admin")
def markets():
    rows = market_services.all_markets(db.session)
    warehouses = inventory.warehouses(db.session)
    shipping_of = {m.code: shipping.zones_of(db.session, m.code) for m in rows}
    return render_template("console/markets.html", markets=[market_json(m) for m in rows], warehouses=warehouses,
                           shipping_of=shipping_of)


@bp.route("/markets/<string:code>", methods=["GET", "POST"])
@requires("admin")
def markets_edit(code: str):
    market = market_json(market_services.market(db.session, code.upper()))
    errors: forms.Errors = {}
    values = None
    if request.method == "POST":
        values = request.form
        data = form_data(request.form)
        loaded, errors = forms.load(AdminMarketUpdateSchema, data)
        if not errors:
            try:
                result = update_market(market["code"], loaded)
                db.session.commit()
            except StorefrontError as exc:
                db.session.rollback()
                errors = forms.domain_errors(exc, _field_of(exc, data))
            else:
                effects = {k: result[k] for k in ("repriced_prices", "repriced_carts", "dropped_explicit_prices",
                                                  "ended_sales")}
                flash(gettext("Market %(code)s saved.", code=market["code"]) + " " + gettext(
                    "Repriced: %(prices)s prices, %(carts)s carts.", prices=effects["repriced_prices"],
                    carts=effects["repriced_carts"]))
                return redirect(url_for("console.markets_edit", code=market["code"]))
    status = 422 if errors else 200
    return render_template("console/market_edit.html", market=market, values=values, errors=errors,
                           tax_roundings=TAX_ROUNDINGS, incoterms=INCOTERMS, **_facts(market["code"])), status
