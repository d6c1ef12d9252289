"""Tax lines carry the tax's local name (issue 16): MwSt. in de-DE, IVA in
it-IT, TPS/TVQ in fr-CA, 消費税 in ja-JP; ``tax`` keeps the
identifier. Carts and orders alike."""
from __future__ import annotations

import pytest

from tests.functional.shopping import ADDRESSES, WAREHOUSE, checkout, ready_cart, stock


def names(cart_or_totals) -> list[tuple[str, str]]:
    return [(x["tax"], x["name"]) for x in cart_or_totals["totals"]["tax_lines"]]


@pytest.mark.parametrize("market, address, expected", [
    ("DE", "DE", [("VAT", "MwSt.")]),
    ("EU", "IT", [("VAT", "IVA")]),  # the EU market's it-IT locale for an Italian address
    ("JP", "JP", [("JCT", "消費税")]),
    ("KW", "KW", []),  # Kuwait levies no VAT
    ("US", "US-CA", [("Sales tax", "Sales tax")]),
])
def test_cart_tax_lines_are_named_as_the_shopper_reads_them(client, market, address, expected):
    if market == "EU":  # a cart made in Italian
        stock(client, "BAG-HLV-22-BLK", WAREHOUSE["EU"], 5)
        token = client.post("/api/v1/carts?market=EU&locale=it-IT").get_json()["token"]
        client.post(f"/api/v1/carts/{token}/items", json={"sku": "BAG-HLV-22-BLK", "quantity": 1})
        cart = client.put(f"/api/v1/carts/{token}/address", json=ADDRESSES[address]).get_json()
    else:
        cart = ready_cart(client, market, address, [("BAG-HLV-22-BLK", 1)])
    assert names(cart) == expected, (cart["locale"], cart["totals"]["tax_lines"])


def test_quebec_cart_and_order_in_french(client, fake_gateway):
    cart = ready_cart(client, "CA", "CA-QC", [("BAG-HLV-22-BLK", 1)])
    cart = client.get(f"/api/v1/carts/{cart['token']}", headers={"Accept-Language": "fr-CA"}).get_json()
    response, body, _ = checkout(client, cart["token"])
    assert response.status_code == 201, body
    order = client.get(f"/api/v1/orders/{body['order']['token']}?locale=fr-CA").get_json()
    assert sorted(names(order)) == [("GST", "TPS"), ("QST", "TVQ")], order["totals"]["tax_lines"]
    assert sorted((t["tax"], t["name"]) for t in order["lines"][0]["taxes"]) == [("GST", "TPS"), ("QST", "TVQ")]
    order = client.get(f"/api/v1/orders/{body['order']['token']}?locale=en-CA").get_json()
    assert sorted(names(order)) == [("GST", "GST"), ("QST", "QST")]
