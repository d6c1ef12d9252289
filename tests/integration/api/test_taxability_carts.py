"""Taxability by product tax code through the cart API: the demo catalog's
codes (chocolate: candy, sweaters: clothing, books) and each destination's law
(storefront/tax/data/taxability.json)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.functional.shopping import ADDRESSES, admin_api, ready_cart

D = Decimal
CHOCOLATE = "PAN-CHO-72-ECU"  # txcd_40100001 candy and sweets
HONEY = "PAN-HON-PYR-250"  # txcd_40040000 food
HOODIE = "APP-HOD-ORG-GRY-M"  # txcd_30011000 clothing
DOWN_JACKET = "APP-DWN-HD8-BLK-M"  # txcd_30011000 clothing
BOOK = "BOK-PRIDE-PB"  # txcd_35010000 books
MUG = "BAG-HLV-22-BLK"  # a backpack: txcd_99999999 general goods
PLACES = {
    **ADDRESSES,
    "GB": {"email": "amy@example.co.uk", "name": "Amy Smith", "line1": "10 Downing St", "city": "London",
           "postal_code": "SW1A 2AA", "country": "GB"},
    "AU": {"email": "jo@example.com.au", "name": "Jo Brown", "line1": "1 George St", "city": "Sydney",
           "postal_code": "2000", "region": "NSW", "country": "AU"},
    "US-PA": {"email": "pat@example.com", "name": "Pat Kim", "line1": "1 Market St", "city": "Philadelphia",
              "postal_code": "19107", "region": "PA", "country": "US"},
    "US-NY": {"email": "sam@example.com", "name": "Sam Lee", "line1": "1 Broadway", "city": "New York",
              "postal_code": "10004", "region": "NY", "country": "US"},
    "US-NJ": {"email": "kim@example.com", "name": "Kim Park", "line1": "1 Main St", "city": "Newark",
              "postal_code": "07102", "region": "NJ", "country": "US"},
    "US-MN": {"email": "lou@example.com", "name": "Lou Berg", "line1": "1 Nicollet Mall", "city": "Minneapolis",
              "postal_code": "55401", "region": "MN", "country": "US"},
    "US-TX": {"email": "ana@example.com", "name": "Ana Cruz", "line1": "100 Congress Ave", "city": "Austin",
              "postal_code": "78701", "region": "TX", "country": "US"},
    "US-WA": {"email": "sam@example.com", "name": "Sam Lee", "line1": "400 Pine St", "city": "Seattle",
              "postal_code": "98101", "region": "WA", "country": "US"},
    "US-CO": {"email": "ana@example.com", "name": "Ana Cruz", "line1": "200 E Colfax Ave", "city": "Denver",
              "postal_code": "80203", "region": "CO", "country": "US"},
    "US-FL": {"email": "ana@example.com", "name": "Ana Cruz", "line1": "400 S Monroe St", "city": "Tallahassee",
              "postal_code": "32301", "region": "FL", "country": "US"},
    "US-OH": {"email": "ana@example.com", "name": "Ana Cruz", "line1": "1 Capitol Sq", "city": "Columbus",
              "postal_code": "43215", "region": "OH", "country": "US"},
    "IE": {"email": "aoife@example.ie", "name": "Aoife Byrne", "line1": "1 Grafton Street", "city": "Dublin",
           "postal_code": "D02 X285", "country": "IE"},
    "CY": {"email": "eleni@example.cy", "name": "Eleni Georgiou", "line1": "Makariou 1", "city": "Nicosia",
           "postal_code": "1065", "country": "CY"},
}


def money(value):
    return D(value["amount"])


def cart_for(client, market, place, items):
    return ready_cart(client, market, PLACES[place], items)


def rates(cart):
    return [(x["name"], x["rate"]) for x in cart["totals"]["tax_lines"]]


def unit(cart, sku):
    return money(next(i for i in cart["items"] if i["sku"] == sku)["unit_price"])


def percent(amount, rate):
    return (amount * D(rate) / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def included(amount, rate):
    """The tax inside a tax-inclusive amount, per line: gross less the net rounded half up."""
    return amount - (amount * 100 / (100 + D(rate))).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def test_chocolate_is_standard_rated_in_gb(client):
    cart = cart_for(client, "GB", "GB", [(CHOCOLATE, 2)])
    assert rates(cart) == [("VAT", "20")]  # HMRC Notice 701/14: confectionery is standard-rated
    expected = included(unit(cart, CHOCOLATE) * 2, "20") + included(money(cart["totals"]["shipping"]), "20")
    assert money(cart["totals"]["tax"]) == expected


def test_honey_stays_zero_rated_in_gb(client):
    cart = cart_for(client, "GB", "GB", [(HONEY, 1)])
    assert money(cart["totals"]["tax"]) == 0


def test_chocolate_in_quebec_pays_gst_and_qst(client):
    cart = cart_for(client, "CA", "CA-QC", [(CHOCOLATE, 1)])
    assert rates(cart) == [("GST", "5"), ("QST", "9.975")]
    base = unit(cart, CHOCOLATE) + money(cart["totals"]["shipping"])
    taxes = {x["name"]: money(x["amount"]) for x in cart["totals"]["tax_lines"]}
    assert taxes == {"GST": percent(base, "5"), "QST": percent(base, "9.975")}


def test_honey_in_quebec_stays_zero_rated(client):
    cart = cart_for(client, "CA", "CA-QC", [(HONEY, 1)])
    assert money(cart["totals"]["tax"]) == 0


def test_chocolate_in_australia_pays_gst(client):
    cart = cart_for(client, "AU", "AU", [(CHOCOLATE, 1)])
    assert rates(cart) == [("GST", "10")]
    expected = included(unit(cart, CHOCOLATE), "10") + included(money(cart["totals"]["shipping"]), "10")
    assert money(cart["totals"]["tax"]) == expected  # AUD prices include GST


@pytest.mark.parametrize("state", ["US-PA", "US-NJ", "US-MN"])
def test_sweaters_are_exempt_in_pennsylvania_new_jersey_and_minnesota(client, state):
    cart = cart_for(client, "US", state, [(HOODIE, 1), (DOWN_JACKET, 1)])
    assert money(cart["totals"]["tax"]) == 0 and rates(cart) == []


def test_general_goods_stay_taxed_in_pennsylvania(client):
    cart = cart_for(client, "US", "US-PA", [(MUG, 1), (HOODIE, 1)])
    base = unit(cart, MUG) + money(cart["totals"]["shipping"]) * unit(cart, MUG) / (unit(cart, MUG) + unit(cart, HOODIE))
    assert rates(cart) == [("Sales tax", "6")]
    assert abs(money(cart["totals"]["tax"]) - percent(base, "6")) <= D("0.01")


def test_new_york_clothing_under_110_is_exempt_and_from_110_taxed(client):
    under = cart_for(client, "US", "US-NY", [(HOODIE, 1)])
    assert unit(under, HOODIE) < 110
    assert money(under["totals"]["tax"]) == 0
    over = cart_for(client, "US", "US-NY", [(DOWN_JACKET, 1)])
    assert unit(over, DOWN_JACKET) >= 110
    base = unit(over, DOWN_JACKET) + money(over["totals"]["shipping"])
    assert rates(over) == [("Sales tax", "4")] and money(over["totals"]["tax"]) == percent(base, "4")


@pytest.mark.parametrize("state, rate", [("US-NY", "4"), ("US-TX", "6.25")])
def test_chocolate_is_taxed_where_groceries_are_exempt_in_new_york_and_texas(client, state, rate):
    """NY Tax Law 1115(a)(1)(A)(i) (TB-ST-525); Texas Comptroller Publication 96-280: candy is taxable."""
    cart = cart_for(client, "US", state, [(CHOCOLATE, 2)])
    base = unit(cart, CHOCOLATE) * 2 + money(cart["totals"]["shipping"])  # shipping follows the goods
    assert rates(cart) == [("Sales tax", rate)] and money(cart["totals"]["tax"]) == percent(base, rate)
    honey = cart_for(client, "US", state, [(HONEY, 2)])
    assert money(honey["totals"]["tax"]) == 0 and rates(honey) == []  # groceries stay exempt


def test_chocolate_stays_exempt_in_washington(client):
    """RCW 82.08.0293, Initiative 1107 (2010-12-02): candy is exempt food again in WA."""
    cart = cart_for(client, "US", "US-WA", [(CHOCOLATE, 2)])
    assert money(cart["totals"]["tax"]) == 0 and rates(cart) == []


def test_cyprus_books_pay_3_percent(client):
    cart = cart_for(client, "EU", "CY", [(BOOK, 1)])
    assert rates(cart) == [("VAT", "3")]


def test_shipping_to_california_is_not_taxed(client):
    cart = cart_for(client, "US", "US-CA", [(BOOK, 1)])
    assert money(cart["totals"]["shipping"]) > 0  # below the free-shipping threshold
    assert money(cart["totals"]["tax"]) == percent(unit(cart, BOOK), "7.25")  # CCR title 18 § 1628


def test_shipping_to_new_york_follows_the_goods(client):
    cart = cart_for(client, "US", "US-NY", [(BOOK, 1)])
    assert money(cart["totals"]["shipping"]) > 0
    base = unit(cart, BOOK) + money(cart["totals"]["shipping"])
    assert money(cart["totals"]["tax"]) == percent(base, "4")


def test_the_merchant_api_takes_a_tax_code_and_derives_the_category(client):
    product = client.get("/api/v1/admin/products?q=chocolate", headers={"Authorization": "Bearer test-admin-token"})
    item = next(p for p in product.get_json()["items"] if p["key"] == "pantry-dark-chocolate-72-ecuador")
    assert (item["tax_code"], item["tax_category"]) == ("txcd_40100001", "food")
    response, body = admin_api(client, "patch", f"/products/{item['id']}", json={"tax_code": "txcd_30011000"})
    assert response.status_code == 200 and (body["tax_code"], body["tax_category"]) == ("txcd_30011000", "standard")
    response, body = admin_api(client, "patch", f"/products/{item['id']}",
                               json={"tax_code": "txcd_35010000", "tax_category": "food"})
    assert response.status_code == 422 and body["error"]["code"] == "tax_code_category_mismatch"
    assert body["error"]["details"] == {"tax_code": "txcd_35010000", "tax_category": "books"}
    response, body = admin_api(client, "patch", f"/products/{item['id']}", json={"tax_code": "txcd_nope"})
    assert response.status_code == 422
    # a tax category alone that the code does not stand for: back to the category's rates
    response, body = admin_api(client, "patch", f"/products/{item['id']}", json={"tax_category": "food"})
    assert (body["tax_code"], body["tax_category"]) == (None, "food")
    response, body = admin_api(client, "patch", f"/products/{item['id']}", json={"tax_code": "txcd_40100001"})
    assert (body["tax_code"], body["tax_category"]) == ("txcd_40100001", "food")
    response, body = admin_api(client, "patch", f"/products/{item['id']}", json={"tax_category": "food"})
    assert body["tax_code"] == "txcd_40100001"  # the same category keeps the code


def test_the_catalog_shows_chocolate_at_20_percent_in_gb_and_7_in_germany(client):
    gb = client.get("/api/v1/products/72-dark-chocolate-ecuador?market=GB").get_json()
    de = client.get("/api/v1/products/72-dark-chocolate-ecuador?market=DE&locale=en").get_json()
    assert {v["price"]["tax_rate"] for v in gb["variants"]} == {"20.00"}
    assert {v["price"]["tax_rate"] for v in de["variants"]} == {"7.00"}


def test_the_tax_preview_names_each_lines_tax_code(client):
    response, body = admin_api(client, "post", "/tax/preview", json={
        "market": "CA", "address": {"country": "CA", "region": "QC"}, "shipping": "0",
        "items": [{"sku": CHOCOLATE, "quantity": 1}, {"sku": HONEY, "quantity": 1}]})
    assert response.status_code == 200, body
    lines = {line["key"]: line for line in body["lines"]}
    assert lines[CHOCOLATE]["tax_code"] == "txcd_40100001"
    assert [(t["name"], t["rate"]) for t in lines[CHOCOLATE]["taxes"]] == [("GST", "5"), ("QST", "9.975")]
    assert lines[HONEY]["tax_code"] == "txcd_40040000" and lines[HONEY]["taxes"] == []


def test_a_merchant_overrides_the_other_food_rate_of_spain(client):
    def coffee_rate():
        response, body = admin_api(client, "post", "/tax/preview", json={
            "market": "EU", "address": {"country": "ES"}, "shipping": "0",
            "items": [{"sku": "PAN-COF-ETH-250", "quantity": 1}]})
        assert response.status_code == 200, body
        return [t["rate"] for t in body["lines"][0]["taxes"]]

    assert coffee_rate() == ["10"]
    response, body = admin_api(client, "post", "/tax/overrides", json={
        "jurisdiction": "ES", "tax": "VAT", "category": "food_general", "rate": "5", "valid_from": "2020-01-01"})
    assert response.status_code == 201, body
    assert coffee_rate() == ["5"]


@pytest.mark.parametrize("state, rate", [("US-CO", "2.9"), ("US-FL", "6")])
def test_chocolate_is_taxed_in_colorado_and_florida_not_in_ohio(client, state, rate):
    """Colorado DOR (no longer exempt from 2010-05-01); Florida TIP 00A01-05 (s. 212.08(1) does not extend to candy)."""
    cart = cart_for(client, "US", state, [(CHOCOLATE, 2)])
    base = unit(cart, CHOCOLATE) * 2 + money(cart["totals"]["shipping"])
    assert rates(cart) == [("Sales tax", rate)] and money(cart["totals"]["tax"]) == percent(base, rate)
    ohio = cart_for(client, "US", "US-OH", [(CHOCOLATE, 2)])  # Ohio: candy is food, soft drinks are not
    assert money(ohio["totals"]["tax"]) == 0


def test_honey_pays_10_percent_in_italy_and_chocolate_23_in_ireland(client):
    """D.P.R. 633/1972 Tabella A parte III (honey 10 %); Revenue: confectionery at the standard 23 % in Ireland."""
    honey = cart_for(client, "EU", "IT", [(HONEY, 1)])
    assert [rate for _, rate in rates(honey)] == ["10"]
    chocolate = cart_for(client, "EU", "IE", [(CHOCOLATE, 1)])
    assert [rate for _, rate in rates(chocolate)] == ["23"]
    honey_ie = cart_for(client, "EU", "IE", [(HONEY, 1)])
    assert money(honey_ie["totals"]["tax"]) == 0
