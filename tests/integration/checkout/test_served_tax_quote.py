"""No tax-provider call holds a database lock (issue 13, after issue 12's
rule), against the served app on SQLite and PostgreSQL with Stripe Tax
(``TAX_PROVIDER=stripe``) at a slow fake of ``POST /v1/tax/calculations``
(storefront/devtools/fake_stripe_tax.py) and payments on localstripe.

Checkout asks the provider first, in a read-only transaction, then computes
the order's taxes from that quote under the cart's lock: another shopper's
write goes through while the provider is slow (on SQLite the one write lock
is free), and a cart changed between quote and lock is quoted again, so the
order is taxed on what it contains (never on a stale quote), not refused."""
from __future__ import annotations

import threading
import time
import uuid
from decimal import ROUND_HALF_UP, Decimal

import pytest

from storefront.devtools.fake_stripe_tax import FakeStripeTax
from tests.integration.checkout.test_served_checkout import ok
from tests.served import ADMIN, served_shop

HOODIE = "APP-HOD-ORG-GRY-M"  # clothing, taxed in WA at 10.35 % in Seattle
SEATTLE = {"email": "sam@example.com", "name": "Sam Lee", "line1": "400 Pine St", "city": "Seattle",
           "postal_code": "98101", "region": "WA", "country": "US"}
SLOW = 2.5  # seconds the fake takes per calculation while slow


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def taxed_shop(request):
    fake = FakeStripeTax().start()
    try:
        with served_shop(request.param, stripe=True, workers=3,
                         env={"TAX_PROVIDER": "stripe", "STRIPE_TAX_API_BASE": fake.url,
                              "TAX_PROVIDER_TIMEOUT_SECONDS": "8"}) as shop:
            ok(shop, "PUT", f"/api/v1/admin/variants/{HOODIE}/stock/US-RNO", {"quantity": 100}, ADMIN)
            yield shop, fake
    finally:
        fake.stop()


@pytest.fixture
def fake(taxed_shop):
    _shop, server = taxed_shop
    server.mode, server.delay = "ok", SLOW
    yield server
    server.mode = "ok"


def seattle_cart(shop, quantity: int) -> str:
    token = ok(shop, "POST", "/api/v1/carts?market=US", expect=201)["token"]
    ok(shop, "POST", f"/api/v1/carts/{token}/items", {"sku": HOODIE, "quantity": quantity})
    ok(shop, "PUT", f"/api/v1/carts/{token}/address", SEATTLE)
    methods = ok(shop, "GET", f"/api/v1/carts/{token}/shipping-methods")["items"]
    ok(shop, "PUT", f"/api/v1/carts/{token}/shipping-method", {"id": methods[0]["id"]})
    return token


def in_thread(answers: dict, name: str, shop, method: str, path: str, body=None, headers=None) -> threading.Thread:
    def run() -> None:
        started = time.monotonic()
        status, answer = shop.request(method, path, body, headers, timeout=60)
        answers[name] = (status, answer, time.monotonic() - started)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_writes_go_through_while_checkout_waits_for_the_tax_provider(taxed_shop, fake):
    shop, _ = taxed_shop
    token = seattle_cart(shop, 1)
    fake.mode = "slow"
    answers: dict = {}
    checkout = in_thread(answers, "checkout", shop, "POST", f"/api/v1/carts/{token}/checkout",
                         headers={"Idempotency-Key": str(uuid.uuid4())})
    time.sleep(0.6)  # the checkout is waiting for Stripe Tax now
    started = time.monotonic()
    other = ok(shop, "POST", "/api/v1/carts?market=DE", expect=201)["token"]  # writes, no provider call
    ok(shop, "POST", f"/api/v1/carts/{other}/items", {"sku": "BOK-MOBY-HC", "quantity": 1})
    writes = time.monotonic() - started
    checkout.join(30)
    status, placed, took = answers["checkout"]
    assert status == 201, placed
    assert took >= SLOW  # it did wait for the provider ...
    assert writes < 1.0, writes  # ... holding no lock meanwhile (before: 2.2 s on SQLite, behind the write lock)
    assert placed["order"]["tax"]["provider"] == "stripe"
    assert placed["order"]["tax"]["calculation_id"].startswith("taxcalc_fake")
    assert "Traceback" not in shop.log()


def test_a_cart_changed_during_the_tax_quote_is_quoted_again_and_taxed_as_it_is(taxed_shop, fake):
    shop, _ = taxed_shop
    token = seattle_cart(shop, 1)
    fake.mode = "slow"
    calls = len(fake.requests)
    answers: dict = {}
    checkout = in_thread(answers, "checkout", shop, "POST", f"/api/v1/carts/{token}/checkout",
                         headers={"Idempotency-Key": str(uuid.uuid4())})
    time.sleep(0.6)  # the checkout's quote (one hoodie) is in flight
    change = in_thread(answers, "change", shop, "PATCH", f"/api/v1/carts/{token}/items/{HOODIE}", {"quantity": 2})
    checkout.join(40)
    change.join(40)
    status, changed, _ = answers["change"]
    assert status == 200, changed  # before: it waited for the checkout's lock, then 409 cart_checked_out
    status, placed, _ = answers["checkout"]
    assert status == 201, placed
    order = placed["order"]
    assert [(line["sku"], line["quantity"]) for line in order["lines"]] == [(HOODIE, 2)]
    assert order["totals"]["tax"] == changed["totals"]["tax"]  # the tax of two hoodies, not the quote of one
    unit = Decimal(changed["items"][0]["unit_price"]["amount"])
    shipping = Decimal(changed["totals"]["shipping"]["amount"])

    def pct(amount: Decimal, rate: str) -> Decimal:
        return (amount * Decimal(rate) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    expected = pct(unit * 2 + shipping, "6.5") + pct(unit * 2 + shipping, "3.85")  # the US rounds per order
    assert Decimal(order["totals"]["tax"]["amount"]) == expected
    asked = [len(r["line_items"]) and r["line_items"][0]["quantity"] for r in fake.requests[calls:]]
    assert asked.count("1") == 1 and asked.count("2") >= 2, asked  # the stale quote, the change, the new quote
