"""The market-change notice names the market as the shopper reads it (issue 16)."""
from __future__ import annotations

from tests.functional.shopping import ADDRESSES, new_cart, stock

BOOK = "BOK-PRIDE-PB"


def test_the_notice_uses_the_markets_localized_name_and_details_keep_the_codes(client):
    token = new_cart(client, "DE")["token"]
    stock(client, BOOK, "DE-LEJ", 5)
    client.post(f"/api/v1/carts/{token}/items", json={"sku": BOOK, "quantity": 1})
    body = client.put(f"/api/v1/carts/{token}/address", json=ADDRESSES["CH"]).get_json()
    notice = next(n for n in body["totals"]["notices"] if n["code"] == "market_changed")
    assert body["locale"] == "de-CH"
    assert "Schweiz" in notice["message"] and "Markt CH " not in notice["message"], notice["message"]
    assert notice["details"] == {"from": "DE", "to": "CH", "currency": "CHF"}
