"""What a shopper sees of a variant's price: the shelf price, and during a
sale the regular price (``compare_at``) and the EU Omnibus prior price."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from storefront.pricing import queries
from storefront.markets.services import MarketView
from storefront.pricing.display import ShelfPrice, shelf_price
from storefront.pricing.omnibus import PricePeriod, prior_price
from storefront.cache import memoized
from storefront.tax.errors import NoTaxData
from storefront.tax.services import TAX, components

# Directive 98/6/EC Art. 6a(2): "not less than 30 days prior to the application of the price reduction".
OMNIBUS_DAYS = 30


def variant_shelf_price(market: MarketView, regular: Decimal, sale: Decimal | None, prior: Decimal | None,
                        tax_rate: Decimal | None = None) -> ShelfPrice:
    """The shelf price; during a sale, with the regular price as ``compare_at``
    and the Omnibus ``prior_price``, both as the shopper sees prices (gross
    where tax is included, net elsewhere)."""

    rate = market.tax_rate if tax_rate is None else tax_rate

    def shelf(amount: Decimal) -> ShelfPrice:
        return shelf_price(amount, market.currency, rate, market.prices_include_tax, market.rounding)

    def shown(price: ShelfPrice):
        return price.gross if market.prices_include_tax else price.net

    if sale is None:
        return shelf(regular)
    return replace(
        shelf(sale),
        compare_at=shown(shelf(regular)),
        prior_price=shown(shelf(prior)) if prior is not None else None,
    )


def prior_prices(session: Session, market: str, variant_ids: list[int], now: datetime) -> dict[int, Decimal | None]:
    """Variant id -> the lowest price of the 30 days before its sale in force
    started (EU Omnibus), for variants on sale; three queries for a page."""
    starts: dict[int, tuple[Decimal, datetime]] = {}
    for r in session.execute(queries.active_sales_statement(market, variant_ids, now)):
        if r.variant_id not in starts or (r.amount, r.starts_at) < starts[r.variant_id]:
            starts[r.variant_id] = (r.amount, r.starts_at)
    if not starts:
        return {}
    since = min(start for _, start in starts.values()) - timedelta(days=OMNIBUS_DAYS)
    history_stmt, sales_stmt = queries.price_periods_statements(market, list(starts), since, now)
    regular: dict[int, list[PricePeriod]] = defaultdict(list)
    for r in session.execute(history_stmt):
        regular[r.variant_id].append(PricePeriod(r.amount, r.valid_from, r.valid_to))
    sales: dict[int, list[PricePeriod]] = defaultdict(list)
    for r in session.execute(sales_stmt):
        sales[r.variant_id].append(PricePeriod(r.amount, r.starts_at, r.ends_at))
    return {
        variant_id: prior_price(regular[variant_id], sales[variant_id], start, OMNIBUS_DAYS)
        for variant_id, (_, start) in starts.items()
    }


def display_tax_rates(session: Session, market: MarketView, categories: set[str], on,
                      jurisdiction: str | None = None) -> dict[str, Decimal]:
    """The rate the catalog shows per tax class (a product tax code, or a tax
    category): the taxes of ``jurisdiction`` (the shopper's country in a
    multi-country market, see ``display.display_jurisdiction``), by default
    the market's own jurisdiction's (DE books 7 %, GB chocolate 20 %), else
    its flat rate. Cached per jurisdiction."""
    jurisdiction = jurisdiction or market.tax_jurisdiction
    if not jurisdiction or not categories:
        return {}

    def compute() -> dict[str, Decimal]:
        try:
            found = components(session, jurisdiction, categories, on)
        except NoTaxData:
            return {}
        return {category: sum((c.rate for c in comps), Decimal(0)) for category, comps in found.items()}

    return memoized(session, TAX, ("display_rates", jurisdiction, frozenset(categories), on), compute)
