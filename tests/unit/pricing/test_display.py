from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.money import minor_unit
from storefront.pricing.display import shelf_price
from storefront.markets.rounding import parse_rule


@pytest.mark.parametrize(
    "amount, currency, rate, included, rule, net, tax, gross",
    [
        ("119.00", "EUR", "19", True, "minor", "100.00", "19.00", "119.00"),
        ("19.99", "EUR", "19", True, "minor", "16.80", "3.19", "19.99"),
        ("41.90", "CHF", "8.1", True, "cash", "38.76", "3.14", "41.90"),
        ("41.92", "CHF", "8.1", True, "cash", "38.76", "3.14", "41.90"),  # gross rounded to 0.05 first
        ("1980", "JPY", "10", True, "minor", "1800", "180", "1980"),
        ("12.250", "KWD", "0", True, "step:0.010", "12.250", "0.000", "12.250"),
        ("24.99", "CAD", "5", False, "minor", "24.99", "1.25", "26.24"),
        ("24.99", "USD", "0", False, "minor", "24.99", "0.00", "24.99"),
    ],
)
def test_shelf_price(amount, currency, rate, included, rule, net, tax, gross):
    price = shelf_price(Decimal(amount), currency, Decimal(rate), included, parse_rule(rule))
    assert (str(price.net.amount), str(price.tax.amount), str(price.gross.amount)) == (net, tax, gross)
    assert price.tax_included is included


currencies = st.sampled_from(["EUR", "JPY", "KWD", "CHF", "USD", "GBP"])
rates = st.sampled_from(["0", "2.6", "5", "7", "8.1", "10", "19", "20", "21", "25.5", "27"])


@given(
    amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=3),
    currency=currencies, rate=rates, included=st.booleans(),
)
def test_gross_is_net_plus_tax_in_minor_units(amount, currency, rate, included):
    rule = parse_rule("cash" if currency == "CHF" else "minor")
    price = shelf_price(amount, currency, Decimal(rate), included, rule)
    assert price.gross.amount == price.net.amount + price.tax.amount
    for part in (price.net, price.tax, price.gross):
        assert part.amount % minor_unit(currency) == 0
        assert part.currency.code == currency
    if included:
        # Backing tax out never changes the gross the shopper saw.
        assert price.gross.amount == shelf_price(price.gross.amount, currency, Decimal(rate), True, rule).gross.amount
