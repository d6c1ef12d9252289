"""Helpers for tests that shop through the HTTP API (not a test module)."""
from __future__ import annotations

import uuid

ADMIN = {"Authorization": "Bearer test-admin-token"}
ADDRESSES = {
    "DE": {"email": "max@example.de", "name": "Max Mustermann", "line1": "Unter den Linden 1", "city": "Berlin",
           "postal_code": "10117", "country": "DE"},
    "CH": {"email": "heidi@example.ch", "name": "Heidi Meier", "line1": "Bahnhofstrasse 1", "city": "Zürich",
           "postal_code": "8001", "country": "CH"},
    "IT": {"email": "luca@example.it", "name": "Luca Rossi", "line1": "Via Roma 1", "city": "Milano",
           "postal_code": "20121", "region": "MI", "country": "IT"},
    "US-CA": {"email": "amy@example.com", "name": "Amy Lee", "line1": "1 Market St", "city": "San Francisco",
              "postal_code": "94105", "region": "CA", "country": "US"},
    "JP": {"email": "yui@example.jp", "name": "山田 結衣", "line1": "千代田1-1", "city": "千代田区",
           "postal_code": "100-0001", "region": "東京都", "country": "JP"},
    "KW": {"email": "ali@example.kw", "name": "علي", "line1": "Street 1", "city": "Kuwait City",
           "postal_code": "13001", "country": "KW"},
    "CA-QC": {"email": "lea@example.ca", "name": "Léa Tremblay", "line1": "1 rue Sainte-Catherine", "city": "Montréal",
              "postal_code": "H2X 1Y4", "region": "QC", "country": "CA"},
}
WAREHOUSE = {"DE": "DE-LEJ", "FR": "DE-LEJ", "EU": "DE-LEJ", "CH": "DE-LEJ", "GB": "DE-LEJ", "KW": "DE-LEJ",
             "US": "US-RNO", "CA": "US-RNO", "JP": "JP-CHB", "AU": "JP-CHB"}


def stock(client, sku, warehouse, quantity):
    response = client.put(f"/api/v1/admin/variants/{sku}/stock/{warehouse}", json={"quantity": quantity}, headers=ADMIN)
    assert response.status_code == 200, response.get_json()


def new_cart(client, market, **headers):
    response = client.post(f"/api/v1/carts?market={market}", headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def ready_cart(client, market, address, items, units=50):
    """A cart with items in stock, an address (a key of ADDRESSES, or the
    address itself) and the first shipping method."""
    cart = new_cart(client, market)
    token = cart["token"]
    for sku, quantity in items:
        stock(client, sku, WAREHOUSE[market], units)
        response = client.post(f"/api/v1/carts/{token}/items", json={"sku": sku, "quantity": quantity})
        assert response.status_code == 200, response.get_json()
    response = client.put(f"/api/v1/carts/{token}/address",
                          json=ADDRESSES[address] if isinstance(address, str) else address)
    assert response.status_code == 200, response.get_json()
    methods = client.get(f"/api/v1/carts/{token}/shipping-methods").get_json()["items"]
    response = client.put(f"/api/v1/carts/{token}/shipping-method", json={"id": methods[0]["id"]})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def checkout(client, token, key=None):
    key = key or str(uuid.uuid4())
    response = client.post(f"/api/v1/carts/{token}/checkout", headers={"Idempotency-Key": key})
    return response, response.get_json(), key


def deliver(client, gateway, event_type, obj, **kwargs):
    payload, signature = gateway.signed_event(event_type, obj, **kwargs)
    return client.post("/api/v1/payments/stripe/webhook", data=payload,
                       headers={"Stripe-Signature": signature, "Content-Type": "application/json"})


ADMIN_API = "/api/v1/admin"


def admin_api(client, method, url, headers=ADMIN, **kwargs):
    """Call a merchant endpoint (path below /api/v1/admin); (response, JSON body)."""
    response = getattr(client, method)(ADMIN_API + url, headers=headers, **kwargs)
    return response, response.get_json(silent=True)


def error_code(body):
    return body["error"]["code"]


def token_for(client, *roles):
    """Headers with a new API token holding ``roles`` (created by the bootstrap token)."""
    response, body = admin_api(client, "post", "/tokens", json={"name": f"test {'+'.join(roles)}", "roles": list(roles)})
    assert response.status_code == 201, body
    assert body["token"].startswith("sf_") and body["prefix"] == body["token"][:10]
    return {"Authorization": f"Bearer {body['token']}"}
