"""Merchant market endpoints (role "admin"): create markets and change their
currency, countries, locales, names, price rounding, uplift and tax display.

A new currency invalidates what was priced in the old one: explicit prices
are deleted, sales in it end, derived prices are rebuilt, and open carts move
to the new currency only when the merchant says so."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from flask import Flask, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from moneyed import CurrencyDoesNotExist, get_currency
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from storefront import clock
from storefront.admin import audit
from storefront.admin.auth import authenticate, requires
from storefront.checkout.models import Cart
from storefront.errors import N_, Conflict, StorefrontError
from storefront.extensions import api, db
from storefront.catalog import listing
from storefront.i18n.fallback import canonical_tag, fallback_chain
from storefront.markets import cache
from storefront.markets.admin_schemas import (
    AdminMarketCreateSchema,
    AdminMarketListSchema,
    AdminMarketSchema,
    AdminMarketUpdatedSchema,
    AdminMarketUpdateSchema,
)
from storefront.markets.models import Market, MarketCountry, MarketLocale, MarketTranslation
from storefront.pricing import minimums
from storefront.pricing.errors import MarketNotFound
from storefront.pricing.models import PriceHistory, ResolvedPrice, SalePrice, VariantPrice
from storefront.pricing.rounding import parse_rule
from storefront.pricing.services import reprice
from storefront.tax.models import TaxJurisdiction

blp = Blueprint("admin_markets", __name__, description="Markets: countries, currency, locales, price display and tax.")
blp.before_request(authenticate)
SECURITY = [{"bearerAuth": []}]
# Fields whose change alters derived prices.
PRICING_FIELDS = ("currency", "price_uplift", "derived_rounding")
SCALARS = ("currency", "prices_include_tax", "rounding", "derived_rounding", "price_uplift", "tax_rate", "tax_name",
           "tax_jurisdiction", "tax_rounding", "incoterm")
# CLDR territories that are not ISO 3166-1 countries (exceptionally reserved or grouping codes).
NOT_COUNTRIES = frozenset({"AC", "CP", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "ZZ"})


class MarketExists(Conflict):
    code = "market_exists"
    message = N_("A market “%(market)s” already exists.")


class CountryTaken(Conflict):
    code = "country_taken"
    message = N_("%(country)s already belongs to market %(market)s.")


class InvalidCurrency(StorefrontError):
    code = "invalid_currency"
    http_status = 422
    message = N_("“%(currency)s” is not an ISO 4217 currency in use.")


class InvalidCountry(StorefrontError):
    code = "invalid_country"
    http_status = 422
    message = N_("“%(country)s” is not an ISO 3166 country code.")


class InvalidLocale(StorefrontError):
    code = "invalid_locale"
    http_status = 422
    message = N_("“%(locale)s” is not a valid locale.")


class UnsupportedLocale(StorefrontError):
    code = "unsupported_locale"
    http_status = 422
    message = N_("There is no CLDR data to format prices in “%(locale)s”.")


class DuplicateValue(StorefrontError):
    code = "duplicate_value"
    http_status = 422
    message = N_("“%(value)s” is listed more than once.")


class UnknownTaxJurisdiction(StorefrontError):
    code = "unknown_tax_jurisdiction"
    http_status = 422
    message = N_("There is no tax jurisdiction “%(jurisdiction)s”.")


class DefaultMarketRequired(Conflict):
    code = "default_market_required"
    message = N_("%(market)s is the default market; make another market the default instead.")


class MarketHasOpenCarts(Conflict):
    code = "market_has_open_carts"
    message = N_("Market %(market)s has %(carts)s open carts; send “reprice_open_carts”: true to move them to "
                 "%(currency)s.")


# --- reference data (CLDR) ---------------------------------------------------------------


@lru_cache(maxsize=1)
def currencies_in_use() -> frozenset[str]:
    """ISO 4217 codes that are legal tender somewhere today (CLDR territory
    currencies), so neither historical (DEM) nor special (XXX, XDR) codes."""
    found = set()
    for spans in get_global("territory_currencies").values():
        for code, _start, end, tender in spans:
            if end is None and tender:
                found.add(code)
    return frozenset(c for c in found if _moneyed_knows(c))


def _moneyed_knows(code: str) -> bool:
    try:
        get_currency(code)
    except CurrencyDoesNotExist:
        return False
    return True


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes (and XK, Kosovo): CLDR territories that have a currency."""
    named = {code for code in Locale("en").territories if len(code) == 2 and code.isalpha()}
    return frozenset(named & set(get_global("territory_currencies")) - NOT_COUNTRIES)


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


def _with_collections():
    return selectinload(Market.countries), selectinload(Market.locales), selectinload(Market.translations)


