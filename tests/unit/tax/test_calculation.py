from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.money import charge_unit
from storefront.tax.calculation import LineInput, TaxComponent, allocate, calculate

D = Decimal
QC = (TaxComponent("GST", D("5"), "CA-QC"), TaxComponent("QST", D("9.975"), "CA-QC"))
ON = (TaxComponent("HST", D("13"), "CA-ON"),)
US_CA = (TaxComponent("Sales tax", D("7.25"), "US-CA"),)
IT = (TaxComponent("VAT", D("22"), "IT"),)
IT_BOOKS = (TaxComponent("VAT", D("4"), "IT"),)
DE = (TaxComponent("VAT", D("19"), "DE"),)
JP = (TaxComponent("JCT", D("10"), "JP"),)


def test_quebec_gst_and_qst_are_two_lines():
    result = calculate([LineInput("a", D("33.99"), QC)], currency="CAD", prices_include_tax=False)
    line = result.lines[0]
    assert [(t.name, t.amount) for t in line.taxes] == [("GST", D("1.70")), ("QST", D("3.39"))]
    assert (line.net, line.tax, line.gross) == (D("33.99"), D("5.09"), D("39.08"))
    assert [(t.name, t.rate, t.amount) for t in result.tax_lines] == [("GST", D("5"), D("1.70")), ("QST", D("9.975"), D("3.39"))]


def test_per_order_rounding_differs_from_per_line_and_both_add_up():
    lines = [LineInput(str(i), D("0.10"), US_CA) for i in range(7)]  # 0.00725 each
    by_line = calculate(lines, currency="USD", prices_include_tax=False, rounding="line")
    by_order = calculate(lines, currency="USD", prices_include_tax=False, rounding="order")
    assert by_line.tax_total == D("0.07")  # 7 x round(0.00725) = 7 x 0.01
    assert by_order.tax_total == D("0.05")  # round(0.70 x 7.25 %) = round(0.05075)
    for result in (by_line, by_order):
        assert sum(line.tax for line in result.lines) == result.tax_total
        assert sum(t.amount for t in result.tax_lines) == result.tax_total


def test_inclusive_prices_keep_the_gross():
    result = calculate([LineInput("bag", D("89.00"), IT), LineInput("book", D("19.90"), IT_BOOKS)],
                       currency="EUR", prices_include_tax=True)
    assert [line.gross for line in result.lines] == [D("89.00"), D("19.90")]
    assert [line.net for line in result.lines] == [D("72.95"), D("19.13")]
    assert [(t.rate, t.amount) for t in result.tax_lines] == [(D("4"), D("0.77")), (D("22"), D("16.05"))]
    assert result.gross_total == D("108.90")


def test_shipping_follows_the_rates_of_the_goods_in_proportion():
    result = calculate([LineInput("bag", D("80.00"), IT), LineInput("book", D("20.00"), IT_BOOKS)],
                       currency="EUR", prices_include_tax=True, shipping=D("5.00"))
    shipping = {s.taxes[0].rate: s for s in result.shipping}
    assert shipping[D("22")].gross == D("4.00") and shipping[D("4")].gross == D("1.00")
    assert result.gross_total == D("105.00")
    single = calculate([LineInput("x", D("10.00"), DE)], currency="EUR", prices_include_tax=True, shipping=D("4.90"))
    assert len(single.shipping) == 1 and single.shipping[0].taxes[0].rate == D("19")
    assert single.shipping[0].tax == D("0.78")


def test_zero_decimal_and_three_decimal_currencies():
    jp = calculate([LineInput("tea", D("1380"), JP)], currency="JPY", prices_include_tax=True)
    assert (jp.lines[0].net, jp.lines[0].tax) == (D("1255"), D("125"))
    kw = calculate([LineInput("tea", D("2.750"), ())], currency="KWD", prices_include_tax=True)
    assert (kw.tax_total, kw.gross_total) == (D("0"), D("2.750"))


def test_reverse_charge_lines_have_no_tax():
    result = calculate([LineInput("a", D("72.95"), ())], currency="EUR", prices_include_tax=False, shipping=D("4.02"))
    assert result.tax_total == 0 and result.tax_lines == () and result.gross_total == D("76.97")


@pytest.mark.parametrize(
    "total, weights, parts",
    [("1.00", ["1", "1", "1"], ["0.34", "0.33", "0.33"]), ("0.05", ["3", "1"], ["0.04", "0.01"]),
     ("10.00", ["0", "0"], ["10.00", "0.00"]), ("0.01", ["1", "1"], ["0.01", "0.00"])],
)
def test_allocate_by_largest_remainder(total, weights, parts):
    assert allocate(D(total), [D(w) for w in weights], "EUR") == [D(p) for p in parts]


def test_bad_input():
    with pytest.raises(ValueError):
        calculate([LineInput("a", D("1.005"), DE)], currency="EUR", prices_include_tax=True)
    with pytest.raises(ValueError):
        calculate([], currency="EUR", prices_include_tax=True, rounding="invoice")


CURRENCIES = ["EUR", "JPY", "KWD", "CAD", "USD", "CHF"]
COMPONENT_SETS = [DE, IT, IT_BOOKS, QC, ON, US_CA, JP, (), (TaxComponent("VAT", D("8.1"), "CH"),)]


