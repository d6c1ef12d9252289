"""Stripe's minimum charge follows the settlement currency (storefront.payments.limits).

Figures: Stripe, "Supported currencies", "Minimum and maximum charge amounts"
(https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts, table as
published 2026): EUR 0.50, GBP 0.30, JPY 50; a charge in another currency must
convert to at least the settlement currency's minimum. Rates: the demo ECB file
(storefront/demo/data/eurofxref-demo.xml, 2026-11-20) ISK 146.30, JPY 178.04,
GBP 0.87020 per EUR; KWD 0.3560 and UGX 4000 merchant rates (the ECB publishes neither).
"""
from decimal import Decimal

import pytest

from storefront.money import STRIPE_MINIMUMS, stripe_minimum
from storefront.payments.limits import is_settlement_currency, minimum_charge

D = Decimal
PER_EUR = {"EUR": D(1), "ISK": D("146.30"), "UGX": D("4000"), "JPY": D("178.04"), "GBP": D("0.87020"),
           "KWD": D("0.3560")}


def rate(code):
    return PER_EUR[code]


@pytest.mark.parametrize("presentment, settlement, minimum", [
    ("EUR", "EUR", D("0.50")),
    ("ISK", "EUR", D("74")),     # 0.50 x 146.30 = 73.15 -> 74 (before: ISK 0.50, about EUR 0.003)
    ("UGX", "EUR", D("2000")),   # 0.50 x 4000 (before: UGX 0.50)
    ("JPY", "EUR", D("90")),     # 0.50 x 178.04 = 89.02 -> 90 (before: JPY 50 = EUR 0.28)
    ("KWD", "EUR", D("0.180")),  # 0.50 x 0.3560 = 0.178 -> 0.180, a whole 10 fils (before: KWD 0.200)
    ("GBP", "GBP", D("0.30")),
    ("EUR", "GBP", D("0.35")),   # 0.30 / 0.87020 = 0.3447... -> 0.35
    ("JPY", "JPY", D("50")),
])
def test_the_minimum_is_the_settlement_currencys_converted_and_rounded_up(presentment, settlement, minimum):
    assert minimum_charge(presentment, settlement, rate) == minimum


def test_the_rounded_up_minimum_converts_to_at_least_stripes_and_one_unit_less_does_not():
    for code in ("ISK", "UGX", "JPY", "KWD"):
        found = minimum_charge(code, "EUR", rate)
        unit = D("0.010") if code == "KWD" else D(1)
        assert found / PER_EUR[code] >= D("0.50") > (found - unit) / PER_EUR[code]


def test_no_rate_is_needed_when_presentment_and_settlement_agree():
    def no_rates(code):
        raise AssertionError(code)

    assert minimum_charge("eur", "EUR", no_rates) == D("0.50")


def test_only_currencies_stripe_settles_in_have_a_minimum():
    assert is_settlement_currency("EUR") and is_settlement_currency("gbp")
    assert not is_settlement_currency("ISK") and not is_settlement_currency("KWD")
    assert stripe_minimum("EUR") == D("0.50") and stripe_minimum("GBP") == D("0.30")
    with pytest.raises(KeyError):
        stripe_minimum("ISK")  # before: an unlisted currency got 0.50 of its own unit
    assert "KWD" not in STRIPE_MINIMUMS


def test_the_settlement_currency_setting_defaults_to_the_base_currency_and_is_checked():
    from storefront.config import ConfigError
    from storefront.payments.wiring import check_settings, settlement_currency

    assert settlement_currency({"STRIPE_SETTLEMENT_CURRENCY": "", "BASE_CURRENCY": "EUR"}) == "EUR"
    assert settlement_currency({"STRIPE_SETTLEMENT_CURRENCY": " gbp ", "BASE_CURRENCY": "EUR"}) == "GBP"
    check_settings({"STRIPE_SETTLEMENT_CURRENCY": "", "BASE_CURRENCY": "EUR"})
    with pytest.raises(ConfigError, match="ISK"):
        check_settings({"STRIPE_SETTLEMENT_CURRENCY": "ISK", "BASE_CURRENCY": "EUR"})