# --- checks and changes ---------------------------------------------------------------------


def _tag(raw: str) -> str:
    tag = canonical_tag(raw)
    if tag is None:
        raise InvalidLocale(locale=raw)
    return tag


def _market_locale(raw: str) -> str:
    """A locale prices can be formatted in: CLDR must know its language (a
    region it lacks, such as en-KW, formats as the language)."""
    tag = _tag(raw)
    try:
        Locale.parse(tag.split("-")[0])
    except (UnknownLocaleError, ValueError):
        raise UnsupportedLocale(locale=tag) from None
    return tag


def _unique(values: list[str]) -> list[str]:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise DuplicateValue(value=value)
        seen.add(value)
    return values


def checked(session: Session, data: dict[str, Any], code: str) -> dict[str, Any]:
    """The request's fields normalized (canonical tags, rules) and checked
    against reference data; raises the first problem found."""
    values = {k: v for k, v in data.items() if k != "reprice_open_carts"}
    if "currency" in values and values["currency"] not in currencies_in_use():
        raise InvalidCurrency(currency=values["currency"])
    if "locales" in values:
        values["locales"] = _unique([_market_locale(tag) for tag in values["locales"]])
    if "names" in values:
        values["names"] = {_tag(tag): name.strip() for tag, name in values["names"].items()}
    if "countries" in values:
        wanted = _unique(values["countries"])
        for country in wanted:
            if country not in countries():
                raise InvalidCountry(country=country)
        held = session.execute(
            select(MarketCountry.country_code, MarketCountry.market_code)
            .where(MarketCountry.country_code.in_(wanted), MarketCountry.market_code != code)
            .order_by(MarketCountry.country_code)
        ).first()
        if held is not None:
            raise CountryTaken(country=held.country_code, market=held.market_code)
    for field in ("rounding", "derived_rounding"):
        if field in values:
            values[field] = str(parse_rule(values[field]))
    if values.get("tax_jurisdiction") and session.get(TaxJurisdiction, values["tax_jurisdiction"]) is None:
        raise UnknownTaxJurisdiction(jurisdiction=values["tax_jurisdiction"])
    if "tax_name" in values:
        values["tax_name"] = values["tax_name"].strip() or "VAT"
    return values


def apply(session: Session, market: Market, values: dict[str, Any]) -> None:
    """Write checked values; rows of countries, locales and names that stay are kept."""
    if values.get("is_default") is False and market.is_default:
        raise DefaultMarketRequired(market=market.code)
    for field in SCALARS:
        if field in values:
            setattr(market, field, values[field])
    if "countries" in values:
        have = {c.country_code: c for c in market.countries}
        market.countries = [have.get(c) or MarketCountry(country_code=c) for c in values["countries"]]
    if "locales" in values:
        have_locales = {loc.locale: loc for loc in market.locales}
        rows = []
        for position, tag in enumerate(values["locales"]):
            row = have_locales.get(tag) or MarketLocale(locale=tag)
            row.position = position
            rows.append(row)
        market.locales = rows
        # Shoppers of a new locale get the indexed listing from the first request.
        default = current_app.config["DEFAULT_LOCALE"]
        listing.index_chains(session, {fallback_chain(tag, default) for tag in values["locales"]})
    if "names" in values:
        have_names = {t.locale: t for t in market.translations}
        rows_t = []
        for tag, name in values["names"].items():
            row_t = have_names.get(tag) or MarketTranslation(locale=tag)
            row_t.name = name
            rows_t.append(row_t)
        market.translations = rows_t
    if values.get("is_default") and not market.is_default:
        # One default at most (a partial unique index): clear the old one first.
        session.execute(update(Market).where(Market.is_default.is_(True)).values(is_default=False))
        market.is_default = True


def _open_carts(code: str, now: datetime):
    return (Cart.market_code == code, Cart.status == "open", Cart.expires_at > now)


def open_carts(session: Session, code: str, now: datetime) -> int:
    return session.scalar(select(func.count()).select_from(Cart).where(*_open_carts(code, now))) or 0