@st.composite
def orders(draw):
    currency = draw(st.sampled_from(CURRENCIES))
    unit = charge_unit(currency)  # inputs and outputs are chargeable (KWD 0.010)
    lines = [
        LineInput(str(i), draw(st.integers(0, 10**7)) * unit, draw(st.sampled_from(COMPONENT_SETS)))
        for i in range(draw(st.integers(1, 8)))
    ]
    shipping = draw(st.integers(0, 10**5)) * unit
    return currency, lines, shipping


@given(order=orders(), included=st.booleans(), rounding=st.sampled_from(["line", "order"]))
def test_invariants(order, included, rounding):
    currency, lines, shipping = order
    result = calculate(lines, currency=currency, prices_include_tax=included, rounding=rounding, shipping=shipping)
    unit = charge_unit(currency)  # inputs and outputs are chargeable (KWD 0.010)
    everything = result.lines + result.shipping
    for line in everything:
        assert line.gross == line.net + line.tax
        assert line.tax == sum((t.amount for t in line.taxes), D(0))
        for value in (line.net, line.tax, line.gross):
            assert value % unit == 0
    if included:  # inclusive tax never changes the gross a shopper saw
        assert [line.gross for line in result.lines] == [line.amount for line in lines]
        assert sum(s.gross for s in result.shipping) == shipping
    else:
        assert [line.net for line in result.lines] == [line.amount for line in lines]
    assert sum(line.gross for line in everything) == result.gross_total
    assert result.net_total + result.tax_total == result.gross_total
    assert sum(t.amount for t in result.tax_lines) == result.tax_total


@st.composite
def orders_with_untaxed_parts(draw):
    currency, lines, shipping = draw(orders())
    unit = charge_unit(currency)
    lines = [LineInput(line.key, line.amount, line.components,
                       draw(st.integers(0, int(line.amount / unit))) * unit) for line in lines]
    return currency, lines, shipping


@given(order=orders_with_untaxed_parts(), included=st.booleans(), rounding=st.sampled_from(["line", "order"]),
       shipping_taxable=st.booleans())
def test_invariants_with_untaxed_parts_and_untaxed_shipping(order, included, rounding, shipping_taxable):
    """MA/RI thresholds (an untaxed part per line) and CA/ME shipping: lines still add up, one per input."""
    currency, lines, shipping = order
    result = calculate(lines, currency=currency, prices_include_tax=included, rounding=rounding, shipping=shipping,
                       shipping_taxable=shipping_taxable)
    assert [line.key for line in result.lines] == [line.key for line in lines]
    for line, given_line in zip(result.lines, lines):
        assert line.gross == line.net + line.tax
        assert (line.gross if included else line.net) == given_line.amount
        assert line.tax == sum((t.amount for t in line.taxes), D(0))
        full = calculate([LineInput("x", given_line.amount - given_line.untaxed, given_line.components)],
                         currency=currency, prices_include_tax=included)
        if rounding == "line":
            assert line.tax == full.tax_total  # only the taxed part is taxed
    if not shipping_taxable:
        assert all(s.tax == 0 for s in result.shipping)
    assert sum((s.gross if included else s.net) for s in result.shipping) == shipping
    everything = result.lines + result.shipping
    assert sum(line.gross for line in everything) == result.gross_total
    assert result.net_total + result.tax_total == result.gross_total
    assert sum(t.amount for t in result.tax_lines) == result.tax_total


def test_japan_per_order_rounding_differs_from_per_line():
    """Qualified invoices (適格請求書): one rounding per tax rate per invoice
    (消費税法施行令 Art. 70-10; NTA インボイス制度 Q&A on 端数処理, 2023). Two
    different items at JPY 1,380 incl. 10 %: per line 125 + 125 = 250; per
    order 2,760 x 10/110 = 250.9 -> 251 (net 2,509.09 -> 2,509)."""
    lines = [LineInput("tea", D("1380"), JP), LineInput("cup", D("1380"), JP)]
    per_line = calculate(lines, currency="JPY", prices_include_tax=True, rounding="line")
    per_order = calculate(lines, currency="JPY", prices_include_tax=True, rounding="order")
    assert per_line.tax_total == D("250")
    assert per_order.tax_total == D("251") and [t.amount for t in per_order.tax_lines] == [D("251")]
    assert sum(line.tax for line in per_order.lines) == D("251")  # allocated back: 126 + 125
    assert per_order.gross_total == per_line.gross_total == D("2760")


def test_three_decimal_taxes_are_rounded_to_whole_tens_of_fils():
    """Stripe charges KWD, BHD, JOD, OMR and TND only with a last digit 0
    (https://docs.stripe.com/currencies, three-decimal currencies): 10 % VAT
    (Bahrain's rate since 2022-01-01) on BHD 1.250 is 0.125 -> 0.130 (before:
    0.125, a total Stripe refuses)."""
    bh = (TaxComponent("VAT", D("10"), "BH"),)
    result = calculate([LineInput("tea", D("1.250"), bh)], currency="BHD", prices_include_tax=False,
                       shipping=D("0.010"))
    assert [line.tax for line in result.lines] == [D("0.130")] and result.gross_total == D("1.390")
    assert all(x % D("0.010") == 0 for x in (result.tax_total, result.gross_total, result.net_total))


def test_amounts_that_cannot_be_charged_are_refused():
    with pytest.raises(ValueError):
        calculate([LineInput("tea", D("1.255"), ())], currency="KWD", prices_include_tax=True)
    with pytest.raises(ValueError):
        calculate([LineInput("tea", D("1.250"), ())], currency="KWD", prices_include_tax=True, shipping=D("0.005"))
