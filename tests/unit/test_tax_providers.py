"""The tax-provider seam (storefront.tax.providers): a provider's per-line
breakdown as the project's components, and a cart priced with them (the
calculation's invariants, one rounding)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from storefront.checkout.fetch import provided_taxes
from storefront.checkout.pricing import CartInputs, FxRates, LineInfo, MarketTerms, ShippingChoice, price_cart
from storefront.tax.calculation import TaxComponent
from storefront.tax.providers import (
    LOCAL_TAX,
    STATE_TAX,
    JurisdictionTax,
    ProviderResult,
    provider_tax_code,
    shipping_taxed,
    to_components,
    untaxed_part,
)
from storefront.tax.rules import Destination

D = Decimal
SEATTLE = (
    JurisdictionTax("state", "WASHINGTON", D("6.5"), D("6.50"), D("100.00")),
    JurisdictionTax("city", "SEATTLE", D("2.45"), D("2.45"), D("100.00")),
    JurisdictionTax("district", "REGIONAL TRANSIT AUTHORITY", D("1.4"), D("1.40"), D("100.00")),
)


def test_state_and_summed_local_levels():
    assert to_components(SEATTLE, "US-WA") == (
        TaxComponent(STATE_TAX, D("6.5"), "US-WA"),
        TaxComponent(LOCAL_TAX, D("3.85"), "US-WA (SEATTLE, REGIONAL TRANSIT AUTHORITY)"),
    )


def test_county_city_district_and_multiple_are_local():
    taxes = (JurisdictionTax("state", "CALIFORNIA", D("7.25"), D(0), D(10)),
             JurisdictionTax("county", "LOS ANGELES", D("0.25"), D(0), D(10)),
             JurisdictionTax("district", "LA COUNTY DISTRICTS", D("2.25"), D(0), D(10)),
             JurisdictionTax("multiple", "SPECIAL", D("0.25"), D(0), D(10)))
    state, local = to_components(taxes, "US-CA")
    assert (state.rate, local.rate) == (D("7.25"), D("2.75"))  # LA: 10.00 combined (Stripe's breakdown)


def test_exempt_lines_have_no_components_and_are_untaxed():
    exempt = tuple(JurisdictionTax(t.level, t.name, D(0), D(0), D(0)) for t in SEATTLE)
    assert to_components(exempt, "US-WA") == ()
    assert untaxed_part(exempt, D("10.00")) == D("10.00")
    assert untaxed_part(SEATTLE, D("100.00")) == 0
    partial = (JurisdictionTax("state", "MASSACHUSETTS", D("6.25"), D("1.56"), D("25.00")),)
    assert untaxed_part(partial, D("200.00")) == D("175.00")  # MA clothing: the first USD 175 untaxed


def test_shipping_taxed_as_the_provider_says():
    untaxed = (JurisdictionTax("state", "CALIFORNIA", D(0), D(0), D(0)),)
    assert not shipping_taxed(ProviderResult("stripe", "taxcalc_1", {}, untaxed, D("5.00")))
    assert shipping_taxed(ProviderResult("stripe", "taxcalc_1", {}, SEATTLE, D("5.00")))
    assert shipping_taxed(ProviderResult("stripe", "taxcalc_1", {}, (), D(0)))


def test_stripe_codes_for_lines():
    assert provider_tax_code("txcd_30011000", "standard") == "txcd_30011000"
    assert provider_tax_code(None, "standard") == "txcd_99999999"


class Provider:
    name = "stripe"

    def __init__(self):
        self.requests = []

    def applies_to(self, country):
        return country == "US"

    def calculate(self, request):
        self.requests.append(request)
        return ProviderResult("stripe", "taxcalc_test", {line.key: SEATTLE for line in request.lines}, SEATTLE,
                              request.shipping)


def _inputs():
    lines = (LineInfo(1, "A", "a", "A", 3, D("33.33"), 10, "standard", tax_code="txcd_30011000"),
             LineInfo(2, "B", "b", "B", 1, D("0.99"), 10, "standard"))
    return CartInputs(MarketTerms("US", "USD", False), lines, date(2026, 12, 1), FxRates("USD"),
                      {"standard": (TaxComponent(STATE_TAX, D("6.5"), "US-WA"),)}, Destination("US", "WA"), "US",
                      shipping_method=ShippingChoice(D("7.77")))


def test_a_cart_priced_with_provider_rates_keeps_the_invariants():
    provider = Provider()
    inputs = provided_taxes(_inputs(), provider, {"country": "US", "region": "WA", "postal_code": "98101"})
    assert inputs.tax_provider == "stripe" and inputs.tax_calculation_id == "taxcalc_test"
    assert provider.requests[0].shipping == D("7.77")
    priced = price_cart(inputs)
    tax = priced.tax
    for line in tax.lines + tax.shipping:
        assert line.gross == line.net + line.tax == line.net + sum(t.amount for t in line.taxes)
        for t in line.taxes:  # each component rounded once, on the line
            assert t.amount == (line.net * t.rate / 100).quantize(D("0.01"), rounding="ROUND_HALF_UP")
    assert sum(x.amount for x in tax.tax_lines) == tax.tax_total
    assert [(x.name, x.rate) for x in tax.tax_lines] == [(LOCAL_TAX, D("3.85")), (STATE_TAX, D("6.5"))]
    assert tax.net_total == D("99.99") + D("0.99") + D("7.77")
    assert "tax_estimate" not in [n.code for n in priced.notices]
    assert priced.tax_calculation_id == "taxcalc_test"


def test_builtin_for_the_us_is_an_estimate():
    inputs = provided_taxes(_inputs(), None, {"country": "US", "region": "WA"})
    priced = price_cart(inputs)
    assert [(x.name, x.rate) for x in priced.tax.tax_lines] == [(STATE_TAX, D("6.5"))]
    assert "tax_estimate" in [n.code for n in priced.notices] and priced.tax_provider == "builtin"
