import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from storefront.checkout.duties import DutyLine, Specific, assess, is_excise, load, regime_for, territory

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
        by_territory.setdefault((r.territory, r.ship_from), []).append(r)
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


# --- issue 13: duties on real orders (figures from the sources in customs.json) -------------------

GBP = {"order": D("1"), "GBP": D("1")}


def test_switzerland_abolished_industrial_tariffs_on_2024_01_01():
    # SECO: no import duty on chapters 25-97 (clothing 61/62, shoes 64) since 2024-01-01.
    for hs in ("611020", "620140", "640391", "420292"):
        result = run([DutyLine("X", hs, D("500.00"))], "DE", "CH", "2026-11-23", currency="CHF")
        assert result.duties == 0 and result.rule == "ch_above_threshold_ad_valorem", hs
    # Agricultural chapters are still dutiable, by gross weight (Tares): no rate in the data, so
    # no figure is invented: the line is dutiable, not estimated, and the cart says so.
    honey = run([DutyLine("HONEY", "040900", D("200.00"), weight_grams=800)], "DE", "CH", "2026-11-23",
                currency="CHF", incoterm="DAP")
    assert honey.duties == 0 and honey.lines[0].rate is None
    assert {"duty_by_weight_not_estimated", "duties_due_on_delivery"} <= set(honey.notices)


def test_a_specific_duty_by_gross_weight_is_per_100_kg():
    data = replace(DATA, duty_rates={**DATA.duty_rates, "CH": {"default": D(0), "04": Specific(D("26.00"))}})
    result = assess([DutyLine("HONEY", "040900", D("200.00"), quantity=4, weight_grams=2000)], origin="DE",
                    destination="CH", on=date(2026, 11, 23), currency="CHF", incoterm="DDP",
                    value_in=identity, amount_from=identity, data=data)
    assert result.duties == D("0.52")  # CHF 26 per 100 kg x 2 kg
    assert result.lines[0].rate == "CHF 26/100 kg"
    unweighed = assess([DutyLine("HONEY", "040900", D("200.00"))], origin="DE", destination="CH",
                       on=date(2026, 11, 23), currency="CHF", incoterm="DDP", value_in=identity,
                       amount_from=identity, data=data)
    assert unweighed.duties == 0 and "duty_by_weight_not_estimated" in unweighed.notices


def test_eu_origin_goods_enter_the_uk_duty_free_under_the_tca():
    # The demo's GBP 200 sweater shipped DE->GB: 12 % (GBP 24.00) before; 0 with the EU-UK TCA.
    sweater = DutyLine("SWEATER", "611020", D("200.00"), origin="PT")
    result = run([sweater], "DE", "GB", "2026-11-23", currency="GBP", rates=GBP)
    assert result.duties == 0 and result.preferences == ("eu_uk_tca",)
    assert "preferential_origin_eu_uk_tca" in result.notices
    assert result.lines[0].agreement == "eu_uk_tca" and result.lines[0].rate == "0"
    # Non-originating goods pay the tariff: Vietnamese-made, or UK-made goods coming back from the EU.
    for origin in ("VN", "GB", None):
        other = run([replace(sweater, origin=origin)], "DE", "GB", "2026-11-23", currency="GBP", rates=GBP)
        assert other.duties == D("24.00") and other.preferences == () and not any(
            n.startswith("preferential_origin") for n in other.notices), origin


def test_other_agreements_need_direct_transport_and_a_covered_chapter():
    knife = DutyLine("KNIFE", "821192", D("200.00"), origin="JP")  # EU-JP EPA covers chapter 82
    assert run([knife], "JP", "DE", "2026-11-23").preferences == ("eu_jp_epa",)
    # Japanese goods shipped from a US warehouse are not transported directly
    assert run([knife], "US", "DE", "2026-11-23").duties == D("17.00")  # 8.5 %
    boots = DutyLine("BOOTS", "640391", D("200.00"), origin="PT")  # footwear is staged in Japan: not modelled
    assert run([boots], "DE", "JP", "2026-11-23", currency="JPY").preferences == ()
    # CUSMA: US-made goods from the US enter Canada duty-free
    bag = DutyLine("BAG", "420292", D("300.00"), origin="US")
    assert run([bag], "US", "CA", "2026-11-23", currency="CAD").duties == 0


