"""The cart's pure pricing (storefront/checkout/pricing.py), with literal inputs."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from storefront.checkout.pricing import (
    CartInputs,
    FxRates,
    LineInfo,
    MarketTerms,
    ShippingChoice,
    fx_currencies,
    price_cart,
)
from storefront.pricing.errors import FxRateMissing
from storefront.tax.calculation import TaxComponent
from storefront.tax.rules import Destination
from storefront.tax.vat_ids import InvalidVatId

D = Decimal
ON = date(2026, 11, 23)
EUR = FxRates("EUR")

DE = MarketTerms("DE", "EUR", prices_include_tax=True)
EU = MarketTerms("EU", "EUR", prices_include_tax=True)
US = MarketTerms("US", "USD", prices_include_tax=False, tax_rounding="order")
CA = MarketTerms("CA", "CAD", prices_include_tax=False, tax_rounding="order")
CH = MarketTerms("CH", "CHF", prices_include_tax=True, incoterm="DAP")

DE_VAT = {"books": (TaxComponent("VAT", D("7"), "DE"),), "standard": (TaxComponent("VAT", D("19"), "DE"),)}
IT_VAT = {"standard": (TaxComponent("VAT", D("22"), "IT"),)}
CH_VAT = {"standard": (TaxComponent("MWST", D("8.1"), "CH"),)}
GB_VAT = {"standard": (TaxComponent("VAT", D("20"), "GB"),)}
QC = {"standard": (TaxComponent("GST", D("5"), "CA"), TaxComponent("QST", D("9.975"), "CA-QC"))}
STANDARD_SHIPPING = ShippingChoice(D("4.90"), free_over=D("50.00"))


def book(quantity=1, price="19.90", free=10):
    return LineInfo(1, "BOOK", "pride", "Pride and Prejudice", quantity, D(price) if price else None, free, "books",
                    "490199")


def bag(quantity=1, price="89.00", free=10):
    return LineInfo(2, "BAG", "backpack", "Backpack", quantity, D(price) if price else None, free, "standard",
                    "420292")


def cart(market, *lines, **kwargs):
    kwargs.setdefault("fx", EUR)
    return CartInputs(market, tuple(lines), ON, **kwargs)


def totals(priced):
    t = priced.totals
    return tuple(str(x) for x in (t.subtotal, t.shipping, t.tax, t.duties, t.total))


def notices(priced):
    return [n.code for n in priced.notices]


def test_a_domestic_eu_cart_keeps_the_gross_prices_and_takes_the_vat_out():
    priced = price_cart(cart(DE, book(2), tax_rates=DE_VAT, destination=Destination("DE"), origin_country="DE",
                             shipping_method=STANDARD_SHIPPING))
    assert [(i.sku, str(i.unit_price), str(i.total), i.available) for i in priced.items] == [
        ("BOOK", "19.90", "39.80", True)]
    assert (priced.determination.jurisdiction, priced.determination.rule) == ("DE", "eu_domestic")
    assert [(t.key, str(t.net), str(t.tax), str(t.gross)) for t in priced.tax.lines + priced.tax.shipping] == [
        ("BOOK", "37.20", "2.60", "39.80"), ("shipping", "4.58", "0.32", "4.90")]
    assert totals(priced) == ("39.80", "4.90", "2.92", "0", "44.70")
    assert priced.duties.crosses_border is False and priced.seller_vat_id is None
    assert notices(priced) == []


def test_a_us_cart_without_an_address_adds_no_tax_yet_and_says_so():
    priced = price_cart(cart(US, book(2, price="14.99"), shipping_method=ShippingChoice(D("5.99"))))
    assert priced.determination is None and priced.duties is None
    assert priced.tax.tax_lines == ()
    assert totals(priced) == ("29.98", "5.99", "0.00", "0", "35.97")
    assert notices(priced) == ["tax_at_address"]


def test_a_tax_inclusive_cart_without_an_address_shows_the_markets_own_vat():
    priced = price_cart(cart(DE, bag(), tax_rates=DE_VAT))
    assert [(x.name, str(x.rate), str(x.amount)) for x in priced.tax.tax_lines] == [("VAT", "19", "14.21")]
    assert totals(priced) == ("89.00", "0", "14.21", "0", "89.00")
    assert notices(priced) == []


def test_an_eu_business_buyer_gets_the_reverse_charge_and_pays_the_net_price():
    priced = price_cart(cart(EU, bag(), tax_rates=IT_VAT, destination=Destination("IT"), origin_country="DE",
                             vat_id="IT00743110157", seller_vat_id="DE136695976",
                             shipping_method=ShippingChoice(D("4.90"))))
    d = priced.determination
    assert (d.jurisdiction, d.rule, d.zero_rated, d.buyer_vat_id) == ("IT", "eu_reverse_charge", True, "IT00743110157")
    assert priced.seller_vat_id == "DE136695976"
    # 89.00 / 1.22 = 72.95, 4.90 / 1.22 = 4.02: the Italian VAT comes out, none is added
    assert totals(priced) == ("72.95", "4.02", "0.00", "0", "76.97")
    assert priced.tax.tax_lines == ()
    assert notices(priced) == ["reverse_charge"]


def test_an_invalid_buyer_vat_number_is_refused():
    with pytest.raises(InvalidVatId):
        price_cart(cart(EU, bag(), tax_rates=IT_VAT, destination=Destination("IT"), origin_country="DE",
                        vat_id="IT00743110158"))


def test_ddp_above_the_threshold_charges_the_duties_at_checkout():
    # Canada: CAD 150 threshold; 2 x 129.00 = 258.00 of backpacks, HS 42 at the default 6 %
    priced = price_cart(cart(CA, bag(2, price="129.00"), tax_rates=QC, destination=Destination("CA", "QC"),
                             origin_country="US", shipping_method=ShippingChoice(D("12.00"))))
    a = priced.duties
    assert (a.crosses_border, a.rule, a.incoterm, str(a.duties), str(a.charged)) == (
        True, "ca_above_threshold_ad_valorem", "DDP", "15.48", "15.48")
    assert [(x.name, str(x.rate), str(x.amount)) for x in priced.tax.tax_lines] == [
        ("GST", "5", "13.50"), ("QST", "9.975", "26.93")]
    assert totals(priced) == ("258.00", "12.00", "40.43", "15.48", "325.91")
    assert notices(priced) == []


def test_ddp_below_the_threshold_charges_no_duties():
    priced = price_cart(cart(CA, bag(1, price="129.00"), tax_rates=QC, destination=Destination("CA", "QC"),
                             origin_country="US"))
    assert (priced.duties.rule, str(priced.duties.charged)) == ("ca_below_threshold_none", "0")
    assert totals(priced) == ("129.00", "0", "19.32", "0", "148.32")


def test_dap_with_import_vat_at_the_border_charges_neither_vat_nor_duties():
    # Switzerland, DAP: 2 x CHF 94.90 from Germany is above CHF 62 of goods
    priced = price_cart(cart(CH, bag(2, price="94.90"), tax_rates=CH_VAT, destination=Destination("CH"),
                             origin_country="DE", seller_vat_id="DE136695976",
                             shipping_method=ShippingChoice(D("9.00"))))
    a = priced.duties
    assert (a.rule, a.incoterm, a.vat_at_border, str(a.charged)) == ("ch_above_threshold_ad_valorem", "DAP", True, "0")
    d = priced.determination
    assert (d.jurisdiction, d.rule, d.zero_rated) == ("CH", "import_vat_on_delivery", True)
    # the net of 189.80 and 9.00 at 8.1 %: what the shopper pays; the VAT is due on delivery
    assert totals(priced) == ("175.58", "8.33", "0.00", "0", "183.91")
    assert priced.seller_vat_id == "DE136695976"
    assert notices(priced) == ["duties_due_on_delivery"]
    # ...and the destination's own taxes stay known (the merchant's tax preview shows them)
    at_destination = priced.taxed_at_destination
    assert at_destination.determination.rule == "ch_vat"
    assert [(x.name, str(x.rate), str(x.amount)) for x in at_destination.result.tax_lines] == [
        ("MWST", "8.1", "14.89")]


def test_dap_below_the_threshold_charges_the_swiss_vat():
    priced = price_cart(cart(CH, bag(1, price="49.90"), tax_rates=CH_VAT, destination=Destination("CH"),
                             origin_country="DE"))
    assert (priced.duties.rule, priced.duties.vat_at_border) == ("ch_below_threshold_none", False)
    assert priced.determination.rule == "ch_vat"
    assert totals(priced) == ("49.90", "0", "3.74", "0", "49.90")
    assert notices(priced) == []


def test_free_shipping_from_the_threshold_says_so():
    priced = price_cart(cart(DE, book(3), tax_rates=DE_VAT, destination=Destination("DE"), origin_country="DE",
                             shipping_method=STANDARD_SHIPPING))
    assert priced.shipping == 0
    assert totals(priced) == ("59.70", "0", "3.91", "0", "59.70")
    assert notices(priced) == ["free_shipping"]


def test_a_method_that_is_always_free_is_no_news():
    priced = price_cart(cart(DE, book(3), tax_rates=DE_VAT, shipping_method=ShippingChoice(D("0"), D("50.00"))))
    assert notices(priced) == []


def test_unavailable_lines_are_shown_but_not_charged():
    priced = price_cart(cart(DE, book(2, free=1), bag(1), tax_rates=DE_VAT, destination=Destination("DE"),
                             origin_country="DE", shipping_method=STANDARD_SHIPPING))
    assert [(i.sku, str(i.total), i.available) for i in priced.items] == [("BOOK", "39.80", False),
                                                                         ("BAG", "89.00", True)]
    assert [t.key for t in priced.tax.lines] == ["BAG"]
    assert priced.goods == D("89.00")
    assert totals(priced) == ("89.00", "0", "14.21", "0", "89.00")  # 89.00 >= 50.00: free shipping
    unpriced = price_cart(cart(DE, book(1, price=None), tax_rates=DE_VAT))
    assert [(str(i.unit_price), str(i.total), i.available) for i in unpriced.items] == [("0", "0", False)]
    assert totals(unpriced) == ("0", "0", "0.00", "0", "0")


def test_stock_is_not_checked_when_unknown():
    priced = price_cart(cart(DE, book(5, free=None), tax_rates=DE_VAT))
    assert priced.items[0].available and priced.goods == D("99.50")


def test_a_fixed_shipping_amount_replaces_the_method():
    priced = price_cart(cart(DE, book(3), tax_rates=DE_VAT, destination=Destination("DE"), origin_country="DE",
                             shipping_method=STANDARD_SHIPPING, shipping_amount=D("7.00")))
    assert totals(priced) == ("59.70", "7.00", "4.37", "0", "66.70")
    assert notices(priced) == []


# USD market selling into Great Britain: the GBP 135 threshold, 1 EUR = 1.10 USD = 0.85 GBP
USD_GBP = FxRates("EUR", {"USD": D("1.10"), "GBP": D("0.85")})


def gb_order(amount, fx):
    return cart(US, bag(1, price=amount), tax_rates=GB_VAT, destination=Destination("GB"), origin_country="US", fx=fx)


def test_thresholds_are_compared_in_the_regimes_currency():
    below = price_cart(gb_order("150.00", USD_GBP))  # USD 150.00 = GBP 115.91
    assert (below.duties.rule, str(below.duties.charged)) == ("gb_below_threshold_none", "0")
    above = price_cart(gb_order("200.00", USD_GBP))  # USD 200.00 = GBP 154.55; HS 42: 4 %
    assert (above.duties.rule, str(above.duties.charged)) == ("gb_above_threshold_ad_valorem", "8.00")
    assert totals(above) == ("200.00", "0", "40.00", "8.00", "248.00")


def test_a_missing_fx_rate_is_an_error_not_a_one_to_one_rate():
    with pytest.raises(FxRateMissing) as raised:
        price_cart(gb_order("150.00", FxRates("EUR", {"USD": D("1.10")})))
    error = raised.value
    assert (error.code, error.http_status, error.params, error.details) == (
        "fx_rate_missing", 503, {"currency": "GBP"}, {"currency": "GBP", "base": "EUR"})
    with pytest.raises(FxRateMissing):
        price_cart(gb_order("150.00", FxRates("EUR", {"GBP": D("0.85")})))


def test_flat_duties_are_converted_into_the_order_currency():
    # EU from 2026-07-01: EUR 3 per tariff subheading below EUR 150, here in a USD order
    inputs = cart(US, bag(1, price="50.00"), tax_rates=IT_VAT, destination=Destination("IT"), origin_country="US",
                  fx=USD_GBP)
    priced = price_cart(inputs)
    assert (priced.duties.rule, str(priced.duties.charged)) == ("eu_below_threshold_flat_per_category", "3.30")


def test_no_rate_is_needed_within_a_customs_union_or_in_the_markets_own_currency():
    assert fx_currencies("EUR", "DE", "IT", ON) == frozenset()
    assert fx_currencies("CHF", "DE", "CH", ON) == frozenset()
    assert fx_currencies("USD", "US", "GB", ON) == {"USD", "GBP"}
    assert fx_currencies("EUR", "", "GB", ON) == frozenset()
    # the Swiss cart prices without any rate stored
    priced = price_cart(cart(CH, bag(1, price="49.90"), tax_rates=CH_VAT, destination=Destination("CH"),
                             origin_country="DE", fx=FxRates("EUR")))
    assert priced.duties.crosses_border is True


def test_fx_rates_convert_through_the_base_currency():
    assert USD_GBP.convert(D("110.00"), "USD", "EUR") == D("100")
    assert USD_GBP.convert(D("100"), "EUR", "GBP") == D("85.00")
    assert USD_GBP.convert(D("12.34"), "GBP", "GBP") == D("12.34")
