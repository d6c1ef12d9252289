"""Loading markets for negotiation and display (a constant number of queries)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.i18n.fallback import fallback_chain
from storefront.i18n.negotiation import MarketInfo
from storefront.markets.models import Market
from storefront.pricing.rounding import RoundingRule, parse_rule


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
