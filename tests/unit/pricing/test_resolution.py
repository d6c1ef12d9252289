from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.money import minor_unit, stripe_increment
from storefront.pricing.display import shelf_price
from storefront.pricing.resolution import FxQuote, MarketPricing, chargeable, derive, resolve
from storefront.markets.rounding import parse_rule

D = Decimal


def market(code, currency, uplift="0", rule="minor"):
    return MarketPricing(code, currency, D(uplift), parse_rule(rule))


@pytest.mark.parametrize(
    "base, rate, currency, uplift, rule, expected",
    [
        ("79.00", "1.16", "USD", "0", "charm:0.99", "91.99"),
        ("79.00", "0.9354", "CHF", "5", "charm:0.90", "77.90"),  # 79 x 0.9354 x 1.05 = 77.59
        ("79.00", "178.04", "JPY", "0", "charm:80", "14080"),  # 14065.16 -> nearest ..80
        ("19.90", "0.3560", "KWD", "0", "minor", "7.080"),  # 7.0844 -> 7.084 -> Stripe: 7.080
        ("19.90", "0.3560", "KWD", "0", "step:0.250", "7.000"),
        ("0.01", "0.1", "JPY", "0", "minor", "1"),  # never rounds to nothing
        ("0.01", "0.1", "KWD", "0", "minor", "0.010"),
        ("0.01", "0.1", "JPY", "0", "step:10", "10"),
    ],
)
def test_derive(base, rate, currency, uplift, rule, expected):
    fx = FxQuote("EUR", currency, D(rate), date(2026, 11, 20))
    resolved = derive(D(base), "EUR", market("X", currency, uplift, rule), fx)
    assert str(resolved.amount) == expected
    assert resolved.source == "derived"
    assert (resolved.base_amount, resolved.fx_rate, resolved.rule) == (D(base), D(rate), rule)
    assert resolved.fx_date == date(2026, 11, 20)


def test_explicit_price_wins_and_same_currency_needs_no_rate():
    eur = market("DE", "EUR")
    uplifted = derive(D("10.00"), "EUR", market("EU", "EUR", "10"), None)
    assert (uplifted.amount, uplifted.fx_rate, uplifted.fx_date) == (D("11.00"), 1, None)
    assert resolve(D("24.90"), D("19.90"), "EUR", eur, None).source == "explicit"
    derived = resolve(None, D("19.90"), "EUR", eur, None)
    assert derived.amount == D("19.90") and derived.fx_rate == 1


def test_no_rate_or_no_base_means_no_price():
    assert resolve(None, D("10"), "EUR", market("KW", "KWD"), None) is None
    assert resolve(None, None, "EUR", market("DE", "EUR"), None) is None
    wrong = FxQuote("EUR", "USD", D("1.1"))
    assert resolve(None, D("10"), "EUR", market("KW", "KWD"), wrong) is None


RULES = {
    "USD": ["minor", "charm:0.99", "step:0.05"],
    "JPY": ["minor", "charm:80", "charm:9", "step:10", "step:100"],
    "KWD": ["minor", "step:0.010", "step:0.250", "charm:0.950"],
    "CHF": ["cash", "charm:0.90", "charm:0.95", "step:0.10"],
    "EUR": ["minor", "charm:0.99", "charm:0.90"],
}
TAX = {"USD": ("0", False), "JPY": ("10", True), "KWD": ("0", True), "CHF": ("8.1", True), "EUR": ("19", True)}


@given(
    base=st.decimals(min_value=D("0.50"), max_value=D("50000"), places=2),
    rate=st.decimals(min_value=D("0.1"), max_value=D("300"), places=4),
    uplift=st.decimals(min_value=D("0"), max_value=D("30"), places=2),
    data=st.data(),
)
def test_derived_prices_obey_their_rule_and_are_chargeable(base, rate, uplift, data):
    currency = data.draw(st.sampled_from(sorted(RULES)))
    spec = data.draw(st.sampled_from(RULES[currency]))
    fx = FxQuote("EUR", currency, rate)
    resolved = derive(base, "EUR", market("X", currency, uplift, spec), fx)
    amount = resolved.amount
    # a whole number of minor units, never an invented fraction of one
    assert amount % minor_unit(currency) == 0
    assert amount.as_tuple().exponent == minor_unit(currency).as_tuple().exponent
    # Stripe can charge it (KWD in multiples of 0.010)
    assert amount % stripe_increment(currency) == 0
    assert amount > 0
    rule = parse_rule(spec)
    if rule.kind == "step":
        assert amount % max(rule.value, stripe_increment(currency)) == 0 or currency == "KWD"
    if rule.kind == "charm":
        period = D(1) if rule.value < 1 else D(10) ** len(str(int(rule.value)))
        assert amount % period == chargeable(rule.value, currency) % period
    if currency == "CHF":
        assert amount % D("0.05") == 0
    if currency == "JPY" and spec == "charm:80":
        assert amount % 100 == 80
    # and a shelf price from it keeps gross = net + tax with the gross untouched
    tax_rate, included = TAX[currency]
    shelf = shelf_price(amount, currency, D(tax_rate), included, parse_rule("cash" if currency == "CHF" else "minor"))
    assert shelf.gross.amount == shelf.net.amount + shelf.tax.amount
    if included:
        assert shelf.gross.amount == amount


@given(amount=st.decimals(min_value=D("0"), max_value=D("10000"), places=4))
def test_chargeable_moves_less_than_half_an_increment(amount):
    for currency in ("KWD", "JPY", "EUR", "BHD"):
        result = chargeable(amount, currency)
        assert abs(result - amount) <= stripe_increment(currency) / 2