def change_currency(session: Session, market: Market, now: datetime, *, move_carts: bool) -> dict[str, int]:
    """What was priced in the old currency goes: explicit prices are deleted,
    running sales end now (shoppers saw them: the history keeps them), future
    ones are deleted, and resolved prices and open history rows are closed so
    ``reprice`` writes every price anew in the new currency."""
    new, code = market.currency, market.code
    moved = session.execute(update(Cart).where(*_open_carts(code, now)).values(currency=new)
                            .execution_options(synchronize_session=False)).rowcount if move_carts else 0
    dropped = session.execute(delete(VariantPrice).where(VariantPrice.market_code == code, VariantPrice.currency != new)
                              .execution_options(synchronize_session=False)).rowcount
    in_old = (SalePrice.market_code == code, SalePrice.currency != new)
    deleted = session.execute(delete(SalePrice).where(*in_old, SalePrice.starts_at > now)
                              .execution_options(synchronize_session=False)).rowcount
    ended = session.execute(update(SalePrice).where(*in_old, SalePrice.starts_at <= now,
                                                    or_(SalePrice.ends_at.is_(None), SalePrice.ends_at > now))
                            .values(ends_at=now).execution_options(synchronize_session=False)).rowcount
    session.execute(update(PriceHistory).where(PriceHistory.market_code == code, PriceHistory.currency != new,
                                               PriceHistory.valid_to.is_(None))
                    .values(valid_to=now).execution_options(synchronize_session=False))
    session.execute(delete(ResolvedPrice).where(ResolvedPrice.market_code == code, ResolvedPrice.currency != new)
                    .execution_options(synchronize_session=False))
    minimums.refresh_markets(session.connection(), [code])
    return {"repriced_carts": moved, "dropped_explicit_prices": dropped, "ended_sales": deleted + ended}


def _reprice(session: Session, code: str, now: datetime) -> int:
    session.flush()
    return reprice(session, base_currency=current_app.config["BASE_CURRENCY"], now=now, market_codes=[code]).changed


def _market_for_update(session: Session, code: str) -> Market:
    market = session.scalar(select(Market).where(Market.code == code.upper()).options(*_with_collections())
                            .with_for_update(of=Market))
    if market is None:
        raise MarketNotFound(market=code)
    return market


# --- endpoints ----------------------------------------------------------------------------------


@blp.route("/markets")
class Markets(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, AdminMarketListSchema)
    @requires("admin")
    def get(self):
        """Every market with all its settings, in display order."""
        rows = db.session.scalars(select(Market).options(*_with_collections()).order_by(Market.position, Market.code))
        return {"items": [market_json(m) for m in rows]}

    @blp.doc(security=SECURITY)
    @blp.arguments(AdminMarketCreateSchema)
    @blp.response(201, AdminMarketSchema)
    @requires("admin")
    def post(self, data):
        """Create a market; its derived prices are computed at once."""
        code, now = data.pop("code"), clock.now()
        if db.session.get(Market, code) is not None:
            raise MarketExists(market=code)
        values = checked(db.session, data, code)
        last = db.session.scalar(select(func.max(Market.position)))
        market = Market(code=code, is_default=False, position=(last or 0) + 1)
        apply(db.session, market, values)
        db.session.add(market)
        _reprice(db.session, code, now)
        body = market_json(market)
        audit.record(db.session, "create", "market", code, None, body)
        cache.invalidate(db.session)
        db.session.commit()
        return body


@blp.route("/markets/<string:code>")
class MarketOne(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, AdminMarketSchema)
    @requires("admin")
    def get(self, code: str):
        """One market with all its settings."""
        market = db.session.scalar(select(Market).where(Market.code == code.upper()).options(*_with_collections()))
        if market is None:
            raise MarketNotFound(market=code)
        return market_json(market)

    @blp.doc(security=SECURITY)
    @blp.arguments(AdminMarketUpdateSchema)
    @blp.response(200, AdminMarketUpdatedSchema)
    @requires("admin")
    def patch(self, data, code: str):
        """Change some settings. A new currency deletes the explicit prices and
        ends the sales in the old one, and is refused while open carts exist
        unless ``reprice_open_carts`` is true; derived prices follow."""
        now = clock.now()
        market = _market_for_update(db.session, code)
        values = checked(db.session, data, market.code)
        new_currency = values.get("currency", market.currency) != market.currency
        if new_currency and not data["reprice_open_carts"]:
            carts = open_carts(db.session, market.code, now)
            if carts:
                raise MarketHasOpenCarts(market=market.code, carts=carts, currency=values["currency"],
                                         details={"carts": carts})
        before = market_json(market)
        apply(db.session, market, values)
        effects = {"repriced_carts": 0, "dropped_explicit_prices": 0, "ended_sales": 0, "repriced_prices": 0}
        if new_currency:
            effects.update(change_currency(db.session, market, now, move_carts=data["reprice_open_carts"]))
        after = market_json(market)
        if any(before[f] != after[f] for f in PRICING_FIELDS):
            effects["repriced_prices"] = _reprice(db.session, market.code, now)
        if after != before:
            changes = {k: v for k, v in effects.items() if v}
            audit.record(db.session, "update", "market", market.code, before, {**after, **changes})
            cache.invalidate(db.session)
        db.session.commit()
        return {**after, **effects}


def init_app(app: Flask) -> None:
    api.register_blueprint(blp, url_prefix="/api/v1/admin")
