"""Hostile and malformed input through the HTTP API: always a 4xx in the
error envelope, never a 500 and never a silent change (issue 12, items 5, 10, 17)."""
from __future__ import annotations

import json

import pytest

from tests.functional.shopping import ADMIN, new_cart, stock

CSV = {**ADMIN, "Content-Type": "text/csv"}


def import_csv(client, body):
    response = client.post("/api/v1/admin/prices/import", data=body, headers=CSV)
    return response, response.get_json(silent=True)


def explicit_de(client, sku="BOK-PRIDE-HC"):
    text = client.get("/api/v1/admin/prices/export?market=DE", headers=ADMIN).get_data(as_text=True)
    return [line for line in text.splitlines() if line.startswith(f"{sku},DE,") and line.endswith(",,")]


def assert_envelope(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["message"], body
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


# --- item 5: CSV rows must match the header ------------------------------------------------


def test_csv_row_with_fewer_fields_than_the_header_is_refused_and_keeps_the_price(client):
    before = explicit_de(client)
    assert before  # the demo has an explicit DE price
    response, body = import_csv(client, "sku,market,amount\nBOK-PRIDE-HC,DE\n")
    error = assert_envelope(response, 422, "invalid_csv")
    assert [(e["line"], e["code"]) for e in error["details"]["errors"]] == [(2, "wrong_field_count")]
    assert explicit_de(client) == before


def test_csv_row_with_extra_fields_is_refused(client):
    response, body = import_csv(client, "sku,market,amount\nBOK-PRIDE-HC,DE,30.00,oops\n")
    error = assert_envelope(response, 422, "invalid_csv")
    assert [(e["line"], e["code"]) for e in error["details"]["errors"]] == [(2, "wrong_field_count")]


def test_csv_duplicated_header_column_is_refused(client):
    response, body = import_csv(client, "sku,market,amount,amount\nBOK-PRIDE-HC,DE,30.00,\n")
    error = assert_envelope(response, 422, "invalid_csv")
    assert [(e["line"], e["code"]) for e in error["details"]["errors"]] == [(1, "duplicate_csv_column")]
    assert explicit_de(client)


def test_csv_only_a_literally_empty_amount_deletes(client):
    response, body = import_csv(client, "sku,market,amount\nBOK-PRIDE-HC,DE, \n")
    error = assert_envelope(response, 422, "invalid_csv")
    assert error["details"]["errors"][0]["line"] == 2
    assert explicit_de(client)
    response, body = import_csv(client, "sku,market,amount\nBOK-PRIDE-HC,DE,\n")
    assert response.status_code == 200, body
    assert body["changed"] == 1 and explicit_de(client) == []


# --- item 10: quantities are whole numbers ---------------------------------------------------


@pytest.mark.parametrize("quantity", [1.5, "1.5", 0.9, "2", True, 2.0])
def test_cart_item_quantity_must_be_an_integer(client, quantity):
    token = new_cart(client, "DE")["token"]
    stock(client, "BOK-PRIDE-HC", "DE-LEJ", 20)
    response = client.post(f"/api/v1/carts/{token}/items", json={"sku": "BOK-PRIDE-HC", "quantity": quantity})
    assert_envelope(response, 422, "validation_error")
    assert client.get(f"/api/v1/carts/{token}").get_json()["items"] == []


@pytest.mark.parametrize("quantity", [0.9, 1.5, "1"])
def test_cart_item_patch_quantity_must_be_an_integer(client, quantity):
    token = new_cart(client, "DE")["token"]
    stock(client, "BOK-PRIDE-HC", "DE-LEJ", 20)
    assert client.post(f"/api/v1/carts/{token}/items", json={"sku": "BOK-PRIDE-HC", "quantity": 2}).status_code == 200
    response = client.patch(f"/api/v1/carts/{token}/items/BOK-PRIDE-HC", json={"quantity": quantity})
    assert_envelope(response, 422, "validation_error")
    items = client.get(f"/api/v1/carts/{token}").get_json()["items"]
    assert [(i["sku"], i["quantity"]) for i in items] == [("BOK-PRIDE-HC", 2)]
