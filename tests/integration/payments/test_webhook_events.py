"""The webhook endpoint on typed events, on SQLite and PostgreSQL: amounts in
another currency than the order's are not recorded, and malformed events are
ignored (200) or refused (400), never a 500."""
from __future__ import annotations

from decimal import Decimal

import pytest

from storefront.payments.fake_gateway import sign_payload
from tests.functional.shopping import ADMIN, checkout, deliver, ready_cart

BOOK = "BOK-PRIDE-PB"
WEBHOOK = "/api/v1/payments/stripe/webhook"


def placed_order(client, market="DE", address="DE"):
    cart = ready_cart(client, market, address, [(BOOK, 1)], units=5)
    response, placed, _ = checkout(client, cart["token"])
    assert response.status_code == 201, placed
    return placed


def admin_order(client, placed):
    return client.get(f"/api/v1/admin/orders/{placed['order']['id']}", headers=ADMIN).get_json()


def result(response):
    assert response.status_code == 200, response.get_json()
    return response.get_json()["result"]


def intent_object(fake_gateway, placed, **fields):
    pi = placed["payment"]["payment_intent_id"]
    fake_gateway.set_status(pi, "succeeded")
    return {**fake_gateway.payment_intent_object(pi), **fields}


def charge(placed, **fields):
    minor = placed["payment"]["amount_minor"]
    return {"id": "ch_1", "object": "charge", "payment_intent": placed["payment"]["payment_intent_id"],
            "amount": minor, "amount_refunded": minor, "currency": placed["payment"]["currency"].lower(), **fields}


def test_a_payment_in_another_currency_is_not_recorded(client, fake_gateway, caplog):
    placed = placed_order(client)
    assert placed["order"]["currency"] == "EUR"
    with caplog.at_level("WARNING", logger="storefront.orders"):
        response = deliver(client, fake_gateway, "payment_intent.succeeded",
                           intent_object(fake_gateway, placed, currency="usd"), event_id="evt_usd")
    assert result(response) == "currency_mismatch"
    assert "evt_usd" in caplog.text and "USD" in caplog.text and "EUR" in caplog.text
    order = admin_order(client, placed)
    assert order["status"] == "pending_payment" and Decimal(order["totals"]["paid"]["amount"]) == 0
    assert order["paid_at"] is None
    # the same event again is a duplicate; the payment in euros is recorded
    again = deliver(client, fake_gateway, "payment_intent.succeeded",
                    intent_object(fake_gateway, placed, currency="usd"), event_id="evt_usd")
    assert result(again) == "duplicate"
    paid = deliver(client, fake_gateway, "payment_intent.succeeded", intent_object(fake_gateway, placed))
    assert result(paid) == "pending_payment->paid"


def test_a_payment_naming_no_currency_is_in_the_orders(client, fake_gateway):
    placed = placed_order(client, "JP", "JP")
    obj = intent_object(fake_gateway, placed)
    del obj["currency"]
    assert result(deliver(client, fake_gateway, "payment_intent.succeeded", obj)) == "pending_payment->paid"
    order = admin_order(client, placed)
    assert order["totals"]["paid"] == order["totals"]["total"]


def test_a_refund_in_another_currency_is_not_recorded(client, fake_gateway):
    placed = placed_order(client)
    assert result(deliver(client, fake_gateway, "payment_intent.succeeded", intent_object(fake_gateway, placed))) \
        == "pending_payment->paid"
    usd = charge(placed, currency="usd", refunds={"data": [{"id": "re_usd", "amount": 100, "currency": "usd"}]})
    assert result(deliver(client, fake_gateway, "charge.refunded", usd)) == "currency_mismatch"
    order = admin_order(client, placed)
    assert order["status"] == "paid" and order["refunds"] == []
    eur = charge(placed, refunds={"data": [{"id": "re_eur", "amount": placed["payment"]["amount_minor"],
                                            "currency": "eur", "reason": "requested_by_customer"}]})
    assert result(deliver(client, fake_gateway, "charge.refunded", eur)) == "paid->refunded"
    [refund] = admin_order(client, placed)["refunds"]
    assert (refund["provider_refund_id"], refund["status"], refund["reason"]) == (
        "re_eur", "succeeded", "requested_by_customer"
    )
    assert refund["amount"] == admin_order(client, placed)["totals"]["total"]


