from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.money import (
    Money,
    StripeAmountError,
    amount_str,
    cash_increment,
    charge_unit,
    currency_digits,
    format_money,
    from_stripe_minor,
    money,
    stripe_maximum,
    quantize,
    quantize_charge,
    round_to_increment,
    stripe_increment,
    to_stripe_minor,
)

NBSP, NNBSP, RLM = "\u00a0", "\u202f", "\u200f"


@pytest.mark.parametrize(
    "currency, digits", [("EUR", 2), ("USD", 2), ("JPY", 0), ("KWD", 3), ("CHF", 2), ("BHD", 3), ("ISK", 0)]
)
def test_currency_digits_follow_cldr(currency, digits):
    assert currency_digits(currency) == digits


@pytest.mark.parametrize(
    "amount, currency, expected",
    [
        ("19.995", "EUR", "20.00"),
        ("19.994", "EUR", "19.99"),
        ("1234.5", "JPY", "1235"),
        ("2.5", "JPY", "3"),  # half up, not Python's half even
        ("12.3455", "KWD", "12.346"),
        ("7", "KWD", "7.000"),
    ],
)
def test_quantize_rounds_half_up_to_minor_digits(amount, currency, expected):
    assert str(quantize(Decimal(amount), currency)) == expected
    assert amount_str(money(amount, currency)) == expected


@pytest.mark.parametrize(
    "currency, increment", [("CHF", "0.05"), ("DKK", "0.50"), ("EUR", "0.01"), ("JPY", "1"), ("SEK", "1")]
)
def test_cash_increment_from_cldr(currency, increment):
    assert cash_increment(currency) == Decimal(increment)


@pytest.mark.parametrize(
    "amount, increment, expected",
    [("12.34", "0.05", "12.35"), ("12.32", "0.05", "12.30"), ("12.325", "0.05", "12.35"), ("12.24", "0.50", "12.00"),
     ("12.26", "0.50", "12.50"), ("99.50", "1", "100"), ("1983", "10", "1980")],
)
def test_round_to_increment(amount, increment, expected):
    assert str(round_to_increment(Decimal(amount), Decimal(increment))) == expected


@pytest.mark.parametrize(
    "amount, currency, locale, expected",
    [
        ("1234.5", "EUR", "de-DE", f"1.234,50{NBSP}€"),
        ("1234.56", "EUR", "fr-FR", f"1{NNBSP}234,56{NBSP}€"),
        ("1234.56", "CHF", "de-CH", f"CHF{NBSP}1’234.56"),
        ("1234.55", "CHF", "fr-CH", f"1{NNBSP}234,55{NBSP}CHF"),
        ("1980", "JPY", "ja-JP", "￥1,980"),
        ("12.35", "KWD", "ar-KW", f"{RLM}12.350{NBSP}د.ك.{RLM}"),
        ("1234.5", "USD", "en-US", "$1,234.50"),
        ("1234.5", "USD", "es-US", "$1,234.50"),
        ("19.99", "CAD", "fr-CA", f"19,99{NBSP}$"),
        ("19.99", "CAD", "en-CA", "$19.99"),
        ("19.99", "GBP", "en-GB", "£19.99"),
        ("2.5", "JPY", "ja-JP", "￥3"),  # quantized half up before Babel (half even would print 2)
    ],
)
def test_format_money_per_locale(amount, currency, locale, expected):
    assert format_money(Money(Decimal(amount), currency), locale) == expected


@pytest.mark.parametrize(
    "amount, currency, minor",
    [("19.99", "EUR", 1999), ("1980", "JPY", 1980), ("12.350", "KWD", 12350), ("5", "ISK", 500), ("5", "UGX", 500),
     ("0.50", "USD", 50), ("1.230", "BHD", 1230)],
)
def test_stripe_minor_units(amount, currency, minor):
    value = Money(Decimal(amount), currency)
    assert to_stripe_minor(value) == minor
    assert from_stripe_minor(minor, currency) == value


@pytest.mark.parametrize("amount, currency", [("12.345", "KWD"), ("19.999", "EUR"), ("5.5", "ISK"), ("10.5", "JPY")])
def test_stripe_refuses_amounts_it_cannot_charge_exactly(amount, currency):
    with pytest.raises(StripeAmountError):
        to_stripe_minor(Money(Decimal(amount), currency))


@given(
    cents=st.integers(min_value=0, max_value=10**12),
    currency=st.sampled_from(["EUR", "USD", "JPY", "KWD", "CHF", "ISK", "GBP", "BHD"]),
)
def test_stripe_round_trip_for_chargeable_amounts(cents, currency):
    amount = Decimal(cents) * stripe_increment(currency)
    value = Money(amount, currency)
    assert from_stripe_minor(to_stripe_minor(value), currency) == value


@pytest.mark.parametrize("currency, expected", [
    ("EUR", "999999.99"),  # 99,999,999 minor units: "up to eight digits"
    ("JPY", "99999999"),
    ("KWD", "99999.999"),
    ("INR", "9999999.99"),
    ("IDR", "9999999999.99"),
])
def test_stripe_maximum(currency, expected):
    assert stripe_maximum(currency) == Money(Decimal(expected), currency)



def test_cldr_currency_spacing_between_a_currency_code_and_the_number():
    """UTS #35 currencySpacing (issue 16): a symbol ending in a letter gets a no-break space."""
    from decimal import Decimal

    from storefront.money import currency_spacing, format_amount

    assert format_amount(Decimal("4.5"), "KWD", "en-KW") == "KWD\u00a04.500"
    assert format_amount(Decimal("77.9"), "CHF", "en-US") == "CHF\u00a077.90"
    assert format_amount(Decimal("77.9"), "USD", "en-US") == "$77.90"
    assert format_amount(Decimal("77.9"), "CAD", "en-US") == "CA$77.90"
    assert format_amount(Decimal("77.9"), "EUR", "de-DE") == "77,90\u00a0€"
    assert currency_spacing("1.00SEK") == "1.00\u00a0SEK"


# --- the charge unit: every component of a charge is chargeable ---------------------------


@pytest.mark.parametrize("currency, unit", [("EUR", "0.01"), ("JPY", "1"), ("KWD", "0.010"), ("BHD", "0.010"),
                                            ("ISK", "1"), ("UGX", "1"), ("XCG", "0.01")])
def test_charge_unit_is_the_larger_of_the_minor_unit_and_stripes_increment(currency, unit):
    assert charge_unit(currency) == Decimal(unit) and str(charge_unit(currency)) == unit


@pytest.mark.parametrize("amount, currency, rounded", [
    ("51.013", "KWD", "51.010"),  # the DDP total of issue 13, refused by Stripe before
    ("5.0125", "KWD", "5.010"), ("5.015", "KWD", "5.020"), ("12.345", "EUR", "12.35"), ("1254.5", "JPY", "1255"),
])
def test_quantize_charge(amount, currency, rounded):
    value = quantize_charge(Decimal(amount), currency)
    assert str(value) == rounded
    to_stripe_minor(Money(value, currency))  # chargeable as it is


def test_xcg_the_caribbean_guilder_is_a_currency():
    """py-moneyed 3.0 lacks XCG (ANG's successor since 2025-03-31): storefront.money registers it."""
    value = money("12.5", "XCG")
    assert value.currency.code == "XCG" and str(value.amount) == "12.50" and currency_digits("XCG") == 2
    assert to_stripe_minor(value) == 1250 and from_stripe_minor(1250, "XCG") == value
    assert format_money(value, "nl-CW") == f"Cg.{NBSP}12,50"
