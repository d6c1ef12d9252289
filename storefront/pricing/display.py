"""The price a shopper sees: net, gross and tax from a stored amount.

Pure. In a market whose prices include tax the stored amount is gross: the
market's rounding rule applies to it (CHF 0.05 steps), then the tax is backed
out, ``net = gross / (1 + rate)`` rounded half up to the minor unit and
``tax = gross - net``, so the gross the shopper saw never changes. Where
prices exclude tax the rule applies to the net price and
``tax = net * rate`` rounded half up, ``gross = net + tax``. Either way
``gross == net + tax`` exactly.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from storefront.money import Money, quantize
from storefront.markets.rounding import RoundingRule, apply_rule
from storefront.tax.rules import REGIONAL, Destination, determine

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ShelfPrice:
    net: Money
    gross: Money
    tax: Money
    tax_rate: Decimal  # percent, e.g. Decimal("8.1")
    tax_included: bool
    # Set during an announced reduction: the regular price, and the lowest
    # price of the 30 days before it (EU Omnibus directive, Art. 6a PID).
    compare_at: Money | None = None
    prior_price: Money | None = None


def shelf_price(
    amount: Decimal, currency: str, tax_rate: Decimal, tax_included: bool, rule: RoundingRule
) -> ShelfPrice:
    """Net, gross and tax of a stored price (see the module doc for the rule)."""
    shown = apply_rule(amount, currency, rule)
    if tax_included:
        gross = shown
        net = quantize(gross * HUNDRED / (HUNDRED + tax_rate), currency)
        tax = gross - net
    else:
        net = shown
        tax = quantize(net * tax_rate / HUNDRED, currency)
        gross = net + tax
    return ShelfPrice(
        net=Money(net, currency),
        gross=Money(gross, currency),
        tax=Money(tax, currency),
        tax_rate=tax_rate,
        tax_included=tax_included,
    )


def display_country(countries: Sequence[str], jurisdiction: str | None,
                    hints: Sequence[str | None]) -> str | None:
    """The country whose taxes the catalog shows, in a market whose shelf prices carry its own jurisdiction's
    taxes (``jurisdiction``): the first of ``hints`` (X-Country, the locale's region, a cart's address) that
    the market holds, else the market's own jurisdiction. A market selling to several countries then shows
    each shopper the VAT the cart will charge (B2C goods are taxed where they arrive: Art. 33 VAT Directive,
    One-Stop Shop since 1 July 2021), as Shopify's "include or exclude tax based on your customer's country"
    setting does. None where the market shows no jurisdiction's taxes (US, CA: net prices, flat rate);
    countries taxed per region (US, CA) are never chosen (they need a region)."""
    if not jurisdiction:
        return None
    held = {c.upper() for c in countries}
    for hint in hints:
        country = hint.strip().upper() if isinstance(hint, str) else ""
        if country in held and country not in REGIONAL:
            return country
    return jurisdiction


def display_jurisdiction(country: str | None, jurisdiction: str | None) -> str | None:
    """Whose rates the catalog shows for ``country`` (see :func:`display_country`): the jurisdiction a B2C
    sale to it is taxed in (``storefront.tax.rules.determine``; origin taken as the market's jurisdiction),
    the market's own when the country is its jurisdiction or unknown."""
    if not country or not jurisdiction or country == jurisdiction:
        return jurisdiction
    return determine(Destination(country), jurisdiction).jurisdiction
