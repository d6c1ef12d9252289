"""A quote for a would-be order: the merchant's tax preview.

The same fetch and the same pure ``price_cart`` as a cart, for (sku,
quantity) pairs instead of cart lines, with a given shipping amount and
without a stock check, and the same tax provider (``storefront.tax.providers``:
Stripe Tax where configured for the destination; the built-in US state rate
says it is an estimate). It reports the destination's taxes on the order; where
the market delivers duty unpaid (DAP) and the import VAT is collected at the
border, checkout charges none of it (``duties.vat_at_border``)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Sequence

from sqlalchemy.orm import Session

from storefront.checkout.duties import Assessment
from storefront.checkout.fetch import fetch_quote
from storefront.checkout.pricing import TaxedOrder, price_cart
from storefront.tax.providers import TaxProvider
from storefront.tax.rules import Destination


@dataclass(frozen=True)
class QuoteLine:
    sku: str
    quantity: int
    unit_price: Decimal
    category: str
    tax_code: str | None = None


@dataclass(frozen=True)
class Quote:
    market: str
    currency: str
    prices_include_tax: bool
    lines: tuple[QuoteLine, ...]
    taxed: TaxedOrder  # at the destination's rates
    origin_country: str
    duties: Assessment
    tax_provider: str = "builtin"
    tax_calculation_id: str | None = None
    tax_estimate: bool = False  # the built-in state base rate for a US destination (notice tax_estimate)


def quote(session: Session, *, market_code: str, items: Sequence[tuple[str, int]], shipping: Decimal,
          destination: Destination, vat_id: str | None, seller_vat_id: str | None, now: datetime, base_currency: str,
          on: date | None = None, tax_provider: TaxProvider | None = None) -> Quote:
    """Current prices (at ``now``) taxed with the rates in force on ``on`` (default: ``now``'s date),
    by ``tax_provider`` where it applies (None: the built-in tables)."""
    inputs = fetch_quote(session, market_code=market_code, items=items, shipping=shipping, destination=destination,
                         vat_id=vat_id, seller_vat_id=seller_vat_id, now=now, on=on or now.date(),
                         base_currency=base_currency, tax_provider=tax_provider)
    priced = price_cart(inputs)
    assert priced.taxed_at_destination is not None and priced.duties is not None  # a quote has a destination
    market = inputs.market
    lines = tuple(QuoteLine(line.sku, line.quantity, line.unit_price or Decimal(0), line.tax_category, line.tax_code)
                  for line in inputs.lines)
    return Quote(market.code, market.currency, market.prices_include_tax, lines, priced.taxed_at_destination,
                 inputs.origin_country, priced.duties, priced.tax_provider, priced.tax_calculation_id,
                 any(n.code == "tax_estimate" for n in priced.notices))
