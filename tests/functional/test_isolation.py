"""The test harness rolls every test back, even when the app commits."""
from tests.functional.test_pricing_admin import admin, shopper_price

def test_a(client):
    body = "sku,market,amount\nBOK-PRIDE-PB,DE,21.90\n"
    r, res = admin(client, "post", "/api/v1/admin/prices/import", data=body, headers={"Content-Type": "text/csv"})
    assert shopper_price(client, "BOK-PRIDE-PB", "DE")["gross"]["amount"] == "21.90"

def test_b(client):
    assert shopper_price(client, "BOK-PRIDE-PB", "DE")["gross"]["amount"] == "19.90"

def test_c(client):
    r, res = admin(client, "put", "/api/v1/admin/variants/BOK-PRIDE-PB/prices/DE", json={"amount": "25.00"})
    assert shopper_price(client, "BOK-PRIDE-PB", "DE")["gross"]["amount"] == "25.00"

def test_d(client):
    assert shopper_price(client, "BOK-PRIDE-PB", "DE")["gross"]["amount"] == "19.90"
