"""Repricing never overflows with allowed inputs (issue 12, item 16)."""
from __future__ import annotations

from tests.functional.shopping import ADMIN


def put(client, url, body):
    response = client.put(f"/api/v1/admin{url}", json=body, headers=ADMIN)
    return response.status_code, response.get_json()


def kw_price(client, sku):
    product = client.get(f"/api/v1/products?market=KW&limit=100").get_json()
    matrix = None
    for item in product["items"]:
        for v in item["variants"]:
            if v["sku"] == sku:
                matrix = v
    return matrix


def test_the_largest_rate_with_the_largest_base_price_reprices(client):
    status, body = put(client, "/fx-rates/KWD", {"rate": "999999.99999999"})
    assert status == 200, body
    status, body = put(client, "/variants/BOK-PRIDE-PB/base-price", {"amount": "999999999999.99"})
    assert status == 422 and body["error"]["code"] == "invalid_amount", body
    status, body = put(client, "/variants/BOK-PRIDE-PB/base-price", {"amount": "99999999.99"})
    assert status == 200, body
    variant = kw_price(client, "BOK-PRIDE-PB")
    assert variant is not None and variant["price"]["gross"]["currency"] == "KWD"
    assert len(variant["price"]["gross"]["amount"].split(".")[0]) == 14  # ~10^14 KWD, stored and shown


def test_a_rate_above_the_column_is_refused(client):
    status, body = put(client, "/fx-rates/KWD", {"rate": "1000000"})
    assert status == 422 and body["error"]["code"] == "invalid_fx_rate"
