"""The EU market shows each shopper the VAT of their country (issue 16): the
catalog's rate is the one the cart then charges, and ``context.tax_country``
says which country the display assumed (X-Country, else the locale's region,
else the market's own)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.functional.shopping import ADDRESSES, WAREHOUSE, stock

BOOK, GOODS = "moby-dick", "BAG-HLV-22-BLK"
SPAIN = {"email": "ana@example.es", "name": "Ana García", "line1": "Calle Mayor 1", "city": "Madrid",
         "postal_code": "28013", "region": "M", "country": "ES"}
NETHERLANDS = {"email": "eva@example.nl", "name": "Eva de Vries", "line1": "Damrak 1", "city": "Amsterdam",
               "postal_code": "1012 LG", "country": "NL"}


def listing(client, **headers) -> dict:
    response = client.get("/api/v1/products?limit=100&market=EU", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def rate_of(body: dict, sku: str) -> Decimal:
    for product in body["items"]:
        for variant in product["variants"]:
            if variant["sku"] == sku or (sku == BOOK and variant["sku"].startswith("BOK-MOBY")):
                return Decimal(variant["price"]["tax_rate"])
    raise AssertionError(f"{sku} not listed")


@pytest.mark.parametrize("headers, country, book, goods", [
    ({}, "IE", "0", "23"),  # the market's own jurisdiction
    ({"Accept-Language": "es-ES"}, "ES", "4", "21"),  # the locale's region
    ({"Accept-Language": "nl-NL"}, "NL", "9", "21"),
    ({"X-Country": "nl"}, "NL", "9", "21"),  # X-Country, any case
    ({"X-Country": "ES", "Accept-Language": "nl-NL"}, "ES", "4", "21"),  # X-Country before the locale
    ({"X-Country": "US"}, "IE", "0", "23"),  # a country the market does not sell to: its own
])
def test_listing_shows_the_shoppers_country_vat(client, headers, country, book, goods):
    body = listing(client, **headers)
    assert body["context"]["tax_country"] == country
    assert rate_of(body, BOOK) == Decimal(book)
    assert rate_of(body, GOODS) == Decimal(goods)


def test_detail_says_the_country_too(client):
    slug = next(p["slug"] for p in listing(client)["items"]
                if any(v["sku"] == GOODS for v in p["variants"]))
    body = client.get(f"/api/v1/products/{slug}?market=EU", headers={"X-Country": "ES"}).get_json()
    assert body["context"]["tax_country"] == "ES"
    assert Decimal(body["variants"][0]["price"]["tax_rate"]) == 21


def test_single_country_and_net_markets(client):
    de = client.get("/api/v1/products?limit=1&market=DE", headers={"X-Country": "AT"}).get_json()
    assert de["context"]["tax_country"] == "DE"  # DE sells to DE only
    us = client.get("/api/v1/products?limit=1&market=US").get_json()
    assert us["context"]["tax_country"] is None  # net prices: no country's tax included


@pytest.mark.parametrize("address, locale", [(SPAIN, "es-ES"), (NETHERLANDS, "nl-NL")])
def test_catalog_rate_is_the_cart_rate(client, address, locale):
    body = listing(client, **{"Accept-Language": locale})
    stock(client, GOODS, WAREHOUSE["EU"], 5)
    token = client.post(f"/api/v1/carts?market=EU&locale={locale}").get_json()["token"]
    client.post(f"/api/v1/carts/{token}/items", json={"sku": GOODS, "quantity": 1})
    response = client.put(f"/api/v1/carts/{token}/address", json=address)
    assert response.status_code == 200, response.get_json()
    cart = response.get_json()
    charged = {Decimal(t["rate"]) for t in cart["totals"]["tax_lines"]}
    assert charged == {rate_of(body, GOODS)}, cart["totals"]["tax_lines"]


def test_the_micro_cache_keeps_countries_apart(app, client):
    app.config["CATALOG_CACHE_SECONDS"] = 60
    try:
        assert listing(client, **{"X-Country": "ES"})["context"]["tax_country"] == "ES"
        assert listing(client, **{"X-Country": "NL"})["context"]["tax_country"] == "NL"
    finally:
        app.config["CATALOG_CACHE_SECONDS"] = 0


def test_a_carts_shipping_country_decides_the_display(client):
    stock(client, GOODS, WAREHOUSE["EU"], 5)
    token = client.post("/api/v1/carts?market=EU").get_json()["token"]  # en-IE
    client.post(f"/api/v1/carts/{token}/items", json={"sku": GOODS, "quantity": 1})
    assert client.put(f"/api/v1/carts/{token}/address", json=NETHERLANDS).status_code == 200
    body = client.get(f"/api/v1/products?limit=100&market=EU&cart={token}",
                      headers={"X-Country": "ES"}).get_json()
    assert body["context"]["tax_country"] == "NL"  # where the cart ships, before X-Country
    assert rate_of(body, BOOK) == Decimal("9")
    unknown = client.get("/api/v1/products?limit=1&market=EU&cart=no-such-cart").get_json()
    assert unknown["context"]["tax_country"] == "IE"  # a stale token changes nothing