@pytest.mark.parametrize(
    "fields",
    [
        {"amount_received": "abc"},
        {"amount_received": 19.99},
        {"amount_received": 10**30},
        {"amount_received": -1},
        {"currency": "xyz"},
        {"currency": 978},
        {"id": "pi_" + "x" * 300},
        {"id": None},
    ],
    ids=["text", "float", "huge", "negative", "unknown_currency", "numeric_currency", "long_id", "no_id"],
)
def test_malformed_payments_are_ignored(client, fake_gateway, caplog, fields):
    placed = placed_order(client)
    with caplog.at_level("WARNING", logger="storefront.orders"):
        response = deliver(client, fake_gateway, "payment_intent.succeeded", intent_object(fake_gateway, placed, **fields))
    assert result(response) == "ignored"
    assert "not applied" in caplog.text
    assert admin_order(client, placed)["status"] == "pending_payment"


def test_malformed_refunds_are_ignored(client, fake_gateway):
    placed = placed_order(client)
    deliver(client, fake_gateway, "payment_intent.succeeded", intent_object(fake_gateway, placed))
    for obj in (charge(placed, amount_refunded="all"), charge(placed, refunds={"data": "re_1"}),
                charge(placed, refunds={"data": [{"id": "re_" + "x" * 300, "amount": 1}]}),
                charge(placed, payment_intent={"id": ["pi"]})):
        assert result(deliver(client, fake_gateway, "charge.refunded", obj)) == "ignored"
    assert admin_order(client, placed)["status"] == "paid"


def test_refund_ids_that_cannot_be_recorded_are_skipped(client, fake_gateway):
    first, second = placed_order(client), placed_order(client)
    for placed in (first, second):
        deliver(client, fake_gateway, "payment_intent.succeeded", intent_object(fake_gateway, placed))
    listed = {"data": [{"id": "re_shared", "amount": 100}]}
    assert result(deliver(client, fake_gateway, "charge.refunded", charge(first, amount_refunded=100, refunds=listed))) \
        == "paid->partially_refunded"
    refunds = {"data": [{"id": "re_shared", "amount": 100},  # the other order's
                        {"id": "re_twice", "amount": 50}, {"id": "re_twice", "amount": 50},
                        {"id": "re_" + "x" * 100, "amount": 50},  # longer than the column
                        {"id": "re_ok", "amount": 50, "status": "requires_action_and_more", "reason": "r" * 100}]}
    response = deliver(client, fake_gateway, "charge.refunded", charge(second, amount_refunded=150, refunds=refunds))
    assert result(response) == "paid->partially_refunded"
    recorded = {r["provider_refund_id"]: r for r in admin_order(client, second)["refunds"]}
    assert sorted(recorded) == ["re_ok", "re_twice"]
    assert len(recorded["re_ok"]["status"]) == 16 and len(recorded["re_ok"]["reason"]) == 64
    assert [r["provider_refund_id"] for r in admin_order(client, first)["refunds"]] == ["re_shared"]


@pytest.mark.parametrize(
    "body",
    [
        b'{"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": "pi_1"}}',
        b'{"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": ["pi_1"]}}',
        b'{"id": "' + b"e" * 256 + b'", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1"}}}',
        b'{"id": 7, "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1"}}}',
        b'{"id": "evt_1", "data": {"object": {"id": "pi_1"}}}',
        b'["evt_1"]',
        b"[" * 50_000,
    ],
    ids=["object_text", "object_list", "long_event_id", "numeric_event_id", "no_type", "list", "deep"],
)
def test_signed_bodies_that_are_not_events_are_refused(client, fake_gateway, body):
    response = client.post(WEBHOOK, data=body, headers={"Stripe-Signature": sign_payload(body, fake_gateway.webhook_secret)})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_signature"


def test_a_long_event_type_is_kept_shortened(client, fake_gateway):
    response = deliver(client, fake_gateway, "customer." + "x" * 200, {"id": "cus_1"}, event_id="evt_long_type")
    assert result(response) == "ignored"
    again = deliver(client, fake_gateway, "customer." + "x" * 200, {"id": "cus_1"}, event_id="evt_long_type")
    assert result(again) == "duplicate"