def test_canada_courier_thresholds_follow_the_place_of_shipment():
    # CBSA CN 20-18: from the US or Mexico, duty and taxes free up to CAD 40, duty free up to CAD 150.
    bag = DutyLine("BAG", "420292", D("30.00"), origin="VN")
    low = run([bag], "US", "CA", "2026-11-23", currency="CAD")
    assert (low.rule, low.vat_relieved, low.duties) == ("ca_below_tax_threshold_none", True, 0)
    mid = run([replace(bag, value=D("100.00"))], "US", "CA", "2026-11-23", currency="CAD")
    assert (mid.rule, mid.vat_relieved, mid.vat_at_border, mid.duties) == ("ca_below_threshold_none", False, True, 0)
    high = run([replace(bag, value=D("200.00"))], "US", "CA", "2026-11-23", currency="CAD")
    assert high.duties == D("12.00")  # 6 %
    # From any other country: CAD 20 for duty and taxes (before: CAD 150 for every origin).
    other = run([replace(bag, value=D("25.00"))], "DE", "CA", "2026-11-23", currency="CAD")
    assert (other.rule, other.duties, other.vat_relieved) == ("ca_above_threshold_ad_valorem", D("1.50"), False)
    at_20 = run([replace(bag, value=D("20.00"))], "DE", "CA", "2026-11-23", currency="CAD")
    assert (at_20.rule, at_20.vat_relieved) == ("ca_below_threshold_none", True)
    # the remission does not cover alcohol, tobacco or publications (CBSA)
    for line in (DutyLine("WINE", "220421", D("30.00")), DutyLine("BOOK", "490199", D("15.00"))):
        excepted = run([line], "US", "CA", "2026-11-23", currency="CAD")
        assert (excepted.rule, excepted.vat_relieved, excepted.vat_at_border) == (
            "ca_above_threshold_ad_valorem", False, True), line.key


def test_norway_voec_limit_is_per_item_and_voec_goods_pay_no_duty():
    # Skatteetaten: below NOK 3,000 per item -> VOEC, VAT at checkout, no customs duty.
    shirts = DutyLine("SHIRT", "620520", D("6000.00"), quantity=3, origin="VN")  # NOK 2,000 each
    voec = run([shirts], "DE", "NO", "2026-11-23", currency="NOK")
    assert (voec.rule, voec.duties, voec.vat_at_border) == ("no_below_threshold_none", 0, False)
    # An item of NOK 3,000 or more is outside VOEC: import VAT and duty (10.7 % on clothing).
    jacket = DutyLine("JACKET", "620140", D("3000.00"), origin="VN")
    outside = run([jacket], "DE", "NO", "2026-11-23", currency="NOK")
    assert (outside.rule, outside.duties, outside.vat_at_border) == ("no_above_threshold_ad_valorem", D("321.00"), True)
    mixed = run([shirts, jacket], "DE", "NO", "2026-11-23", currency="NOK")
    assert mixed.rule == "no_per_item_mixed" and mixed.duties == D("321.00") and mixed.vat_at_border is True
    # VOEC is not available for excise goods or foodstuffs: declared at the border whatever their value
    for line in (DutyLine("WINE", "220421", D("200.00")), DutyLine("COFFEE", "090121", D("150.00"))):
        assert run([line], "DE", "NO", "2026-11-23", currency="NOK").vat_at_border is True, line.key


