"""The tax engine through the merchant API: rates in force on a date, and the
tax of an order by destination (QC, CA, IT, reverse charge, dated changes)."""
from __future__ import annotations

from decimal import Decimal

import pytest

AUTH = {"Authorization": "Bearer test-admin-token"}
D = Decimal
BAG = "BAG-HLV-22-BLK"  # standard rate
BOOK = "BOK-PRIDE-PB"  # books


def preview(client, **body):
    headers = {**AUTH, **body.pop("headers", {})}
    response = client.post("/api/v1/admin/tax/preview", json=body, headers=headers)
    return response, response.get_json()


def money(value):
    return D(value["amount"])


def check_totals(body):
    lines = body["lines"] + body["shipping"]
    assert sum(money(l["gross"]) for l in lines) == money(body["totals"]["gross"])
    assert money(body["totals"]["net"]) + money(body["totals"]["tax"]) == money(body["totals"]["gross"])
    assert sum(money(t["amount"]) for t in body["tax_lines"]) == money(body["totals"]["tax"])
    for line in lines:
        assert money(line["net"]) + money(line["tax"]) == money(line["gross"])


def test_quebec_cart_has_gst_and_qst(client):
    response, body = preview(client, market="CA", address={"country": "CA", "region": "QC"},
                             items=[{"sku": BAG, "quantity": 2}], shipping="9.99")
    assert response.status_code == 200, body
    assert (body["jurisdiction"], body["rule"]) == ("CA-QC", "ca_gst_provincial")
    assert {(t["name"], t["rate"]) for t in body["tax_lines"]} == {("GST", "5"), ("QST", "9.975")}
    net = money(body["totals"]["net"])
    gst = next(money(t["amount"]) for t in body["tax_lines"] if t["name"] == "GST")
    assert gst == (net * D("0.05")).quantize(D("0.01"))
    check_totals(body)


def test_california_cart_has_state_sales_tax_on_net_prices(client):
    response, body = preview(client, market="US", address={"country": "US", "region": "CA"},
                             items=[{"sku": BAG, "quantity": 1}, {"sku": BOOK, "quantity": 3}])
    assert response.status_code == 200, body
    assert body["jurisdiction"] == "US-CA"
    assert [(t["name"], t["rate"]) for t in body["tax_lines"]] == [("Sales tax", "7.25")]
    check_totals(body)
    response, oregon = preview(client, market="US", address={"country": "US", "region": "OR"},
                               items=[{"sku": BAG, "quantity": 1}])
    assert oregon["tax_lines"] == [] and oregon["totals"]["tax"]["amount"] == "0.00"


def test_italian_cart_is_taxed_at_italian_rates_with_shelf_prices_unchanged(client):
    shelf = client.get("/api/v1/products/pride-and-prejudice-illustrated-edition?market=EU").get_json()
    book_price = next(v for v in shelf["variants"] if v["sku"] == BOOK)["price"]["gross"]["amount"]
    response, body = preview(client, market="EU", address={"country": "IT"},
                             items=[{"sku": BAG, "quantity": 1}, {"sku": BOOK, "quantity": 1}], shipping="4.90")
    assert response.status_code == 200, body
    assert (body["jurisdiction"], body["rule"], body["origin_country"]) == ("IT", "eu_oss_destination", "DE")
    assert {t["rate"] for t in body["tax_lines"]} == {"22", "4"}
    book = next(l for l in body["lines"] if l["key"] == BOOK)
    assert book["gross"]["amount"] == book_price  # inclusive: the gross the shopper saw
    assert len(body["shipping"]) == 2  # split over the 22 % and 4 % goods
    check_totals(body)


def test_eu_business_with_a_valid_vat_id_gets_the_reverse_charge(client):
    response, b2c = preview(client, market="EU", address={"country": "IT"}, items=[{"sku": BAG, "quantity": 1}])
    response, body = preview(client, market="EU", address={"country": "IT"}, items=[{"sku": BAG, "quantity": 1}],
                             vat_id="IT 00743110157", headers={"Accept-Language": "it"})
    assert response.status_code == 200, body
    assert body["rule"] == "eu_reverse_charge"
    assert body["totals"]["tax"]["amount"] == "0.00"
    assert body["totals"]["gross"]["amount"] == body["totals"]["net"]["amount"] == b2c["totals"]["net"]["amount"]
    assert body["buyer_vat_id"] == "IT00743110157" and body["seller_vat_id"] == "DE136695976"
    assert body["notices"][0]["code"] == "reverse_charge" and "VAT" not in body["notices"][0]["message"]


