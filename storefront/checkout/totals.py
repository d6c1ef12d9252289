"""Cart and order totals (API.md): ``total = subtotal + shipping + duties``,
plus ``tax`` where the market's prices exclude it.

Pure. ``subtotal`` and ``shipping`` are as shown to the shopper (gross where
prices include tax); ``tax`` is the tax they contain or add; duties are
charged at checkout only under DDP. Under a reverse charge in a tax-inclusive
market the subtotal and shipping shown are the net amounts actually charged.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from storefront.tax.calculation import TaxResult


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    shipping: Decimal
    tax: Decimal
    duties: Decimal
    total: Decimal


def order_totals(tax: TaxResult, *, tax_included: bool, duties: Decimal = Decimal(0)) -> Totals:
    """Totals from the taxed lines and shipping: the amount the provider will charge."""
    if tax_included:
        subtotal = sum((line.gross for line in tax.lines), Decimal(0))
        shipping = sum((line.gross for line in tax.shipping), Decimal(0))
        total = subtotal + shipping + duties
    else:
        subtotal = sum((line.net for line in tax.lines), Decimal(0))
        shipping = sum((line.net for line in tax.shipping), Decimal(0))
        total = subtotal + shipping + duties + tax.tax_total
    if total != tax.gross_total + duties:  # the invariant the payment provider relies on
        raise ArithmeticError(f"totals do not add up: {total} != {tax.gross_total} + {duties}")
    return Totals(subtotal=subtotal, shipping=shipping, tax=tax.tax_total, duties=duties, total=total)
