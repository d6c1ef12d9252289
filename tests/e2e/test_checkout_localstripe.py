"""End to end, as in production but on loopback: cart -> address -> shipping ->
checkout -> payment confirmed on localstripe (the real stripe SDK) -> the
payment_intent.succeeded webhook delivered by localstripe to the app served
over HTTP -> order paid -> refunds. In EUR, JPY and KWD, on SQLite and on
PostgreSQL. localstripe sends no charge.refunded: that event is built and
signed here with stripe.WebhookSignature.generate_signature_header."""
from __future__ import annotations

import json
import os
import threading
import time
from decimal import Decimal

import pytest
import stripe
from werkzeug.serving import make_server

from storefront.money import round_to_increment, stripe_increment
from tests.conftest import _postgres_database, build_app
from tests.functional.shopping import ADMIN, checkout, ready_cart
from tests.localstripe_server import API_KEY, LocalStripeStartError, start_localstripe

WEBHOOK_SECRET = "whsec_e2e_storefront"
CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="module")
def localstripe():
    try:
        server = start_localstripe()
    except LocalStripeStartError as exc:
        if CI:
            raise
        pytest.skip(f"localstripe could not start: {exc}")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def live(backend, localstripe, tmp_path_factory):
    """The app on its own database (committed data), served over HTTP for webhooks."""
    if backend == "sqlite":
        url, ctx = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'shop.db'}", None
    else:
        ctx = _postgres_database()
        url = ctx.__enter__()
    app = build_app(url)
    app.config.update(STRIPE_API_BASE=localstripe.base_url, STRIPE_SECRET_KEY=API_KEY,
                      STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, STRIPE_TIMEOUT_SECONDS=10)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hook = f"http://127.0.0.1:{server.server_port}/api/v1/payments/stripe/webhook"
    localstripe.register_webhook(hook, WEBHOOK_SECRET)
    yield app
    server.shutdown()
    from storefront.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if ctx is not None:
        ctx.__exit__(None, None, None)


def wait_for_status(client, token, status, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        order = client.get(f"/api/v1/orders/{token}").get_json()
        if order["status"] == status:
            return order
        time.sleep(0.2)
    raise AssertionError(f"order {token} is {order['status']}, not {status}")


def signed(event_type, obj):
    payload = json.dumps({"id": f"evt_{obj['id']}_{event_type}", "object": "event", "type": event_type,
                          "created": int(time.time()), "data": {"object": obj}})
    header = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET)
    return payload, header


@pytest.mark.parametrize(
    "market, address, sku, digits",
    [("DE", "DE", "BOK-PRIDE-PB", 2), ("JP", "JP", "BOK-PRIDE-PB", 0), ("KW", "KW", "BOK-PRIDE-PB", 3)],
)
def test_cart_to_paid_order_to_refund(live, localstripe, market, address, sku, digits):
    client = live.test_client()
    cart = ready_cart(client, market, address, [(sku, 2)], units=10)
    response, placed, key = checkout(client, cart["token"])
    assert response.status_code == 201, placed
    order, payment = placed["order"], placed["payment"]
    total = Decimal(order["totals"]["total"]["amount"])
    assert payment["currency"] == order["currency"] == cart["currency"]
    assert payment["amount_minor"] == int(total.scaleb(digits))
    assert payment["client_secret"].startswith(payment["payment_intent_id"])
    # the shopper pays (Stripe.js would confirm with the client secret)
    sdk = stripe.StripeClient(API_KEY, base_addresses={"api": localstripe.base_url})
    pi = sdk.v1.payment_intents.retrieve(payment["payment_intent_id"])
    assert (pi.amount, pi.currency) == (payment["amount_minor"], order["currency"].lower())
    sdk.v1.payment_intents.update(pi.id, params={"payment_method": "pm_card_visa"})
    assert sdk.v1.payment_intents.confirm(pi.id).status == "succeeded"
    # localstripe delivers payment_intent.succeeded to the app over HTTP
    paid = wait_for_status(client, order["token"], "paid")
    assert paid["totals"]["paid"]["amount"] == order["totals"]["total"]["amount"]
    # replaying the checkout returns the same order and intent
    again, same, _ = checkout(client, cart["token"], key)
    assert again.status_code == 201 and same["payment"]["payment_intent_id"] == payment["payment_intent_id"]
    # a partial refund through the merchant API, on localstripe
    unit = Decimal(1).scaleb(-digits)
    part = round_to_increment(total / 4, stripe_increment(order["currency"]))  # KWD: whole 10 fils
    response = client.post(f"/api/v1/admin/orders/{order['id']}/refunds", json={"amount": str(part)}, headers=ADMIN)
    assert response.status_code == 201, response.get_json()
    assert wait_for_status(client, order["token"], "partially_refunded")
    refunds = sdk.v1.refunds.list(params={"payment_intent": pi.id}).data
    assert sum(r.amount for r in refunds) == int(part.scaleb(digits))
    # the rest is refunded in Stripe's dashboard: Stripe reports charge.refunded
    charge = {"id": f"ch_{pi.id}", "object": "charge", "payment_intent": pi.id, "amount": payment["amount_minor"],
              "amount_refunded": payment["amount_minor"], "refunds": {"data": []}}
    payload, header = signed("charge.refunded", charge)
    response = client.post("/api/v1/payments/stripe/webhook", data=payload, headers={"Stripe-Signature": header})
    assert response.status_code == 200, response.get_json()
    assert client.post("/api/v1/payments/stripe/webhook", data=payload,
                       headers={"Stripe-Signature": header}).get_json()["result"] == "duplicate"
    refunded = wait_for_status(client, order["token"], "refunded")
    assert refunded["totals"]["refunded"]["amount"] == order["totals"]["total"]["amount"]
    # more than was paid is refused
    response = client.post(f"/api/v1/admin/orders/{order['id']}/refunds", json={"amount": str(unit)}, headers=ADMIN)
    assert response.status_code == 422
