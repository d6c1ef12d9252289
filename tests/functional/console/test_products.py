"""The console's products pages: search and filters, the product page, stock as the API sets it."""
from __future__ import annotations

import re

from tests.functional.console.helpers import ADMIN, csrf_of, make_token, sign_in


def _ids(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'data-product="(\d+)"', html)}


def _api_ids(client, **query) -> set[int]:
    items = client.get("/api/v1/admin/products", query_string={"limit": 100, **query}, headers=ADMIN).get_json()
    return {p["id"] for p in items["items"]}


def test_search_and_filters(client):
    sign_in(client)
    every = _ids(client.get("/console/products?limit=100").get_data(as_text=True))
    assert every and every <= _api_ids(client)
    products = client.get("/api/v1/admin/products", query_string={"limit": 100}, headers=ADMIN).get_json()["items"]
    one = products[0]
    name = one["translations"]["en"]["name"]
    found = _ids(client.get("/console/products", query_string={"q": name.split()[0]}).get_data(as_text=True))
    assert one["id"] in found
    market = one["markets"][0]
    in_market = _ids(client.get("/console/products", query_string={"market": market, "limit": 100}).get_data(as_text=True))
    assert one["id"] in in_market
    assert in_market == {p["id"] for p in products if market in p["markets"]}
    elsewhere = [p for p in products if market not in p["markets"]]
    assert elsewhere, "the demo catalog has products not sold in every market"


def test_missing_translations_filter_matches_the_status_report(client):
    product = client.get("/api/v1/admin/products", query_string={"q": "kitchen-vacuum-insulated-flask"},
                         headers=ADMIN).get_json()["items"][0]
    assert "EU" in product["markets"]  # nl-NL, nl-BE
    response = client.delete(f"/api/v1/admin/products/{product['id']}/translations/nl", headers=ADMIN)
    assert response.status_code in (200, 204), response.get_json()
    sign_in(client)
    report = client.get("/api/v1/admin/translations/status", headers=ADMIN).get_json()["items"]
    missing = {r["product_id"] for r in report if r["state"] == "missing"}
    shown = _ids(client.get("/console/products?missing=1&limit=100").get_data(as_text=True))
    assert product["id"] in missing and shown == missing
    page = client.get(f"/console/products/{product['id']}").get_data(as_text=True)
    assert "nl-NL: missing" in page


def test_set_stock_as_the_api_does(client):
    sign_in(client)
    product = client.get("/api/v1/admin/products", query_string={"limit": 1}, headers=ADMIN).get_json()["items"][0]
    sku = product["variants"][0]["sku"]
    stock = client.get(f"/api/v1/admin/variants/{sku}/stock", headers=ADMIN).get_json()["items"][0]
    page = client.get(f"/console/products/{product['id']}")
    assert page.status_code == 200 and f'data-sku="{sku}"' in page.get_data(as_text=True)
    token = csrf_of(page.get_data(as_text=True))
    bad = client.post(f"/console/products/{product['id']}/stock",
                      data={"csrf_token": token, "sku": sku, "warehouse": stock["warehouse"], "quantity": "-3"})
    assert bad.status_code == 422 and 'id="errors-quantity"' in bad.get_data(as_text=True)
    ok = client.post(f"/console/products/{product['id']}/stock",
                     data={"csrf_token": token, "sku": sku, "warehouse": stock["warehouse"], "quantity": "41"})
    assert ok.status_code == 302
    after = client.get(f"/api/v1/admin/variants/{sku}/stock", headers=ADMIN).get_json()["items"][0]
    assert after["quantity"] == 41
    audit = client.get("/api/v1/admin/audit", query_string={"entity": "stock"}, headers=ADMIN).get_json()["items"][0]
    assert audit["entity_id"] == f"{sku}/{stock['warehouse']}" and audit["after"] == {"quantity": 41}
    assert audit["before"] == {"quantity": stock["quantity"]} and audit["actor"] == "bootstrap"


def test_products_need_the_catalog_role(client):
    sign_in(client, make_token(client, "orders"))
    assert client.get("/console/products").status_code == 403


def test_set_the_markets_a_product_is_sold_in_as_the_api_does(client):
    sign_in(client)
    product = client.get("/api/v1/admin/products", query_string={"q": "book-moby-dick-annotated"},
                         headers=ADMIN).get_json()["items"][0]
    kept = [code for code in product["markets"] if code != "JP"]
    assert "JP" in product["markets"]
    page = client.get(f"/console/products/{product['id']}").get_data(as_text=True)
    assert re.search(r'id="sold-JP"\s+checked', page)
    response = client.post(f"/console/products/{product['id']}/markets",
                           data={"csrf_token": csrf_of(page), "markets": kept})
    assert response.status_code == 302
    after = client.get(f"/api/v1/admin/products/{product['id']}", headers=ADMIN).get_json()
    assert after["markets"] == sorted(kept)
    entry = client.get("/api/v1/admin/audit", query_string={"entity": "product_markets"},
                       headers=ADMIN).get_json()["items"][0]
    assert entry["before"]["markets"] == product["markets"] and entry["after"]["markets"] == sorted(kept)
    bad = client.post(f"/console/products/{product['id']}/markets",
                      data={"csrf_token": csrf_of(page), "markets": [*kept, "XX"]})
    assert bad.status_code == 422 and 'id="errors-markets"' in bad.get_data(as_text=True)
    assert client.get(f"/api/v1/admin/products/{product['id']}", headers=ADMIN).get_json()["markets"] == sorted(kept)
