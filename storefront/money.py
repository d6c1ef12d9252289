"""Money: py-moneyed's ``Money`` plus what it lacks.

Pure (Babel and py-moneyed only). Amounts are exact ``Decimal``; rounding
happens here and nowhere else, with an explicit mode, at the documented
boundaries: display, persistence of computed values, and the charge.

- Minor digits per currency come from CLDR (Babel ``get_currency_precision``):
  JPY 0, EUR 2, KWD 3.
- Cash rounding (CHF 0.05, DKK 0.50) from CLDR ``currency_fractions``
  (tuple: digits, rounding, cash digits, cash rounding). Babel applies none
  when formatting, so it is done here.
- Stripe minor units follow Stripe's own table, not ISO/CLDR
  (https://docs.stripe.com/currencies): zero-decimal codes, ISK/UGX sent as
  two-decimal with ``00``, three-decimal codes whose last digit must be 0.
  Never ``Money.get_amount_in_sub_unit()``: it truncates.
- The charge unit (``charge_unit``) is the larger of the CLDR minor unit and
  Stripe's smallest chargeable amount: KWD, BHD, JOD, OMR and TND 0.010, any
  other currency its minor unit. Every amount that makes up a charge (line
  prices, tax, duties, shipping, hence the total) is a multiple of it: prices
  when entered or derived (``parse_amount``, ``pricing.resolution``), tax and
  duties where they are computed, once (``storefront.tax.calculation``,
  ``storefront.checkout.duties``, with ``quantize_charge``).
- Currencies py-moneyed lacks are registered here (``EXTRA_CURRENCIES``): XCG.
"""
from __future__ import annotations

import re

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.numbers import get_currency_precision
from moneyed import CurrencyDoesNotExist, Money, add_currency, get_currency
from moneyed.l10n import format_money as _format_money

from storefront.errors import InvalidAmount

__all__ = [
    "Money",
    "currency_digits",
    "minor_unit",
    "quantize",
    "money",
    "cash_increment",
    "round_to_increment",
    "amount_str",
    "format_money",
    "babel_locale",
    "stripe_increment",
    "charge_unit",
    "quantize_charge",
    "to_stripe_minor",
    "from_stripe_minor",
    "StripeAmountError",
]


# Currencies in use that py-moneyed 3.0 does not define: (numeric, sub units, name, countries).
# XCG, Caribbean guilder: replaced the Netherlands Antillean guilder (ANG) in Curaçao and Sint Maarten
# on 2025-03-31, exchanged 1:1, 100 cents (Centrale Bank van Curaçao en Sint Maarten, introduction of the
# Caribbean guilder, https://www.centralbank.cw/, 2025; ISO 4217 list of the maintenance agency SIX,
# https://www.six-group.com/en/products-services/financial-information/data-standards.html, numeric 532 as
# ANG's). CLDR 46+ (Babel 2.18 here) knows it: 2 digits, symbol "Cg.". Stripe charges it as a two-decimal
# currency (https://docs.stripe.com/currencies, presentment currencies).
EXTRA_CURRENCIES = {
    "XCG": ("532", 100, "Caribbean guilder", ["CURAÇAO", "SINT MAARTEN (DUTCH PART)"]),
}


def _register_extra_currencies() -> None:
    for code, (numeric, sub_unit, name, countries) in EXTRA_CURRENCIES.items():
        try:
            get_currency(code)
        except CurrencyDoesNotExist:
            add_currency(code, numeric, sub_unit=sub_unit, name=name, countries=countries)


_register_extra_currencies()


@lru_cache(maxsize=None)
def currency_digits(currency: str) -> int:
    """Number of minor digits of ``currency`` per CLDR (JPY 0, EUR 2, KWD 3)."""
    return get_currency_precision(currency)


@lru_cache(maxsize=None)
def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency``: Decimal('0.01') for EUR, ('1') for JPY."""
    return Decimal(1).scaleb(-currency_digits(currency))


def quantize(amount: Decimal, currency: str, rounding: str = ROUND_HALF_UP) -> Decimal:
    """``amount`` rounded to the currency's minor digits (commercial rounding by default)."""
    return Decimal(amount).quantize(minor_unit(currency), rounding=rounding)


def money(amount: Decimal | str | int, currency: str, rounding: str = ROUND_HALF_UP) -> Money:
    """A Money quantized to the currency's minor digits."""
    return Money(quantize(Decimal(amount), currency, rounding), currency)


@lru_cache(maxsize=None)
def cash_increment(currency: str) -> Decimal:
    """CLDR cash rounding increment: CHF 0.05, DKK 0.50, SEK 1, EUR 0.01, JPY 1.

    ``currency_fractions[code] = (digits, rounding, cashDigits, cashRounding)``;
    the increment is ``cashRounding * 10**-cashDigits`` (0 means 1)."""
    fractions = get_global("currency_fractions")
    digits, rounding, cash_digits, cash_rounding = fractions.get(currency, fractions["DEFAULT"])
    return Decimal(cash_rounding or 1).scaleb(-cash_digits)


