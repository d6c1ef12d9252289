"""Stripe's minimum charge for a total in any presentment currency.

Pure. Stripe's minimum charge amount depends on the account's SETTLEMENT
currency, not the currency the shopper pays in (Stripe, "Supported
currencies", section "Minimum and maximum charge amounts",
https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts, as
published 2026): a charge presented in another currency must convert to at
least the settlement currency's minimum. With EUR settlement (EUR 0.50) a
charge in ISK or UGX, which Stripe lists no minimum for, must be worth at
least EUR 0.50.

The conversion uses the shop's stored FX rates (``rate(code)``: units of
``code`` per one unit of the base currency, as ``checkout.pricing.FxRates``),
so the figure is the shop's estimate of Stripe's conversion. The minimum is
expressed in the presentment currency, rounded UP to the charge unit: the
smallest chargeable amount that converts to at least the settlement minimum,
so "amount < minimum_charge(...)" is exactly "converted amount < minimum".
"""
from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Callable

from storefront.money import STRIPE_MINIMUMS, quantize_charge, stripe_minimum


def is_settlement_currency(code: str) -> bool:
    """Whether Stripe lists a minimum charge for settling in ``code``."""
    return code.upper() in STRIPE_MINIMUMS


def minimum_charge(presentment: str, settlement: str, rate: Callable[[str], Decimal]) -> Decimal:
    """The smallest amount in ``presentment`` Stripe charges for an account
    settling in ``settlement``. ``rate`` may raise for a currency without a
    stored rate (``FxRateMissing``); it is not asked when the two are equal."""
    presentment, settlement = presentment.upper(), settlement.upper()
    minimum = stripe_minimum(settlement)
    if presentment == settlement:
        return quantize_charge(minimum, presentment, ROUND_CEILING)
    converted = minimum / rate(settlement) * rate(presentment)
    return quantize_charge(converted, presentment, ROUND_CEILING)


__all__ = ["is_settlement_currency", "minimum_charge"]
