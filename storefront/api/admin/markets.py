"""Merchant market endpoints (role "admin"): create markets and change their
currency, countries, locales, names, price rounding, uplift and tax display.

A new currency invalidates what was priced in the old one: explicit prices
are deleted, sales in it end, derived prices are rebuilt, and open carts move
to the new currency only when the merchant says so."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from flask.views import MethodView

from storefront import clock
from storefront import listing_book as book
from storefront.admin import audit
from storefront.api.admin.blueprint import MerchantBlueprint
from storefront.api.admin.schemas.markets import (
    AdminMarketCreateSchema,
    AdminMarketListSchema,
    AdminMarketSchema,
    AdminMarketUpdatedSchema,
    AdminMarketUpdateSchema,
)
from storefront.catalog import listing
from storefront.checkout import services as carts
from storefront.extensions import db
from storefront.i18n.fallback import fallback_chain
from storefront.markets import cache
from storefront.markets import services as markets
from storefront.markets.errors import MarketHasOpenCarts
from storefront.markets.models import Market
from storefront.pricing import services as pricing
from storefront.tax import services as tax

blp = MerchantBlueprint("admin_markets", __name__, role="admin",
                        description="Markets: countries, currency, locales, price display and tax.")
# Fields whose change alters derived prices.
PRICING_FIELDS = ("currency", "price_uplift", "derived_rounding")


# --- JSON -------------------------------------------------------------------------------


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}"


def market_json(m: Market) -> dict[str, Any]:
    return {
        "code": m.code,
        "names": {t.locale: t.name for t in sorted(m.translations, key=lambda t: t.locale)},
        "currency": m.currency,
        "countries": sorted(c.country_code for c in m.countries),
        "locales": [loc.locale for loc in m.locales],
        "prices_include_tax": m.prices_include_tax,
        "rounding": m.rounding,
        "derived_rounding": m.derived_rounding,
        "price_uplift": _percent(m.price_uplift),
        "tax_rate": _percent(m.tax_rate),
        "tax_name": m.tax_name,
        "tax_jurisdiction": m.tax_jurisdiction,
        "tax_rounding": m.tax_rounding,
        "incoterm": m.incoterm,
        "is_default": m.is_default,
    }


def _checked(data: dict[str, Any], code: str) -> dict[str, Any]:
    values = markets.checked(db.session, data, code)
    tax.check_jurisdiction(db.session, values.get("tax_jurisdiction"))
    return values


def _apply(market: Market, values: dict[str, Any]) -> None:
    markets.apply(db.session, market, values)
    if "locales" in values:
        # Shoppers of a new locale get the indexed listing from the first request.
        default = current_app.config["DEFAULT_LOCALE"]
        listing.index_chains(db.session, {fallback_chain(tag, default) for tag in values["locales"]})


def _reprice(code: str, now: datetime) -> int:
    db.session.flush()
    return pricing.reprice(db.session, base_currency=current_app.config["BASE_CURRENCY"], now=now,
                           market_codes=[code]).changed


# --- endpoints ----------------------------------------------------------------------------------


@blp.route("/markets")
class Markets(MethodView):
    @blp.response(200, AdminMarketListSchema)
    def get(self):
        """Every market with all its settings, in display order."""
        return {"items": [market_json(m) for m in markets.all_markets(db.session)]}

    @blp.arguments(AdminMarketCreateSchema)
    @blp.response(201, AdminMarketSchema)
    def post(self, data):
        """Create a market; its derived prices are computed at once."""
        code, now = data.pop("code"), clock.now()
        market = markets.new_market(db.session, code)
        _apply(market, _checked(data, code))
        db.session.add(market)
        _reprice(code, now)
        body = market_json(market)
        audit.record(db.session, "create", "market", code, None, body)
        cache.invalidate(db.session)
        book.touch_markets(db.session, [code])  # (a locale no market spoke yet: index_chains rebuilds all)
        db.session.commit()
        return body


@blp.route("/markets/<string:code>")
class MarketOne(MethodView):
    @blp.response(200, AdminMarketSchema)
    def get(self, code: str):
        """One market with all its settings."""
        return market_json(markets.market(db.session, code))

    @blp.arguments(AdminMarketUpdateSchema)
    @blp.response(200, AdminMarketUpdatedSchema)
    def patch(self, data, code: str):
        """Change some settings. A new currency deletes the explicit prices and
        ends the sales in the old one, and is refused while open carts exist
        unless ``reprice_open_carts`` is true; derived prices follow."""
        result = update_market(code, data)
        db.session.commit()
        return result


def update_market(code: str, data: dict[str, Any]) -> dict[str, Any]:
    """The change of a market's settings, as ``PATCH /admin/markets/{code}``
    makes it (also the console's market form): checked, applied, its prices
    repriced and recorded in the audit trail; the caller commits. ``data`` is
    what AdminMarketUpdateSchema loaded. The market after, with the effects."""
    data = dict(data)
    now, move_carts = clock.now(), data.pop("reprice_open_carts", False)
    market = markets.market_for_update(db.session, code)
    values = _checked(data, market.code)
    new_currency = values.get("currency", market.currency) != market.currency
    if new_currency and not move_carts:
        waiting = carts.open_carts(db.session, market.code, now)
        if waiting:
            raise MarketHasOpenCarts(market=market.code, carts=waiting, currency=values["currency"],
                                     details={"carts": waiting})
    before = market_json(market)
    _apply(market, values)
    effects = {"repriced_carts": 0, "dropped_explicit_prices": 0, "ended_sales": 0, "repriced_prices": 0}
    if new_currency:
        if move_carts:
            effects["repriced_carts"] = carts.move_open_carts(db.session, market.code, market.currency, now)
        effects.update(pricing.change_market_currency(db.session, market.code, market.currency, now))
    after = market_json(market)
    if any(before[f] != after[f] for f in PRICING_FIELDS):
        effects["repriced_prices"] = _reprice(market.code, now)
    if after != before:
        changes = {k: v for k, v in effects.items() if v}
        audit.record(db.session, "update", "market", market.code, before, {**after, **changes})
        cache.invalidate(db.session)
        book.touch_markets(db.session, [market.code])
    return {**after, **effects}