def round_to_increment(amount: Decimal, increment: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    """``amount`` rounded to a multiple of ``increment`` (0.05 -> 12.34 becomes 12.35).

    The result keeps the increment's exponent so it prints with the right digits."""
    if increment <= 0:
        raise ValueError("increment must be positive")
    steps = (Decimal(amount) / increment).to_integral_value(rounding=rounding)
    return (steps * increment).quantize(increment if increment.as_tuple().exponent < 0 else Decimal(1))


def amount_str(value: Money) -> str:
    """The API amount: a decimal string with exactly the currency's minor digits."""
    return str(quantize(value.amount, value.currency.code))


@lru_cache(maxsize=256)
def babel_locale(tag: str) -> Locale:
    """A Babel Locale for a BCP 47 tag ('de-CH', 'zh-Hant-TW'). CLDR lacks
    some combinations (en-KW): those fall back by truncation (en)."""
    parts = tag.replace("_", "-").split("-")
    while parts:
        try:
            return Locale.parse("-".join(parts), sep="-")
        except (UnknownLocaleError, ValueError):
            parts.pop()
    return Locale.parse("en")


def format_money(value: Money, locale: str) -> str:
    """CLDR formatting of ``value`` for ``locale`` ('1.234,50 €' in de-DE).

    The amount is quantized first (commercial rounding) so Babel's half-even
    rounding never applies."""
    return format_amount(quantize(value.amount, value.currency.code), value.currency.code, locale)


@lru_cache(maxsize=65536)
def format_amount(amount: Decimal, currency: str, locale: str) -> str:
    """Cached CLDR formatting: catalogs repeat the same prices on every page."""
    return currency_spacing(_format_money(Money(amount, currency), locale=babel_locale(locale)))


_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def currency_spacing(formatted: str) -> str:
    """CLDR ``currencySpacing`` (UTS #35, Numbers, "Currencies"), which Babel
    does not apply: where a currency symbol ending (or starting) with a letter
    meets a digit, a no-break space goes between them — "KWD 4.500" and
    "CHF 77.90" in English, while "$4.50", "CA$4.50" and "€4.50" stay as they
    are. In a formatted amount letters belong only to the currency symbol."""
    return _LETTER_DIGIT.sub("\u00a0", formatted)


# --- Stripe --------------------------------------------------------------------

ZERO_DECIMAL = frozenset(
    "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF VND VUV XAF XOF XPF".split()
)
# ISK and UGX are zero-decimal but sent as two-decimal values ending in 00.
TWO_DECIMAL_WHOLE_UNITS = frozenset({"ISK", "UGX"})
# Three-decimal currencies: the last digit of the amount must be 0.
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})


class StripeAmountError(ValueError):
    """The amount cannot be charged exactly in Stripe's minor units."""


def stripe_increment(currency: str) -> Decimal:
    """The smallest amount Stripe can charge in ``currency``.

    JPY 1, ISK/UGX 1 (whole units), KWD 0.010, EUR 0.01."""
    code = currency.upper()
    if code in ZERO_DECIMAL or code in TWO_DECIMAL_WHOLE_UNITS:
        return Decimal(1)
    if code in THREE_DECIMAL:
        return Decimal("0.010")
    return Decimal("0.01")


@lru_cache(maxsize=None)
def charge_unit(currency: str) -> Decimal:
    """The unit every part of a charge is rounded to: the currency's minor
    unit, or Stripe's smallest chargeable amount where that is larger (KWD
    0.010, written with the currency's three digits)."""
    unit = max(minor_unit(currency), stripe_increment(currency))
    return unit.quantize(minor_unit(currency)) if unit < 1 else unit


def quantize_charge(amount: Decimal, currency: str, rounding: str = ROUND_HALF_UP) -> Decimal:
    """``amount`` rounded to the charge unit (commercial rounding by default),
    with the currency's digits: 5.0125 KWD -> 5.010, 12.345 EUR -> 12.35."""
    return quantize(round_to_increment(Decimal(amount), charge_unit(currency), rounding), currency)


def _stripe_exponent(code: str) -> int:
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def to_stripe_minor(value: Money) -> int:
    """Stripe's integer ``amount`` for ``value``.

    Refuses (StripeAmountError) an amount Stripe cannot take exactly, instead
    of rounding silently: round the total with ``stripe_increment`` first."""
    code = value.currency.code
    amount = Decimal(value.amount)
    if amount % stripe_increment(code) != 0:
        raise StripeAmountError(f"{amount} {code} is not a multiple of {stripe_increment(code)}")
    return int(amount.scaleb(_stripe_exponent(code)))


def from_stripe_minor(amount: int, currency: str) -> Money:
    """The Money for Stripe's integer ``amount`` in ``currency``."""
    code = currency.upper()
    return money(Decimal(amount).scaleb(-_stripe_exponent(code)), code)


