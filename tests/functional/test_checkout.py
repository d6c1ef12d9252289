"""Checkout, payment events, refunds and expiry through the HTTP API, with a
fake Stripe behind the gateway interface (localstripe: tests/e2e)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from storefront import clock
from storefront.payments.errors import PaymentProviderUnavailable
from tests.functional.shopping import ADMIN, checkout, deliver, ready_cart, stock

D = Decimal
BOOK = "BOK-PRIDE-PB"


def stock_of(client, sku, warehouse="DE-LEJ"):
    items = client.get(f"/api/v1/admin/variants/{sku}/stock", headers=ADMIN).get_json()["items"]
    return next(i for i in items if i["warehouse"] == warehouse)


def test_checkout_needs_an_idempotency_key_and_a_complete_cart(client, fake_gateway):
    cart = ready_cart(client, "DE", "DE", [(BOOK, 1)])
    response = client.post(f"/api/v1/carts/{cart['token']}/checkout")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "idempotency_key_required"
    empty = client.post("/api/v1/carts?market=DE").get_json()
    response, body, _ = checkout(client, empty["token"])
    assert response.status_code == 422 and body["error"]["code"] == "cart_incomplete"
    assert fake_gateway.intents == {}


def test_checkout_reserves_stock_and_creates_one_payment_intent_in_the_market_currency(client, fake_gateway):
    cart = ready_cart(client, "CH", "CH", [(BOOK, 2)], units=5)
    response, body, key = checkout(client, cart["token"])
    assert response.status_code == 201, body
    order, payment = body["order"], body["payment"]
    assert order["status"] == "pending_payment" and order["currency"] == "CHF"
    assert payment["provider"] == "stripe" and payment["currency"] == "CHF"
    assert payment["amount_minor"] == int(D(order["totals"]["total"]["amount"]) * 100)
    assert order["totals"]["total"] == cart["totals"]["total"]
    assert order["fx_rate"] == {"base": "EUR", "rate": "0.9354"}
    assert stock_of(client, BOOK)["reserved"] == 2
    # the same key: the same order and PaymentIntent, nothing new
    again, body2, _ = checkout(client, cart["token"], key)
    assert again.status_code == 201
    assert body2["order"]["id"] == order["id"] and body2["payment"] == payment
    assert len(fake_gateway.intents) == 1 and stock_of(client, BOOK)["reserved"] == 2
    # the cart is closed; another cart with the used key is a conflict
    other = ready_cart(client, "DE", "DE", [(BOOK, 1)])
    response, body, _ = checkout(client, other["token"], key)
    assert response.status_code == 409 and body["error"]["code"] == "idempotency_key_reused"
    assert client.post(f"/api/v1/carts/{cart['token']}/items", json={"sku": BOOK, "quantity": 1}).status_code == 409


def test_payment_provider_down_writes_nothing_and_the_retry_succeeds(client, fake_gateway):
    cart = ready_cart(client, "DE", "DE", [(BOOK, 1)], units=3)
    fake_gateway.fail_next(PaymentProviderUnavailable())
    response, body, key = checkout(client, cart["token"])
    assert response.status_code == 503 and body["error"]["code"] == "payment_provider_unavailable"
    assert stock_of(client, BOOK)["reserved"] == 0
    assert client.get(f"/api/v1/carts/{cart['token']}").status_code == 200  # still open
    # Stripe created the intent but the answer was lost: the retry gets the same intent
    fake_gateway.lose_next_response()
    response, body, _ = checkout(client, cart["token"], key)
    assert response.status_code == 503
    response, body, _ = checkout(client, cart["token"], key)
    assert response.status_code == 201
    assert len(fake_gateway.intents) == 1


def test_out_of_stock_at_checkout_is_409(client, fake_gateway):
    cart = ready_cart(client, "DE", "DE", [(BOOK, 2)], units=2)
    stock(client, BOOK, "DE-LEJ", 1)
    response, body, _ = checkout(client, cart["token"])
    assert response.status_code == 409 and body["error"]["code"] == "out_of_stock"
    assert stock_of(client, BOOK)["reserved"] == 0


def test_currency_is_checked_again_at_payment(client, fake_gateway, db_session, app):
    from storefront.checkout.models import Cart

    cart = ready_cart(client, "DE", "DE", [(BOOK, 1)])
    with app.app_context():
        row = db_session.scalar(select(Cart).where(Cart.token == cart["token"]))
        row.currency = "USD"
        db_session.commit()
    response, body, _ = checkout(client, cart["token"])
    assert response.status_code == 409 and body["error"]["code"] == "currency_mismatch"


def test_below_stripes_minimum_is_422(client, fake_gateway, db_session, app):
    from storefront.shipping.models import ShippingMethod

    with app.app_context():
        for method in db_session.scalars(select(ShippingMethod).where(ShippingMethod.currency == "JPY")):
            method.rate = D(0)
        db_session.commit()
    client.put("/api/v1/admin/variants/BOK-PRIDE-PB/prices/JP", json={"amount": "40"}, headers=ADMIN)
    cart = ready_cart(client, "JP", "JP", [(BOOK, 1)])
    response, body, _ = checkout(client, cart["token"])
    assert response.status_code == 422 and body["error"]["code"] == "below_minimum_amount"


def pay(client, fake_gateway, order, **kwargs):
    pi = order["payment"]["payment_intent_id"]
    fake_gateway.set_status(pi, "succeeded")
    return deliver(client, fake_gateway, "payment_intent.succeeded", fake_gateway.payment_intent_object(pi), **kwargs)


def test_webhook_marks_paid_commits_stock_and_queues_a_confirmation_in_the_shoppers_language(
        client, fake_gateway, db_session, app):
    from storefront.orders.models import OutboxMessage

    cart = ready_cart(client, "FR", "DE", [(BOOK, 2)], units=10)  # moves to DE, locale de-DE
    response, placed, _ = checkout(client, cart["token"])
    assert response.status_code == 201
    response = pay(client, fake_gateway, placed, event_id="evt_paid_1")
    assert response.status_code == 200 and response.get_json()["result"] == "pending_payment->paid"
    assert pay(client, fake_gateway, placed, event_id="evt_paid_1").get_json()["result"] == "duplicate"
    order = client.get(f"/api/v1/orders/{placed['order']['token']}").get_json()
    assert order["status"] == "paid" and order["totals"]["paid"] == order["totals"]["total"]
    assert stock_of(client, BOOK) == {"warehouse": "DE-LEJ", "quantity": 8, "reserved": 0, "available": 8}
    with app.app_context():
        message = db_session.scalar(select(OutboxMessage).where(OutboxMessage.order_id == order["id"]))
    assert message.locale == "de-DE" and message.recipient == "max@example.de"
    assert "Stolz und Vorurteil" in message.body and "€" in message.body
    assert message.subject != f"Your order {order['id']}"


def test_bad_signatures_are_refused(client, fake_gateway):
    payload, signature = fake_gateway.signed_event("payment_intent.succeeded", {"id": "pi_x"})
    response = client.post("/api/v1/payments/stripe/webhook", data=payload + b" ", headers={"Stripe-Signature": signature})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_signature"
    response = client.post("/api/v1/payments/stripe/webhook", data=payload)
    assert response.status_code == 400


def test_out_of_order_events_converge(client, fake_gateway):
    cart = ready_cart(client, "DE", "DE", [(BOOK, 1)], units=5)
    _, placed, _ = checkout(client, cart["token"])
    pi = placed["payment"]["payment_intent_id"]
    total_minor = placed["payment"]["amount_minor"]
    charge = {"id": "ch_1", "object": "charge", "payment_intent": pi, "amount": total_minor,
              "amount_refunded": total_minor, "refunds": {"data": [{"id": "re_1", "amount": total_minor}]}}
    assert deliver(client, fake_gateway, "charge.refunded", charge).status_code == 200  # refund first...
    pay(client, fake_gateway, placed)  # ...then the payment
    order = client.get(f"/api/v1/orders/{placed['order']['token']}").get_json()
    assert order["status"] == "refunded"
    deliver(client, fake_gateway, "charge.refunded", {**charge, "amount_refunded": 100})  # stale, lower
    assert client.get(f"/api/v1/orders/{placed['order']['token']}").get_json()["status"] == "refunded"


def test_refunds_partial_then_full_never_more(client, fake_gateway):
    cart = ready_cart(client, "JP", "JP", [(BOOK, 2)])
    _, placed, _ = checkout(client, cart["token"])
    pay(client, fake_gateway, placed)
    order_id = placed["order"]["id"]
    total = D(placed["order"]["totals"]["total"]["amount"])
    response = client.post(f"/api/v1/admin/orders/{order_id}/refunds", json={"amount": "1000"}, headers=ADMIN)
    assert response.status_code == 201 and response.get_json()["amount"]["amount"] == "1000"
    assert client.get(f"/api/v1/orders/{placed['order']['token']}").get_json()["status"] == "partially_refunded"
    response = client.post(f"/api/v1/admin/orders/{order_id}/refunds", json={"amount": str(total)}, headers=ADMIN)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "refund_exceeds_paid"
    response = client.post(f"/api/v1/admin/orders/{order_id}/refunds", json={}, headers=ADMIN)
    assert response.status_code == 201 and D(response.get_json()["amount"]["amount"]) == total - 1000
    assert client.get(f"/api/v1/orders/{placed['order']['token']}").get_json()["status"] == "refunded"
    assert fake_gateway.refunded_minor(placed["payment"]["payment_intent_id"]) == int(total)
    detail = client.get(f"/api/v1/admin/orders/{order_id}", headers=ADMIN).get_json()
    assert len(detail["refunds"]) == 2 and detail["email"] == "yui@example.jp"


def test_unpaid_orders_expire_and_release_their_stock(client, fake_gateway, app, db_session, monkeypatch):
    from storefront.orders.services import expire_unpaid

    cart = ready_cart(client, "DE", "DE", [(BOOK, 3)], units=3)
    _, placed, _ = checkout(client, cart["token"])
    assert stock_of(client, BOOK)["available"] == 0
    with app.app_context():
        assert expire_unpaid(db_session, clock.now() + timedelta(minutes=31), fake_gateway) == 1
        db_session.commit()
    assert stock_of(client, BOOK)["available"] == 3
    order = client.get(f"/api/v1/orders/{placed['order']['token']}").get_json()
    assert order["status"] == "canceled"
    assert fake_gateway.intents[placed["payment"]["payment_intent_id"]].status == "canceled"


def test_admin_lists_orders_with_filters(client, fake_gateway):
    for _ in range(3):
        cart = ready_cart(client, "DE", "DE", [(BOOK, 1)])
        checkout(client, cart["token"])
    page = client.get("/api/v1/admin/orders?market=de&status=pending_payment&limit=2", headers=ADMIN).get_json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = client.get(f"/api/v1/admin/orders?market=DE&status=pending_payment&limit=2&cursor={page['next_cursor']}",
                      headers=ADMIN).get_json()
    ids = [o["id"] for o in page["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids) >= 3
    assert client.get("/api/v1/admin/orders", headers={"Authorization": "Bearer no"}).status_code == 401


def test_cli_lists_the_outbox_and_expires_orders(app, client, fake_gateway, db_session):
    cart = ready_cart(client, "JP", "JP", [(BOOK, 1)])
    _, placed, _ = checkout(client, cart["token"])
    pay(client, fake_gateway, placed)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["storefront", "outbox", "list"])
    assert result.exit_code == 0 and "yui@example.jp [ja-JP] pending" in result.output
    assert "高慢と偏見" in result.output
    result = runner.invoke(args=["storefront", "orders", "expire"])
    assert result.exit_code == 0 and "unpaid orders canceled" in result.output
    result = runner.invoke(args=["storefront", "carts", "purge"])
    assert result.exit_code == 0 and "expired carts deleted" in result.output
