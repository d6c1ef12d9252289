from datetime import date
from decimal import Decimal

import pytest

from storefront.checkout.duties import DutyLine, assess, load, regime_for, territory

D = Decimal
DATA = load()


def identity(amount, currency):
    return amount


def convert(rates):
    """value_in / amount_from with units per EUR."""
    def value_in(amount, currency):
        return amount / rates["order"] * rates[currency]

    def amount_from(amount, currency):
        return amount / rates[currency] * rates["order"]

    return value_in, amount_from


def run(lines, origin, destination, on, incoterm="DDP", currency="EUR", rates=None):
    value_in, amount_from = convert(rates) if rates else (identity, identity)
    return assess(lines, origin=origin, destination=destination, on=date.fromisoformat(on), currency=currency,
                  incoterm=incoterm, value_in=value_in, amount_from=amount_from, data=DATA)


BAG = DutyLine("BAG", "420292", D("80.00"))
SHIRT = DutyLine("TEE", "610910", D("30.00"))
SHIRT2 = DutyLine("TEE2", "610910", D("20.00"))
BOOK = DutyLine("BOOK", "490199", D("15.00"))


def test_customs_unions():
    assert territory("FR", DATA) == territory("IT", DATA) == "EU"
    assert territory("LI", DATA) == "CH"
    assert run([BAG], "DE", "IT", "2026-11-23").crosses_border is False
    assert run([BAG], "CH", "LI", "2026-11-23").crosses_border is False


def test_eu_low_value_no_duty_before_july_2026_then_3_euro_per_item_category():
    before = run([BAG, SHIRT], "US", "DE", "2026-06-30")
    assert (before.duties, before.vat_at_border, before.rule) == (D("0"), False, "eu_below_threshold_none")
    after = run([BAG, SHIRT, SHIRT2], "US", "DE", "2026-07-01")
    assert after.duties == D("6.00")  # two tariff subheadings: 420292 and 610910
    assert after.rule == "eu_below_threshold_flat_per_category" and after.vat_at_border is False


def test_eu_above_150_euro_ad_valorem_duty_and_import_vat_at_the_border():
    big = DutyLine("BAG", "420292", D("200.00"))
    result = run([big], "US", "FR", "2026-11-23")
    assert result.duties == D("7.40") and result.vat_at_border is True  # 3.7 %


def test_uk_threshold_in_pounds():
    rates = {"order": D("1"), "GBP": D("0.87")}
    below = run([DutyLine("BAG", "420292", D("150.00"))], "DE", "GB", "2026-11-23", rates=rates)  # GBP 130.50
    assert below.duties == 0 and below.vat_at_border is False
    above = run([DutyLine("BAG", "420292", D("160.00"))], "DE", "GB", "2026-11-23", rates=rates)  # GBP 139.20
    assert above.duties == D("6.40") and above.vat_at_border is True


def test_us_de_minimis_ended_on_2025_08_29():
    before = run([SHIRT], "DE", "US", "2025-08-28", currency="USD")
    assert before.duties == 0
    after = run([SHIRT], "DE", "US", "2025-08-29", currency="USD")
    assert after.duties == D("4.95")  # 16.5 % of 30.00


def test_au_gst_at_checkout_up_to_1000():
    assert run([BAG], "JP", "AU", "2026-11-23", currency="AUD").duties == 0
    assert run([DutyLine("BAG", "420292", D("1200"))], "JP", "AU", "2026-11-23", currency="AUD").duties == D("60.00")


@pytest.mark.parametrize("incoterm, charged, notices", [("DDP", D("7.40"), ()), ("DAP", D("0"), ("duties_due_on_delivery",))])
def test_incoterm_decides_who_pays(incoterm, charged, notices):
    result = run([DutyLine("BAG", "420292", D("200.00"))], "US", "FR", "2026-11-23", incoterm=incoterm)
    assert (result.duties, result.charged, result.notices, result.incoterm) == (D("7.40"), charged, notices, incoterm)


def test_books_are_duty_free_and_unknown_territories_say_so():
    assert run([DutyLine("BOOK", "490199", D("500"))], "US", "DE", "2026-11-23").duties == 0
    unknown = run([BOOK], "DE", "BR", "2026-11-23")
    assert unknown.rule == "no_customs_data" and "duties_due_on_delivery" in unknown.notices


def test_every_regime_has_contiguous_dates():
    by_territory = {}
    for r in DATA.regimes:
        by_territory.setdefault(r.territory, []).append(r)
    for regimes in by_territory.values():
        regimes.sort(key=lambda r: r.valid_from)
        for a, b in zip(regimes, regimes[1:]):
            assert a.valid_to == b.valid_from
        assert regimes[-1].valid_to is None
    assert regime_for("EU", date(2026, 7, 1), DATA).below.flat == D("3.00")


def test_kuwait_ddp_duty_is_chargeable():
    """Kuwait: 5 % customs duty above KWD 100 (customs.json). On KWD 1,020.250
    the duty is 51.0125: before, 51.013, which Stripe refuses (three-decimal
    amounts must end in 0, https://docs.stripe.com/currencies); now 51.010."""
    result = run([DutyLine("BAG", "420292", D("1020.250"))], "DE", "KW", "2026-11-20", currency="KWD",
                 rates={"order": D("0.3560"), "KWD": D("0.3560")})
    assert result.charged == D("51.010") and result.per_line == (("BAG", D("51.010")),)