# Stripe's minimum charge, per SETTLEMENT currency (Stripe, "Supported currencies",
# section "Minimum and maximum charge amounts", https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts,
# table as published 2026): the minimum depends on the currency the account settles in, and a charge
# presented in another currency must convert to at least that minimum (storefront.payments.limits).
# Currencies Stripe does not settle in have no minimum of their own.
STRIPE_MINIMUMS = {
    "USD": "0.50", "AED": "2.00", "AUD": "0.50", "BRL": "0.50", "CAD": "0.50", "CHF": "0.50", "CZK": "15.00",
    "DKK": "2.50", "EUR": "0.50", "GBP": "0.30", "HKD": "4.00", "HUF": "175.00", "INR": "0.50", "JPY": "50",
    "KRW": "50", "MXN": "10", "MYR": "2.00", "NOK": "3.00", "NZD": "0.50", "PLN": "2.00", "RON": "2.00",
    "SEK": "3.00", "SGD": "0.50", "THB": "10", "ZAR": "0.50",
}


# Stripe's maximum ``amount`` in minor units: "up to eight digits" for most
# currencies (PaymentIntent API reference; https://docs.stripe.com/currencies:
# 12 digits IDR, 10 COP, 9 INR; cards allow 12 but other methods fewer).
STRIPE_MAXIMUM_MINOR = 99_999_999
STRIPE_MAXIMUMS_MINOR = {"IDR": 999_999_999_999, "COP": 9_999_999_999, "INR": 999_999_999}


def stripe_maximum(currency: str) -> Money:
    """The largest amount Stripe charges in ``currency``."""
    code = currency.upper()
    return from_stripe_minor(STRIPE_MAXIMUMS_MINOR.get(code, STRIPE_MAXIMUM_MINOR), code)


def stripe_minimum(settlement_currency: str) -> Decimal:
    """Stripe's minimum charge for an account settling in ``settlement_currency``
    (KeyError for a currency Stripe does not settle in: see ``STRIPE_MINIMUMS``)."""
    return Decimal(STRIPE_MINIMUMS[settlement_currency.upper()])


def parse_amount(raw: object, currency: str) -> Decimal:
    """A price as the merchant typed it: a decimal with at most the currency's
    digits, not negative, and chargeable by Stripe (KWD in 0.010 steps)."""
    try:
        amount = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise InvalidAmount(amount=raw, currency=currency, reason="not a number") from None
    if not amount.is_finite() or amount < 0:
        raise InvalidAmount(amount=raw, currency=currency, reason="must be zero or more")
    if amount >= Decimal("1e12"):
        raise InvalidAmount(amount=raw, currency=currency, reason="too large")
    if amount != amount.quantize(Decimal(1).scaleb(-currency_digits(currency))):
        raise InvalidAmount(amount=raw, currency=currency, reason=f"at most {currency_digits(currency)} decimals")
    if amount % stripe_increment(currency) != 0:
        raise InvalidAmount(amount=raw, currency=currency, reason=f"must be a multiple of {stripe_increment(currency)}")
    return amount


# --- bounds that keep every allowed combination storable -------------------------------------
# A derived price is base x FX rate x (1 + uplift / 100), then the market's
# rounding rule, stored in a MoneyAmount column (storefront.db). The inputs are
# bounded so that even the largest of each gives a storable price:
#   MoneyAmount is NUMERIC(19, 4) on PostgreSQL (< 10^15) and a 64-bit integer
#   of 10^-4 units on SQLite (<= 922,337,203,685,477.5807): the smaller wins;
#   an FX rate is a Rate, NUMERIC(14, 8): at most 999,999.99999999;
#   an uplift is at most 100 % (x 2); a rounding rule gets a further x 2 of headroom.
# So a base price is below 10^8 (100,000,000 in the base currency): a derived
# price stays below 2 x 10^14. tests/unit/test_money_bounds.py checks these
# against the column types.
MONEY_AMOUNT_DIGITS = (19, 4)
RATE_DIGITS = (14, 8)
STORABLE_AMOUNT = min(Decimal(10) ** (MONEY_AMOUNT_DIGITS[0] - MONEY_AMOUNT_DIGITS[1]),
                      Decimal(2 ** 63 - 1).scaleb(-MONEY_AMOUNT_DIGITS[1]))
MAX_FX_RATE = Decimal(10) ** (RATE_DIGITS[0] - RATE_DIGITS[1]) - Decimal(1).scaleb(-RATE_DIGITS[1])
MAX_UPLIFT_PERCENT = Decimal(100)
_HEADROOM = (1 + MAX_UPLIFT_PERCENT / 100) * 2
BASE_PRICE_LIMIT = Decimal(10) ** (STORABLE_AMOUNT / (MAX_FX_RATE * _HEADROOM)).adjusted()  # exclusive


def parse_base_price(raw: object, currency: str) -> Decimal:
    """A base price (``parse_amount``) below ``BASE_PRICE_LIMIT``, so that every
    price derived from it with any allowed rate and uplift can be stored."""
    amount = parse_amount(raw, currency)
    if amount >= BASE_PRICE_LIMIT:
        raise InvalidAmount(amount=raw, currency=currency, reason=f"base prices are below {BASE_PRICE_LIMIT:,}")
    return amount
