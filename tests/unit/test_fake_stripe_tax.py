"""The fake Stripe Tax of make run-local-payments and the tests
(storefront/devtools/fake_stripe_tax.py): its rates are the cited figures,
and it applies the state taxability the project's data says (issue 13)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from storefront.devtools.fake_stripe_tax import RATES, SOURCES, FakeStripeTax, combined_rate

D = Decimal


@pytest.fixture
def fake():
    server = FakeStripeTax()  # bound, not serving: calculate() is called directly
    yield server
    server.server.server_close()


@pytest.mark.parametrize("zip_code, state, combined", [
    ("98101", "WA", "10.35"),  # WA DOR: Seattle 1726, state .065 + local .0385
    ("90012", "CA", "9.75"),  # CDTFA: City of Los Angeles from 2025-04-01 (9.5 before Measure A)
    ("60601", "IL", "10.25"),  # IDOR: 6.25 + Cook 1.75 + Chicago 1.25 + RTA 1.0
    ("10001", "NY", "8.875"),  # NY DTF Pub 718: 4 + NYC 4.5 + MCTD 0.375
])
def test_the_combined_rates_are_the_cited_figures(zip_code, state, combined):
    assert combined_rate(zip_code) == D(combined)
    assert RATES[zip_code]["state"] == state and RATES[zip_code]["source"] in SOURCES and RATES[zip_code]["as_of"]


def body(state, zip_code, *codes, shipping=None):
    lines = {f"line_items[{i}][{k}]": v for i, code in enumerate(codes)
             for k, v in (("amount", "10000"), ("quantity", "1"), ("reference", f"SKU{i}"), ("tax_code", code))}
    from storefront.devtools.fake_stripe_tax import nested

    pairs = [("currency", "usd"), ("customer_details[address][country]", "US"),
             ("customer_details[address][state]", state), ("customer_details[address][postal_code]", zip_code),
             *lines.items()]
    if shipping:
        pairs += [("shipping_cost[amount]", str(shipping))]
    return nested(pairs)


def taxes(answer):
    return [item["amount_tax"] for item in answer["line_items"]["data"]]


def test_seattle_taxes_goods_and_soft_drinks_not_groceries_or_candy(fake):
    status, answer = fake.calculate(body("WA", "98101", "txcd_99999999", "txcd_40040000",
                                                    "txcd_40100001", "txcd_41040002", "txcd_00000000"))
    assert status == 200
    assert taxes(answer) == [1035, 0, 0, 1035, 0]  # 10.35 % of USD 100; WA exempts food and candy, not soft drinks
    levels = [(e["jurisdiction"]["level"], e["tax_rate_details"]["percentage_decimal"])
              for e in answer["line_items"]["data"][0]["tax_breakdown"]]
    assert levels == [("state", "6.5"), ("city", "2.45"), ("district", "1.4")]


def test_new_york_city_taxes_candy_and_los_angeles_leaves_shipping_untaxed(fake):
    _, ny = fake.calculate(body("NY", "10001", "txcd_40100001", "txcd_40040000"))
    assert taxes(ny) == [888, 0]  # 8.875 % of USD 100 per level, rounded half up: 400 + 450 + 38
    _, la = fake.calculate(body("CA", "90012", "txcd_99999999", shipping=1000))
    assert taxes(la) == [975] and la["shipping_cost"]["amount_tax"] == 0


def test_another_state_gets_its_base_rate_and_an_unknown_one_is_refused(fake):
    status, fl = fake.calculate(body("FL", "33101", "txcd_99999999"))
    assert status == 200 and taxes(fl) == [600]  # FL 6 %, from rates.json
    status, answer = fake.calculate(body("ZZ", "00000", "txcd_99999999"))
    assert status == 400 and answer["error"]["code"] == "customer_tax_location_invalid"
