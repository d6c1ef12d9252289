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


# --- item 17: no 500 on hostile input ------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/admin/orders", "/api/v1/admin/audit"])
@pytest.mark.parametrize("since", ["2024-01-01", "2024-01-01T00:00:00", "2024-01-01T00:00:00Z"])
def test_since_accepts_dates_and_naive_times_as_utc(client, path, since):
    response = client.get(path, query_string={"since": since}, headers=ADMIN)
    assert response.status_code == 200, response.get_json()
    assert "items" in response.get_json()


def test_since_rejects_junk_with_the_envelope(client):
    for path in ("/api/v1/admin/orders", "/api/v1/admin/audit"):
        assert_envelope(client.get(path, query_string={"since": "yesterday"}, headers=ADMIN), 400, "invalid_parameter")


EXTREME_TIMES = ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"]


@pytest.mark.parametrize("when", EXTREME_TIMES)
def test_sale_with_a_time_outside_utc_range_is_refused_by_the_api(client, when):
    body = {"market": "DE", "amount": "9.90", "starts_at": when}
    assert_envelope(client.post("/api/v1/admin/variants/BOK-PRIDE-HC/sales", json=body, headers=ADMIN), 422)
    body = {"market": "DE", "amount": "9.90", "starts_at": "2030-01-01T00:00:00Z", "ends_at": when}
    assert_envelope(client.post("/api/v1/admin/variants/BOK-PRIDE-HC/sales", json=body, headers=ADMIN), 422)


@pytest.mark.parametrize("when", EXTREME_TIMES)
def test_sale_with_a_time_outside_utc_range_is_refused_by_the_csv_import(client, when):
    response, body = import_csv(client, f"sku,market,amount,starts_at,ends_at\nBOK-PRIDE-HC,DE,9.90,{when},\n"
                                        f"BOK-PRIDE-HC,DE,9.90,2030-01-01T00:00:00Z,{when}\n")
    error = assert_envelope(response, 422, "invalid_csv")
    assert [e["line"] for e in error["details"]["errors"]] == [2, 3]


def test_nul_in_a_csv_sku_is_refused(client):
    response, body = import_csv(client, "sku,market,amount\nBOK-PRIDE\x00-HC,DE,30.00\n")
    error = assert_envelope(response, 422, "invalid_csv")
    assert error["details"]["errors"][0]["line"] == 2


JSON = {"Content-Type": "application/json"}


def test_deeply_nested_json_is_a_400(client):
    token = new_cart(client, "DE")["token"]
    response = client.post(f"/api/v1/carts/{token}/items", data="[" * 100_000, headers=JSON)
    assert_envelope(response, 400, "malformed_json")
    response = client.post(f"/api/v1/carts/{token}/items", data='{"sku": ' + "[" * 100_000 + "]" * 100_000 + "}",
                           headers=JSON)
    assert response.status_code in (400, 422)
    assert_envelope(response, response.status_code)


def test_lone_surrogate_in_json_is_refused(client):
    token = new_cart(client, "DE")["token"]
    response = client.post(f"/api/v1/carts/{token}/items", data='{"sku": "\\ud800", "quantity": 1}', headers=JSON)
    assert_envelope(response, 400, "invalid_characters")
    address = {"email": "a@example.de", "name": "\\ud800", "line1": "x", "city": "Berlin", "postal_code": "10117",
               "country": "DE"}
    body = json.dumps(address).replace("\\\\ud800", "\\ud800")
    assert_envelope(client.put(f"/api/v1/carts/{token}/address", data=body, headers=JSON), 400, "invalid_characters")
    response = client.get("/api/v1/products?q=%ED%A0%80")  # "\ud800" as (invalid) UTF-8
    assert response.status_code in (200, 400), response.get_data(as_text=True)[:300]


def test_huge_integer_quantity_is_refused(client):
    token = new_cart(client, "DE")["token"]
    response = client.post(f"/api/v1/carts/{token}/items", data='{"sku": "BOK-PRIDE-HC", "quantity": ' + "9" * 5000 + "}",
                           headers=JSON)
    assert_envelope(response, 400, "malformed_json")
    assert client.get(f"/api/v1/carts/{token}").get_json()["items"] == []


def _placed_order(client):
    from tests.functional.shopping import checkout, ready_cart

    cart = ready_cart(client, "DE", "DE", [("BOK-PRIDE-PB", 1)], units=5)
    response, placed, _ = checkout(client, cart["token"])
    assert response.status_code == 201, placed
    return placed


def test_webhook_event_with_an_overlong_id_is_refused_not_a_500(client, fake_gateway):
    from tests.functional.shopping import deliver

    placed = _placed_order(client)
    pi = placed["payment"]["payment_intent_id"]
    fake_gateway.set_status(pi, "succeeded")
    response = deliver(client, fake_gateway, "payment_intent.succeeded", fake_gateway.payment_intent_object(pi),
                       event_id="evt_" + "x" * 300)
    assert_envelope(response, 400)
    assert client.get(f"/api/v1/orders/{placed['order']['token']}").get_json()["status"] == "pending_payment"


def test_webhook_refund_with_an_overlong_id_is_not_a_500(client, fake_gateway):
    from tests.functional.shopping import deliver

    placed = _placed_order(client)
    pi = placed["payment"]["payment_intent_id"]
    fake_gateway.set_status(pi, "succeeded")
    assert deliver(client, fake_gateway, "payment_intent.succeeded", fake_gateway.payment_intent_object(pi)).status_code == 200
    minor = placed["payment"]["amount_minor"]
    charge = {"id": "ch_long", "object": "charge", "payment_intent": pi, "amount": minor, "amount_refunded": 100,
              "currency": "eur", "refunds": {"data": [{"id": "re_" + "y" * 100, "amount": 100, "currency": "eur"}]}}
    response = deliver(client, fake_gateway, "charge.refunded", charge)
    assert response.status_code in (200, 400), response.get_data(as_text=True)[:300]
    if response.status_code == 400:
        assert_envelope(response, 400)
    order = client.get(f"/api/v1/admin/orders/{placed['order']['id']}", headers=ADMIN).get_json()
    assert order["status"] in ("paid", "partially_refunded")
    assert all(len(r["provider_refund_id"] or "") <= 64 for r in order["refunds"])


def test_webhook_with_a_non_numeric_amount_is_ignored(client, fake_gateway):
    from tests.functional.shopping import deliver

    placed = _placed_order(client)
    pi = placed["payment"]["payment_intent_id"]
    fake_gateway.set_status(pi, "succeeded")
    obj = {**fake_gateway.payment_intent_object(pi), "amount_received": "abc"}
    response = deliver(client, fake_gateway, "payment_intent.succeeded", obj)
    assert response.status_code in (200, 400), response.get_data(as_text=True)[:300]
    assert client.get(f"/api/v1/orders/{placed['order']['token']}").get_json()["status"] == "pending_payment"