def test_excise_goods_are_outside_ioss_and_the_uk_135_scheme():
    wine = DutyLine("WINE", "220421", D("40.00"), origin="US")
    gb = run([wine], "US", "GB", "2026-11-23", currency="GBP", rates=GBP)
    assert (gb.rule, gb.vat_at_border, gb.duties) == ("gb_above_threshold_ad_valorem", True, D("1.60"))
    assert "excise_at_import" in gb.notices
    eu = run([wine], "US", "DE", "2026-06-01")
    assert eu.rule == "eu_above_threshold_ad_valorem" and eu.vat_at_border is True
    # by the product's flag too, whatever its heading
    flagged = run([DutyLine("CIDER", "220600", D("40.00"), excise=True)], "US", "GB", "2026-11-23",
                  currency="GBP", rates=GBP)
    assert flagged.vat_at_border is True
    # a mixed parcel: the excise line at the border, the rest stays in the scheme
    book = DutyLine("BOOK", "490199", D("15.00"))
    mixed = run([wine, book], "US", "DE", "2026-06-01")
    assert mixed.rule == "eu_excluded_mixed" and mixed.vat_at_border is True
    # not an excise good: soft drinks (2202)
    assert run([DutyLine("SODA", "220210", D("40.00"))], "US", "GB", "2026-11-23", currency="GBP",
               rates=GBP).vat_at_border is False


def test_eu_flat_duty_is_per_hs_subheading_and_a_missing_code_is_not_guessed():
    # Council Regulation (EU) 2026/382: EUR 3 per distinct 6-digit subheading, 2026-07-01 to 2028-07-01.
    lines = [DutyLine("APP-TEE-S", "610910", D("10")), DutyLine("APP-TEE-M", "610910", D("10")),
             DutyLine("APP-SOX", "611595", D("10")), DutyLine("APP-CAP", None, D("10")),
             DutyLine("APP-HAT", None, D("10"))]
    result = run(lines, "US", "DE", "2026-07-01")
    # before: "APP-CA"/"APP-HA" prefixes made two guessed categories (EUR 12.00); now the two
    # subheadings are charged and the lines without a code are reported, not guessed
    assert result.duties == D("6.00") and result.missing_tariff_codes == ("APP-CAP", "APP-HAT")
    assert "tariff_code_missing" in result.notices
    assert [k for k, _ in result.per_line] == ["category:610910", "category:611595"]
    assert [(d.key, d.amount, d.rate) for d in result.lines] == [
        ("APP-TEE-S", D("3.00"), "EUR 3.00 per subheading"), ("APP-TEE-M", D(0), "EUR 3.00 per subheading"),
        ("APP-SOX", D("3.00"), "EUR 3.00 per subheading")]
    assert run(lines[:3], "US", "DE", "2028-07-01").rule == "eu_below_threshold_ad_valorem"


def test_japan_values_personal_imports_at_60_percent_of_retail():
    # Japan Customs: dutiable value = 60 % of the retail price; duty-free up to JPY 10,000.
    shirt = DutyLine("SHIRT", "620520", D("15000"), origin="VN")
    below = run([shirt], "DE", "JP", "2026-11-23", currency="JPY")
    assert below.duties == 0 and below.rule == "jp_below_threshold_none"  # JPY 9,000 <= 10,000
    above = run([replace(shirt, value=D("20000"))], "DE", "JP", "2026-11-23", currency="JPY")
    assert above.duties == D("1200")  # 10 % of JPY 12,000 (before: 10 % of 20,000)


def test_every_demo_product_has_a_tariff_code_and_an_origin():
    folder = Path(__file__).resolve().parents[3] / "storefront" / "demo" / "data"
    products = [p for f in sorted(folder.glob("products_*.json"))
                for p in json.loads(f.read_text(encoding="utf-8"))["products"]]
    assert products
    for p in products:
        assert len(p["hs_code"]) == 6 and p["hs_code"].isdigit(), p["key"]
        assert len(p["origin"]) == 2 and p["origin"].isalpha() and p["origin"].isupper(), p["key"]
        alcohol = p["tax_category"] == "beverage_alcohol"
        assert alcohol == is_excise(DutyLine(p["key"], p["hs_code"], D(1)), DATA), p["key"]
