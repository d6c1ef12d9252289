"""Price resolution: the regular price of a variant in a market.

Pure. The market's explicit price wins. Otherwise the price is derived from
the merchant's base price (in the base currency):

    converted = base x FX rate (units of the market currency per base unit)
    uplifted  = converted x (1 + uplift / 100)
    price     = the market's derived-price rounding rule applied to ``uplifted``

The rule applies to the price the shopper sees: gross where the market's
prices include tax (tax is then backed out at display,
``storefront.pricing.display``), net elsewhere. The result is finally made
chargeable: a multiple of Stripe's smallest amount for the currency (KWD
0.010, https://docs.stripe.com/currencies "three-decimal currencies"), half
up, and never zero. Every resolved price carries how it was made, for the
merchant views.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from storefront.money import quantize, round_to_increment, stripe_increment
from storefront.markets.rounding import RoundingRule, apply_rule, smallest_price

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class FxQuote:
    """Units of ``quote`` per 1 ``base`` on ``rate_date``."""

    base: str
    quote: str
    rate: Decimal
    rate_date: date | None = None


@dataclass(frozen=True)
class MarketPricing:
    code: str
    currency: str
    uplift: Decimal  # percent
    rule: RoundingRule


@dataclass(frozen=True)
class Resolved:
    amount: Decimal
    currency: str
    source: str  # "explicit" | "derived"
    base_amount: Decimal | None = None
    base_currency: str | None = None
    fx_rate: Decimal | None = None
    fx_date: date | None = None
    uplift: Decimal | None = None
    rule: str | None = None

    def provenance(self) -> tuple:
        """(amount, currency, source, base_amount, base_currency, fx_rate, fx_date, uplift, rule)."""
        return (self.amount, self.currency, self.source, self.base_amount, self.base_currency, self.fx_rate,
                self.fx_date, self.uplift, self.rule)


def chargeable(amount: Decimal, currency: str) -> Decimal:
    """``amount`` as a multiple of Stripe's smallest chargeable amount, with the currency's digits."""
    return quantize(round_to_increment(amount, stripe_increment(currency)), currency)


def derive(base_amount: Decimal, base_currency: str, market: MarketPricing, fx: FxQuote | None) -> Resolved | None:
    """The derived price (see the module doc); None when no FX rate is known."""
    if market.currency == base_currency:
        rate, rate_date = Decimal(1), None
    elif fx is None or fx.base != base_currency or fx.quote != market.currency:
        return None
    else:
        rate, rate_date = fx.rate, fx.rate_date
    uplifted = base_amount * rate * (1 + market.uplift / HUNDRED)
    amount = chargeable(apply_rule(uplifted, market.currency, market.rule), market.currency)
    if amount <= 0:  # a price never rounds away to nothing
        amount = chargeable(max(smallest_price(market.currency, market.rule), stripe_increment(market.currency)),
                            market.currency)
    return Resolved(
        amount=amount, currency=market.currency, source="derived", base_amount=base_amount,
        base_currency=base_currency, fx_rate=rate, fx_date=rate_date, uplift=market.uplift, rule=str(market.rule),
    )


def resolve(
    explicit: Decimal | None,
    base_amount: Decimal | None,
    base_currency: str,
    market: MarketPricing,
    fx: FxQuote | None,
) -> Resolved | None:
    """The regular price: explicit if set, else derived; None if neither is possible."""
    if explicit is not None:
        return Resolved(amount=explicit, currency=market.currency, source="explicit")
    if base_amount is None:
        return None
    return derive(base_amount, base_currency, market, fx)
