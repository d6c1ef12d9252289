"""A total above Stripe's maximum is refused with 422 before any provider call
(PostgreSQL overflowed int4 ``amount_minor`` after the PaymentIntent existed)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from tests.functional.shopping import ADMIN, checkout, ready_cart

SKU = "BOK-MOBY-HC"


@pytest.mark.parametrize("price", [
    "400000.00",  # x 3 = EUR 1,200,000.00: 120,000,000 minor units, above Stripe's 99,999,999
    "9000000.00",  # x 3 = EUR 27,000,000.00: above int4 as minor units (PostgreSQL 500 after the PaymentIntent)
])
def test_a_total_above_stripes_maximum_is_refused_before_the_provider_is_called(client, fake_gateway, price):
    assert client.put(f"/api/v1/admin/variants/{SKU}/prices/DE", json={"amount": price},
                      headers=ADMIN).status_code == 200
    token = ready_cart(client, "DE", "DE", [(SKU, 3)])["token"]
    response, body, _ = checkout(client, token)
    assert response.status_code == 422, body
    assert body["error"]["code"] == "above_maximum_amount"
    assert "999999.99 EUR" in body["error"]["message"]
    assert fake_gateway.intents == {}
    assert client.get("/api/v1/admin/orders", headers=ADMIN).get_json()["items"] == []


def test_a_total_just_below_stripes_maximum_is_placed(client, fake_gateway):
    assert client.put(f"/api/v1/admin/variants/{SKU}/prices/DE", json={"amount": "990000.00"},
                      headers=ADMIN).status_code == 200
    token = ready_cart(client, "DE", "DE", [(SKU, 1)])["token"]
    response, body, _ = checkout(client, token)
    assert response.status_code == 201, body
    total = Decimal(body["order"]["totals"]["total"]["amount"])
    assert body["payment"]["amount_minor"] == int(total * 100) >= 99_000_000
