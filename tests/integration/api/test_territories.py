"""B2B and territories through the cart API: the Canary Islands without VAT
(IGIC at import), Northern Ireland under the Windsor Framework, Monaco at
French VAT, Puerto Rico's IVU, UK B2B above GBP 135, and a clear 422 for US
territories without tax data."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.functional.shopping import ADMIN, new_cart, ready_cart, stock

D = Decimal
HOODIE = "APP-HOD-ORG-GRY-M"  # txcd_30011000 clothing
WAREHOUSE = {"GB": "DE-LEJ", "US": "US-RNO", "EU": "DE-LEJ", "FR": "DE-LEJ", "DE": "DE-LEJ"}
BASE = {"email": "ana@example.com", "name": "Ana Pérez", "line1": "Calle Mayor 1"}
LAS_PALMAS = {**BASE, "city": "Las Palmas de Gran Canaria", "postal_code": "35001", "region": "GC", "country": "ES"}
MADRID = {**BASE, "city": "Madrid", "postal_code": "28001", "region": "M", "country": "ES"}
BELFAST = {**BASE, "city": "Belfast", "postal_code": "BT1 1AA", "country": "GB"}
LONDON = {**BASE, "city": "London", "postal_code": "SW1A 1AA", "country": "GB"}
MONACO = {**BASE, "city": "Monaco", "postal_code": "98000", "country": "MC"}
SAN_JUAN = {**BASE, "city": "San Juan", "postal_code": "00901", "region": "PR", "country": "US"}


def money(value):
    return D(value["amount"])


def included(amount, rate):
    return amount - (amount * 100 / (100 + D(rate))).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def filled(client, market, items):
    token = new_cart(client, market)["token"]
    for sku, quantity in items:
        stock(client, sku, WAREHOUSE[market], 50)
        response = client.post(f"/api/v1/carts/{token}/items", json={"sku": sku, "quantity": quantity})
        assert response.status_code == 200, response.get_json()
    return token


def cart_for(client, market, address, items):
    return ready_cart(client, market, address, items)


def rates(cart):
    return [(x["name"], x["rate"]) for x in cart["totals"]["tax_lines"]]


def codes(cart):
    return [n["code"] for n in cart["totals"]["notices"]]


def test_canary_islands_get_igic_not_spanish_vat(client):
    """Directive 2006/112/EC Art. 6(1)(b): outside the EU VAT area; IGIC 7 % at import (Ley 4/2012)."""
    mainland = cart_for(client, "EU", MADRID, [(HOODIE, 1)])
    assert rates(mainland) == [("VAT", "21")]
    cart = cart_for(client, "EU", LAS_PALMAS, [(HOODIE, 1)])
    assert rates(cart) == [("IGIC", "7")]
    assert (cart["tax"]["jurisdiction"], cart["tax"]["rule"]) == ("ES-CN", "export_special_territory")
    total = money(cart["totals"]["total"])
    assert money(cart["totals"]["tax"]) == included(total, "7")
    assert "outside_eu_vat_area" in codes(cart)
    assert money(cart["totals"]["duties"]) == 0  # inside the EU customs territory


def test_busingen_pays_swiss_vat(client):
    """Swiss customs territory by the CH-DE treaty of 1964-11-23; MWSTG Art. 3 lit. a: Swiss VAT 8.1 %."""
    cart = cart_for(client, "DE", {**BASE, "city": "Büsingen am Hochrhein", "postal_code": "78266", "country": "DE"},
                    [(HOODIE, 1)])
    assert cart["tax"]["jurisdiction"] == "CH" and rates(cart) == [("MwSt.", "8.1")]
    assert money(cart["totals"]["tax"]) == included(money(cart["totals"]["total"]), "8.1")


def test_heligoland_is_a_zero_rated_export(client):
    """Directive 2006/112/EC Art. 6(2)(a): outside the VAT and customs territories."""
    cart = cart_for(client, "DE", {**BASE, "city": "Helgoland", "postal_code": "27498", "country": "DE"}, [(HOODIE, 1)])
    assert cart["tax"]["rule"] == "export_special_territory" and rates(cart) == []
    assert money(cart["totals"]["tax"]) == 0
    gross = money(cart["items"][0]["unit_price"])  # the catalog price with German VAT 19 %
    assert money(cart["totals"]["total"]) == (gross * 100 / 119).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert {"outside_eu_vat_area", "duties_due_on_delivery"} <= set(codes(cart))


def test_northern_ireland_from_the_eu_is_an_eu_distance_sale(client):
    cart = cart_for(client, "GB", BELFAST, [(HOODIE, 5)])
    assert (cart["tax"]["jurisdiction"], cart["tax"]["rule"]) == ("GB", "eu_oss_destination")
    assert rates(cart) == [("VAT", "20")]
    assert money(cart["totals"]["duties"]) == 0
    assert not any(c.startswith("preferential_origin") for c in codes(cart))  # no customs border EU -> NI


def test_northern_ireland_business_with_an_xi_number_buys_vat_free_from_the_eu(client):
    cart = cart_for(client, "GB", {**BELFAST, "vat_id": "XI980780684"}, [(HOODIE, 5)])
    assert cart["tax"]["rule"] == "eu_reverse_charge" and cart["tax"]["buyer_vat_id"] == "XI980780684"
    assert money(cart["totals"]["tax"]) == 0 and "reverse_charge" in codes(cart)


def test_gb_b2b_above_gbp_135_is_charged_uk_vat(client):
    """HMRC, VAT and overseas goods sold directly to customers in the UK: reverse charge only <= GBP 135."""
    small = cart_for(client, "GB", {**LONDON, "vat_id": "GB980780684"}, [(HOODIE, 1)])
    assert small["tax"]["rule"] == "uk_reverse_charge" and money(small["totals"]["tax"]) == 0
    big = cart_for(client, "GB", {**LONDON, "vat_id": "GB980780684"}, [(HOODIE, 5)])
    assert big["tax"]["rule"] == "uk_vat" and rates(big) == [("VAT", "20")]
    assert money(big["totals"]["tax"]) == included(money(big["totals"]["total"]), "20")
    assert money(big["totals"]["total"]) > 135


def test_monaco_pays_french_vat(client):
    cart = cart_for(client, "FR", MONACO, [(HOODIE, 1)])
    assert cart["tax"]["jurisdiction"] == "FR" and rates(cart) == [("TVA", "20")]
    assert money(cart["totals"]["tax"]) == included(money(cart["totals"]["total"]), "20")


def test_puerto_rico_ivu_is_11_5_percent(client):
    """Departamento de Hacienda: IVU 10.5 % state + 1 % municipal."""
    cart = cart_for(client, "US", SAN_JUAN, [(HOODIE, 1)])
    assert rates(cart) == [("IVU", "10.5"), ("IVU municipal", "1")]
    subtotal = money(cart["totals"]["subtotal"]) + money(cart["totals"]["shipping"])
    expected = sum(((subtotal * D(r) / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP) for r in ("10.5", "1")), D(0))
    assert money(cart["totals"]["tax"]) == expected


@pytest.mark.parametrize("region, postal_code", [("GU", "96910"), ("VI", "00802"), ("AS", "96799"),
                                                 ("MP", "96950"), ("AE", "09001"), ("AP", "96201"), ("AA", "34001")])
def test_us_territories_without_tax_data_are_a_clear_422(client, region, postal_code):
    token = filled(client, "US", [(HOODIE, 1)])
    response = client.put(f"/api/v1/carts/{token}/address",
                          json={**BASE, "city": "X", "postal_code": postal_code, "region": region, "country": "US"})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "no_tax_data"  # before checkout, never a 500
    assert response.get_json()["error"]["details"] == {"destination": f"US-{region}"}


@pytest.mark.parametrize("lang, message", [
    ("en", "Taxes for deliveries to Guam are not known."),
    ("es", "No se conocen los impuestos para envíos a Guam."),
])
def test_the_territory_422_names_it_in_the_shoppers_language(client, lang, message):
    """GU, VI, AS and MP have no sales tax of a state's kind (no data): a clear 422
    at the address, in the cart's language (the US market speaks en-US and es-US),
    naming the territory as CLDR does, the jurisdiction in details."""
    token = new_cart(client, "US", **{"Accept-Language": lang})["token"]  # the cart speaks its own locale
    stock(client, HOODIE, WAREHOUSE["US"], 50)
    assert client.post(f"/api/v1/carts/{token}/items", json={"sku": HOODIE, "quantity": 1}).status_code == 200
    response = client.put(f"/api/v1/carts/{token}/address", headers={"Accept-Language": lang},
                          json={**BASE, "city": "Hagåtña", "postal_code": "96910", "region": "GU", "country": "US"})
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert (error["code"], error["message"], error["details"]) == ("no_tax_data", message, {"destination": "US-GU"})


def test_the_merchant_preview_shows_the_canary_islands_without_vat(client):
    """The demo: the README's preview of a hoodie to Las Palmas de Gran Canaria."""
    response = client.post("/api/v1/admin/tax/preview", headers=ADMIN, json={
        "market": "EU", "address": {"country": "ES", "region": "GC", "postal_code": "35001"},
        "items": [{"sku": HOODIE, "quantity": 1}]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["jurisdiction"], body["rule"]) == ("ES-CN", "export_special_territory")
    assert {t["name"] for t in body["tax_lines"]} == {"IGIC"}


COFFEE, OLIVE_OIL, CHOCOLATE = "PAN-COF-ETH-250", "PAN-OIL-500", "PAN-CHO-72-ECU"


def test_canary_islands_igic_on_pantry_goods(client):
    """Ley 4/2012 art. 54: other food at the 3 % reduced IGIC; art. 52 tipo cero for olive oil (from 2019-01-01)."""
    coffee = cart_for(client, "EU", LAS_PALMAS, [(COFFEE, 1)])
    assert rates(coffee) == [("IGIC", "3")]
    assert money(coffee["totals"]["tax"]) == included(money(coffee["totals"]["total"]), "3")
    oil = cart_for(client, "EU", LAS_PALMAS, [(OLIVE_OIL, 1)])
    assert money(oil["totals"]["tax"]) == 0 and rates(oil) == []
    mainland = cart_for(client, "EU", MADRID, [(OLIVE_OIL, 1)])
    assert rates(mainland) == [("VAT", "4")]  # Ley 37/1992 art. 91.Dos.1.1: olive oil 4 % on the peninsula


def test_puerto_rico_exempts_food_from_the_ivu_but_not_candy(client):
    """Codigo de Rentas Internas 2011, Sec. 4010.01: food and food ingredients exclude dulces (candy)."""
    coffee = cart_for(client, "US", SAN_JUAN, [(COFFEE, 1)])
    assert money(coffee["totals"]["tax"]) == 0
    chocolate = cart_for(client, "US", SAN_JUAN, [(CHOCOLATE, 1)])
    assert rates(chocolate) == [("IVU", "10.5"), ("IVU municipal", "1")]
