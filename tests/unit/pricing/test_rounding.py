from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.money import minor_unit
from storefront.markets.rounding import InvalidRoundingRule, RoundingRule, parse_rule, round_price


@pytest.mark.parametrize(
    "amount, currency, rule, expected",
    [
        ("19.994", "EUR", "minor", "19.99"),
        ("19.995", "EUR", "minor", "20.00"),
        ("1234.5", "JPY", "minor", "1235"),
        ("12.3456", "KWD", "minor", "12.346"),
        ("12.34", "CHF", "cash", "12.35"),
        ("12.32", "CHF", "cash", "12.30"),
        ("12.37", "EUR", "cash", "12.37"),
        ("12.3449", "KWD", "step:0.010", "12.340"),
        ("12.345", "KWD", "step:0.010", "12.350"),
        ("1234", "JPY", "step:10", "1230"),
        ("1235", "JPY", "step:10", "1240"),
        ("23.41", "USD", "charm:0.99", "22.99"),
        ("23.60", "USD", "charm:0.99", "23.99"),
        ("23.48", "USD", "charm:0.99", "22.99"),
        ("23.49", "USD", "charm:0.99", "23.99"),  # tie (0.50 either way) goes up
        ("0.30", "USD", "charm:0.99", "0.99"),  # never zero or below
        ("41.20", "CHF", "charm:0.90", "40.90"),
        ("1923", "JPY", "charm:80", "1880"),
        ("1931", "JPY", "charm:80", "1980"),
        ("1234", "JPY", "charm:9", "1239"),
        ("12", "JPY", "charm:980", "980"),
    ],
)
def test_round_price(amount, currency, rule, expected):
    assert str(round_price(Decimal(amount), currency, rule)) == expected


@pytest.mark.parametrize("spec", ["", "round", "step", "step:0", "step:-1", "step:abc", "charm:", "charm:x", "minor:1"])
def test_invalid_rules_are_refused(spec):
    with pytest.raises(InvalidRoundingRule) as info:
        parse_rule(spec)
    assert info.value.code == "invalid_rounding_rule"


def test_rule_round_trips_as_text():
    for spec in ["minor", "cash", "step:0.05", "charm:0.99", "charm:80"]:
        assert str(parse_rule(spec)) == spec
    assert parse_rule("step:0.05") == RoundingRule("step", Decimal("0.05"))


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=4)


@given(amount=amounts, currency=st.sampled_from(["EUR", "USD", "JPY", "KWD", "CHF", "GBP", "AUD", "CAD"]))
def test_every_rule_yields_a_whole_number_of_minor_units(amount, currency):
    for spec in ["minor", "cash", "step:0.05", "step:10", "charm:0.99", "charm:9"]:
        result = round_price(amount, currency, spec)
        assert result % minor_unit(currency) == 0
        assert result.as_tuple().exponent == minor_unit(currency).as_tuple().exponent


@given(amount=amounts)
def test_charm_is_the_nearest_price_with_the_ending(amount):
    result = round_price(amount, "USD", "charm:0.99")
    assert result % 1 == Decimal("0.99")
    assert abs(result - amount) <= Decimal("0.5") or result == Decimal("0.99")


@given(amount=amounts)
def test_chf_cash_rounding_ends_in_five_rappen(amount):
    result = round_price(amount, "CHF", "cash")
    assert result % Decimal("0.05") == 0
    assert abs(result - amount) <= Decimal("0.025")
