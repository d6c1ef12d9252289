"""Markets: loading them for negotiation and display (a constant number of
queries), and the merchant's changes, checked against CLDR reference data."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Iterable

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from moneyed import CurrencyDoesNotExist, get_currency

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from storefront.i18n.errors import UnknownMarket
from storefront.i18n.fallback import fallback_chain, parse_locale
from storefront.i18n.negotiation import MarketInfo
from storefront.markets.errors import (
    CountryTaken,
    DefaultMarketRequired,
    DuplicateValue,
    InvalidCountry,
    InvalidCurrency,
    MarketExists,
    MarketNotFound,
    UnsupportedLocale,
)
from storefront.markets.models import Market, MarketCountry, MarketLocale, MarketTranslation
from storefront.markets.rounding import RoundingRule, parse_rule

SCALARS = ("currency", "prices_include_tax", "rounding", "derived_rounding", "price_uplift", "tax_rate", "tax_name",
           "tax_jurisdiction", "tax_rounding", "incoterm")
# CLDR territories that are not ISO 3166-1 countries (exceptionally reserved or grouping codes).
NOT_COUNTRIES = frozenset({"AC", "CP", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "ZZ"})


@dataclass(frozen=True)
class MarketView:
    """What a request needs to know about a market, detached from the session."""

    code: str
    currency: str
    countries: tuple[str, ...]
    locales: tuple[str, ...]  # primary first
    names: dict[str, str]  # locale -> name
    prices_include_tax: bool
    rounding: RoundingRule
    tax_rate: Decimal
    tax_name: str
    is_default: bool
    tax_jurisdiction: str | None = None
    tax_rounding: str = "line"  # per line or per order (Market.tax_rounding)
    incoterm: str = "DDP"

    @property
    def primary_locale(self) -> str:
        return self.locales[0]

    def name(self, locale: str, default_locale: str) -> str:
        for tag in fallback_chain(locale, default_locale):
            if tag in self.names:
                return self.names[tag]
        return self.code

    def info(self) -> MarketInfo:
        return MarketInfo(code=self.code, countries=self.countries, locales=self.locales, is_default=self.is_default)


def load_markets(session: Session) -> list[MarketView]:
    """Every market with its countries, locales and names, in display order."""
    rows = session.scalars(
        select(Market)
        .options(selectinload(Market.countries), selectinload(Market.locales), selectinload(Market.translations))
        .order_by(Market.position, Market.code)
    ).all()
    return [
        MarketView(
            code=m.code,
            currency=m.currency,
            countries=tuple(c.country_code for c in m.countries),
            locales=tuple(loc.locale for loc in m.locales),
            names={t.locale: t.name for t in m.translations},
            prices_include_tax=m.prices_include_tax,
            rounding=parse_rule(m.rounding),
            tax_rate=m.tax_rate,
            tax_name=m.tax_name,
            is_default=m.is_default,
            tax_jurisdiction=m.tax_jurisdiction,
            tax_rounding=m.tax_rounding,
            incoterm=m.incoterm,
        )
        for m in rows
        if m.locales
    ]


def market_by_code(session: Session, code: str) -> Market:
    market = session.get(Market, code.upper())
    if market is None:
        raise MarketNotFound(market=code)
    return market


def all_markets(session: Session) -> list[Market]:
    """Every market with its countries, locales and names, in display order."""
    return list(session.scalars(select(Market).options(*with_collections()).order_by(Market.position, Market.code)))


def market(session: Session, code: str) -> Market:
    """One market with its countries, locales and names."""
    found = session.scalar(select(Market).where(Market.code == code.upper()).options(*with_collections()))
    if found is None:
        raise MarketNotFound(market=code)
    return found


def new_market(session: Session, code: str) -> Market:
    """A market not added yet, placed last; its code must be free."""
    if session.get(Market, code) is not None:
        raise MarketExists(market=code)
    last = session.scalar(select(func.max(Market.position)))
    return Market(code=code, is_default=False, position=(last or 0) + 1)


def market_for_update(session: Session, code: str) -> Market:
    market = session.scalar(select(Market).where(Market.code == code.upper()).options(*with_collections())
                            .with_for_update(of=Market))
    if market is None:
        raise MarketNotFound(market=code)
    return market


def with_collections():
    return selectinload(Market.countries), selectinload(Market.locales), selectinload(Market.translations)


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


def _market_locale(raw: str) -> str:
    """A locale prices can be formatted in: CLDR must know its language (a
    region it lacks, such as en-KW, formats as the language)."""
    tag = parse_locale(raw)
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
    against reference data; raises the first problem found. (The tax
    jurisdiction is the tax domain's to check.)"""
    values = dict(data)
    if "currency" in values and values["currency"] not in currencies_in_use():
        raise InvalidCurrency(currency=values["currency"])
    if "locales" in values:
        values["locales"] = _unique([_market_locale(tag) for tag in values["locales"]])
    if "names" in values:
        values["names"] = {parse_locale(tag): name.strip() for tag, name in values["names"].items()}
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
    if "tax_name" in values:
        values["tax_name"] = values["tax_name"].strip() or "VAT"
    return values


def apply(session: Session, market: Market, values: dict[str, Any]) -> None:
    """Write checked values; rows of countries, locales and names that stay are
    kept. The caller builds the listing chains of new locales."""
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


def known_markets(session: Session, codes: Iterable[str]) -> list[str]:
    """The market codes, upper-cased, sorted and deduplicated; every one must exist."""
    wanted = sorted({c.upper() for c in codes})
    known = set(session.scalars(select(Market.code)).all())
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise UnknownMarket(market=unknown[0], details={"markets": unknown})
    return wanted
