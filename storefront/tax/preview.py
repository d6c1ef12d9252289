"""A tax quote for a would-be order: the merchant's preview (and the seam the
cart's totals use): current prices in the market, the destination's taxes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.catalog.models import Product, Variant
from storefront.inventory.services import ship_from
from storefront.catalog.errors import VariantNotFound
from storefront.pricing.queries import effective_prices_statement
from storefront.markets.services import market_by_code
from storefront.tax.rules import Destination
from storefront.tax.services import OrderLine, TaxedOrder, tax_order


@dataclass(frozen=True)
class QuoteLine:
    sku: str
    quantity: int
    unit_price: Decimal
    category: str


@dataclass(frozen=True)
class Quote:
    market: str
    currency: str
    prices_include_tax: bool
    lines: tuple[QuoteLine, ...]
    taxed: TaxedOrder
    origin_country: str


def origin_country(session: Session, market: str, destination: str | None = None,
                   items: Sequence[tuple[int, int]] = ()) -> str:
    """Where the goods leave from: the warehouse that will ship them."""
    found = ship_from(session, market, destination, items)
    return found[1] if found else ""


def quote(session: Session, *, market_code: str, items: Sequence[tuple[str, int]], shipping: Decimal,
          destination: Destination, vat_id: str | None, seller_vat_id: str | None, now: datetime,
          on: date | None = None) -> Quote:
    """Current prices (at ``now``) taxed with the rates in force on ``on`` (default: ``now``'s date)."""
    market = market_by_code(session, market_code)
    skus = [sku for sku, _ in items]
    variants = {v.sku: v for v in session.execute(
        select(Variant.id, Variant.sku, Product.tax_category).join(Product, Product.id == Variant.product_id)
        .where(Variant.sku.in_(skus)))}
    for sku in skus:
        if sku not in variants:
            raise VariantNotFound(sku=sku)
    prices = dict(session.execute(effective_prices_statement(market.code, [v.id for v in variants.values()], now)).all())
    lines = []
    for sku, quantity in items:
        v = variants[sku]
        if v.id not in prices:
            raise VariantNotFound(sku=sku)
        lines.append(QuoteLine(sku, quantity, prices[v.id], v.tax_category))
    origin = origin_country(session, market.code, destination.country,
                            [(variants[line.sku].id, line.quantity) for line in lines])
    taxed = tax_order(
        session, currency=market.currency, prices_include_tax=market.prices_include_tax,
        rounding=market.tax_rounding,
        lines=[OrderLine(line.sku, line.unit_price * line.quantity, line.category) for line in lines],
        shipping=shipping, destination=destination, origin_country=origin, vat_id=vat_id,
        seller_vat_id=seller_vat_id, on=on or now.date(),
    )
    return Quote(market.code, market.currency, market.prices_include_tax, tuple(lines), taxed, origin)
