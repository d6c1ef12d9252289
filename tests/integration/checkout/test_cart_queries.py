"""A cart read costs a constant number of statements, whatever its number of
lines (fetch, then compute: storefront/checkout/fetch.py)."""
from __future__ import annotations

import pytest

from tests.functional.shopping import ADDRESSES, WAREHOUSE, new_cart, stock

SKUS = ["BOK-PRIDE-PB", "BOK-MOBY-PB", "BAG-HLV-22-BLK", "BAG-HLV-28-BLK", "BAG-HLV-28-OLV"]


def _cart(client, market, address, skus):
    token = new_cart(client, market)["token"]
    for sku in skus:
        stock(client, sku, WAREHOUSE[market], 20)
        response = client.post(f"/api/v1/carts/{token}/items", json={"sku": sku, "quantity": 1})
        assert response.status_code == 200, response.get_json()
    if address is not None:
        assert client.put(f"/api/v1/carts/{token}/address", json=ADDRESSES[address]).status_code == 200
        methods = client.get(f"/api/v1/carts/{token}/shipping-methods").get_json()["items"]
        assert client.put(f"/api/v1/carts/{token}/shipping-method", json={"id": methods[0]["id"]}).status_code == 200
    return token


def _statements_per_read(client, count_queries, token, lines):
    client.get(f"/api/v1/carts/{token}")  # warm the per-process caches (markets, rates, variant names)
    with count_queries() as counter:
        response = client.get(f"/api/v1/carts/{token}")
    body = response.get_json()
    assert response.status_code == 200 and len(body["items"]) == lines, body
    return counter


@pytest.mark.parametrize("market, address", [("DE", "DE"), ("US", "US-CA"), ("CH", "CH"), ("DE", None)])
def test_a_cart_read_costs_the_same_statements_with_one_line_and_five(client, count_queries, market, address):
    one = _statements_per_read(client, count_queries, _cart(client, market, address, SKUS[:1]), 1)
    five = _statements_per_read(client, count_queries, _cart(client, market, address, SKUS), 5)
    assert one.count == five.count, (one.statements, five.statements)
    # cache versions, the cart, its lines, prices in force, free stock, the shipping warehouse's stock
    assert five.count <= 6, five.statements