def test_same_country_business_pays_vat(client):
    response, body = preview(client, market="DE", address={"country": "DE"}, items=[{"sku": BAG, "quantity": 1}],
                             vat_id="DE136695976")
    assert body["rule"] == "eu_domestic_b2b" and body["tax_lines"][0]["rate"] == "19"
    assert body["buyer_vat_id"] == "DE136695976"


def test_invalid_vat_id_is_422_with_a_translated_message(client):
    response, body = preview(client, market="EU", address={"country": "IT"}, items=[{"sku": BAG, "quantity": 1}],
                             vat_id="DE123456789", headers={"Accept-Language": "de"})
    assert response.status_code == 422
    assert body["error"]["code"] == "invalid_vat_id"
    assert "DE123456789" in body["error"]["message"] and "not a valid" not in body["error"]["message"]


def test_region_is_required_for_us_and_canada(client):
    response, body = preview(client, market="US", address={"country": "US"}, items=[{"sku": BAG, "quantity": 1}])
    assert response.status_code == 422 and body["error"]["code"] == "region_required"


@pytest.mark.parametrize(
    "market, address, day, rate",
    [
        ("EU", {"country": "FI"}, "2024-08-31", "24"),
        ("EU", {"country": "FI"}, "2024-09-01", "25.5"),
        ("CA", {"country": "CA", "region": "NS"}, "2025-03-31", "15"),
        ("CA", {"country": "CA", "region": "NS"}, "2025-04-01", "14"),
        ("CH", {"country": "CH"}, "2023-12-31", "7.7"),
        ("CH", {"country": "CH"}, "2024-01-01", "8.1"),
    ],
)
def test_the_rate_in_force_on_the_orders_date_applies(client, market, address, day, rate):
    response, body = preview(client, market=market, address=address, items=[{"sku": BAG, "quantity": 1}], date=day)
    assert response.status_code == 200, body
    assert [t["rate"] for t in body["tax_lines"]] == [rate]


def test_rates_endpoint_per_country_and_date(client):
    response = client.get("/api/v1/admin/tax/rates?country=FI&date=2024-08-31", headers=AUTH)
    assert response.status_code == 200
    items = response.get_json()["items"]
    standard = next(r for r in items if r["category"] == "standard")
    assert standard["rate"] == "24" and standard["valid_to"] == "2024-09-01" and standard["source"]
    today = client.get("/api/v1/admin/tax/rates?country=CA", headers=AUTH).get_json()["items"]
    assert {r["jurisdiction"] for r in today} >= {"CA-QC", "CA-ON", "CA-NS", "CA-AB"}
    assert client.get("/api/v1/admin/tax/rates?country=ZZ", headers=AUTH).status_code == 404
    assert client.get("/api/v1/admin/tax/rates").status_code == 401


def test_catalog_keeps_showing_the_markets_own_rates(client):
    # The listing shows the market's own jurisdiction's rate per tax category,
    # or, in a multi-country market, the shopper's country's (issue 16: the
    # cart charges the destination's VAT, Art. 33 VAT Directive / OSS).
    def rate(slug, market, **headers):
        return client.get(f"/api/v1/products/{slug}?market={market}", headers=headers).get_json()["price"]["tax_rate"]

    bag = client.get(f"/api/v1/products?market=DE&q={BAG}").get_json()["items"][0]["slug"]
    assert rate(bag, "EU", **{"X-Country": "IT"}) == "22.00"  # Italy's, as the cart charges (was Ireland's 23)
    assert rate(bag, "EU") == "23.00"  # no country known: the market's own (Ireland)
    assert rate(bag, "DE") == "19.00"
    assert rate("pride-and-prejudice-illustrated-edition", "DE") == "7.00"  # books
    assert rate("pride-and-prejudice-illustrated-edition", "JP") == "10.00"
    assert rate("pride-and-prejudice-illustrated-edition", "CH") == "2.60"
