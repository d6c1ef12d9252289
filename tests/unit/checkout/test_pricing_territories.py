"""Pricing carts to territories outside the EU VAT area, Northern Ireland and
UK B2B consignments (storefront/checkout/pricing.py with literal inputs)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from storefront.checkout.pricing import CartInputs, FxRates, LineInfo, MarketTerms, customs_destination, price_cart
from storefront.tax.calculation import TaxComponent
from storefront.tax.rules import Destination

D = Decimal
ON = date(2026, 12, 2)
EU = MarketTerms("EU", "EUR", prices_include_tax=True)
EU_DAP = MarketTerms("EU", "EUR", prices_include_tax=True, incoterm="DAP")
GB = MarketTerms("GB", "GBP", prices_include_tax=True)
IGIC = {"standard": (TaxComponent("IGIC", D("7"), "ES-CN"),)}
ES_VAT = {"standard": (TaxComponent("VAT", D("21"), "ES"),)}
GB_VAT = {"standard": (TaxComponent("VAT", D("20"), "GB"),)}
LAS_PALMAS = Destination("ES", "GC", "35001", "Las Palmas de Gran Canaria")


def bag(quantity=1, price="89.00"):
    return LineInfo(2, "BAG", "backpack", "Backpack", quantity, D(price), 10, "standard", "420292")


def cart(market, *lines, **kwargs):
    kwargs.setdefault("fx", FxRates("EUR"))
    return CartInputs(market, tuple(lines), ON, **kwargs)


def test_canary_islands_ddp_charges_igic_not_vat():
    priced = price_cart(cart(EU, bag(), tax_rates=IGIC, destination=LAS_PALMAS, origin_country="DE"))
    assert [(t.name, str(t.rate), str(t.amount)) for t in priced.tax.tax_lines] == [("IGIC", "7", "5.82")]
    assert priced.determination.rule == "export_special_territory"
    assert priced.duties.crosses_border is False  # the Canaries are inside the EU customs territory
    assert "outside_eu_vat_area" in [n.code for n in priced.notices]


def test_canary_islands_dap_leaves_igic_to_the_border():
    priced = price_cart(cart(EU_DAP, bag(), tax_rates=IGIC, destination=LAS_PALMAS, origin_country="DE"))
    assert priced.tax.tax_total == 0 and str(priced.totals.total) == "83.18"  # the net of IGIC-inclusive 89.00
    assert priced.determination.rule == "import_vat_on_delivery"
    assert {"outside_eu_vat_area", "duties_due_on_delivery"} <= {n.code for n in priced.notices}


def test_ceuta_is_zero_rated_and_says_import_taxes_are_due():
    priced = price_cart(cart(EU, bag(), tax_rates=ES_VAT, destination=Destination("ES", "CE", "51001"),
                             origin_country="DE"))
    assert priced.tax.tax_total == 0 and str(priced.totals.total) == "73.55"  # 89.00 without Spanish VAT 21 %
    assert {"outside_eu_vat_area", "duties_due_on_delivery"} <= {n.code for n in priced.notices}


def test_customs_destinations():
    assert customs_destination(LAS_PALMAS, "DE") == "ES"
    assert customs_destination(Destination("ES", postal_code="51001"), "DE") == "EA-CE"
    assert customs_destination(Destination("DE", postal_code="78266"), "DE") == "CH"
    assert customs_destination(Destination("DE", postal_code="27498"), "DE") == "DE-HGL"
    assert customs_destination(Destination("GB", postal_code="BT1 1AA"), "DE") == "DE"
    assert customs_destination(Destination("GB", postal_code="BT1 1AA"), "GB") == "GB"
    assert customs_destination(Destination("GB", postal_code="BT1 1AA"), "US") == "GB"
    assert customs_destination(Destination("GB", postal_code="SW1A 1AA"), "DE") == "GB"
    assert customs_destination(Destination("MC", postal_code="98000"), "DE") == "FR"
    assert customs_destination(Destination("PR"), "US") == "US"


def test_gb_domestic_b2b_needs_no_fx_for_the_gbp_135_test():
    eur = MarketTerms("EUGB", "EUR", prices_include_tax=True)
    priced = price_cart(cart(eur, bag(), tax_rates=GB_VAT, destination=Destination("GB", postal_code="SW1A 1AA"),
                             origin_country="GB", vat_id="GB980780684"))
    assert priced.determination.rule == "uk_vat" and str(priced.tax.tax_total) == "14.83"


def test_gb_b2b_over_gbp_135_is_charged_uk_vat():
    five = price_cart(cart(GB, bag(5, "76.99"), tax_rates=GB_VAT, destination=Destination("GB", postal_code="SW1A 1AA"),
                           origin_country="DE", vat_id="GB980780684", fx=FxRates("EUR", {"GBP": D("0.85")})))
    assert five.determination.rule == "uk_vat" and str(five.tax.tax_total) == "64.16"  # 384.95 incl. 20 %
    one = price_cart(cart(GB, bag(1, "76.99"), tax_rates=GB_VAT, destination=Destination("GB", postal_code="SW1A 1AA"),
                          origin_country="DE", vat_id="GB980780684", fx=FxRates("EUR", {"GBP": D("0.85")})))
    assert one.determination.rule == "uk_reverse_charge" and one.tax.tax_total == 0  # net GBP 64.16 <= 135


def test_ni_from_the_eu_crosses_no_customs_border():
    priced = price_cart(cart(GB, bag(5, "76.99"), tax_rates=GB_VAT, destination=Destination("GB", postal_code="BT1 1AA"),
                             origin_country="DE", fx=FxRates("EUR", {"GBP": D("0.85")})))
    assert priced.determination.rule == "eu_oss_destination" and priced.duties.crosses_border is False
    assert str(priced.tax.tax_total) == "64.16"
