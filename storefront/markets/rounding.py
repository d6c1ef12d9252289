"""Price rounding rules of a market, applied to the shopper-facing price.

Pure. A rule is written as text in the market's ``rounding`` column:

- ``minor``       the currency's minor unit (JPY 1, EUR 0.01, KWD 0.001),
                  half up (commercial rounding);
- ``cash``        CLDR cash rounding of the currency (CHF 0.05, DKK 0.50);
- ``step:S``      the nearest multiple of S (``step:0.05``, ``step:10``);
- ``charm:E``     the nearest price ending in E: ``charm:0.99`` gives 24.99,
                  ``charm:0.90`` 24.90, ``charm:9`` 1,989, ``charm:80`` ¥1,980.
                  The ending repeats every power of ten above E (1 for
                  0.99, 10 for 9, 100 for 80, 1000 for 980); ties go up, and
                  a price never rounds to zero or below.

Halves go up (ROUND_HALF_UP), the rule shoppers and merchants expect; the
result always has the currency's minor digits and is a multiple of the
currency's minor unit.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

from storefront.markets.errors import InvalidRoundingRule
from storefront.money import cash_increment, minor_unit, quantize, round_to_increment

KINDS = ("minor", "cash", "step", "charm")


@dataclass(frozen=True)
class RoundingRule:
    kind: str
    value: Decimal | None = None

    def __str__(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value}"


def parse_rule(spec: str) -> RoundingRule:
    """Parse ``minor``, ``cash``, ``step:S`` or ``charm:E`` (see the module doc)."""
    kind, _, raw = (spec or "").strip().partition(":")
    if kind in ("minor", "cash") and not raw:
        return RoundingRule(kind)
    if kind in ("step", "charm") and raw:
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise InvalidRoundingRule(rule=spec) from None
        if value.is_finite() and (value > 0 if kind == "step" else value >= 0):
            return RoundingRule(kind, value)
    raise InvalidRoundingRule(rule=spec)


def _charm_period(ending: Decimal) -> Decimal:
    """1 for endings below 1, else the power of ten above the ending (9 -> 10, 80 -> 100)."""
    if ending < 1:
        return Decimal(1)
    return Decimal(10) ** len(str(int(ending)))


def apply_rule(amount: Decimal, currency: str, rule: RoundingRule) -> Decimal:
    """``amount`` rounded by ``rule``, with the currency's minor digits."""
    amount = Decimal(amount)
    if rule.kind == "minor":
        return quantize(amount, currency)
    if rule.kind == "cash":
        return quantize(round_to_increment(amount, cash_increment(currency)), currency)
    if rule.kind == "step":
        step = max(rule.value, minor_unit(currency))  # type: ignore[type-var]
        return quantize(round_to_increment(amount, step), currency)
    if rule.kind == "charm":
        ending = quantize(rule.value, currency)  # type: ignore[arg-type]
        period = _charm_period(ending)
        base = (amount - ending) / period
        below = base.to_integral_value(rounding=ROUND_FLOOR) * period + ending
        above = below + period
        nearest = above if (amount - below) >= (above - amount) else below
        if nearest <= 0:
            nearest = above if above > 0 else period + ending
        return quantize(nearest, currency)
    raise InvalidRoundingRule(rule=str(rule))


def smallest_price(currency: str, rule: RoundingRule) -> Decimal:
    """The smallest positive price ``rule`` can produce in ``currency``."""
    if rule.kind == "minor":
        return minor_unit(currency)
    if rule.kind == "cash":
        return quantize(cash_increment(currency), currency)
    if rule.kind == "step":
        return quantize(max(rule.value, minor_unit(currency)), currency)  # type: ignore[type-var]
    return apply_rule(Decimal(0), currency, rule)


def round_price(amount: Decimal, currency: str, spec: str) -> Decimal:
    """Shortcut: parse ``spec`` and apply it."""
    return apply_rule(amount, currency, parse_rule(spec))


__all__ = ["RoundingRule", "InvalidRoundingRule", "parse_rule", "apply_rule", "round_price", "smallest_price", "ROUND_HALF_UP"]
