"""A slow Stripe against the served app (issue 12, items 11 and 12), on SQLite
and PostgreSQL: a local HTTP server that takes 30 s per call stands in for
Stripe. Checkout answers a JSON 503 within STRIPE_TIMEOUT_SECONDS (all
attempts included) plus a little, writes nothing (no order, no reservation,
the cart still open), and other shoppers' writes go through meanwhile (no
database lock is held while Stripe is called).

And the request deadline (item 18): a checkout stuck behind a row lock on
PostgreSQL (which waits without limit) is stopped at REQUEST_TIMEOUT_SECONDS
with a JSON 503, long before gunicorn's worker timeout."""
from __future__ import annotations

import threading
import time
import uuid

import sqlalchemy as sa
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.functional.shopping import ADDRESSES
from tests.integration.checkout.test_served_checkout import level, ok, orders_of, ready_cart, set_stock
from tests.served import served_shop

BUDGET = 3  # STRIPE_TIMEOUT_SECONDS for the served app
DEADLINE = 5  # REQUEST_TIMEOUT_SECONDS for the served app (gunicorn's timeout stays 30 s)
SLOW = 30  # seconds the fake Stripe takes per call
SKU = "BOK-MOBY-HC"


class SlowStripe:
    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls: list[str] = []
        slow = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                slow.calls.append(f"{self.command} {self.path}")
                slow.release.wait(SLOW)
                body = b'{"error": {"type": "api_error", "message": "slow"}}'
                try:
                    self.send_response(500)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client gave up long ago
                    pass

            do_GET = do_POST

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def slow_shop(request):
    slow = SlowStripe()
    try:
        with served_shop(request.param, env={"STRIPE_API_BASE": slow.url,
                                             "STRIPE_TIMEOUT_SECONDS": str(BUDGET),
                                             "REQUEST_TIMEOUT_SECONDS": str(DEADLINE)}) as shop:
            yield shop, slow
    finally:
        slow.stop()


def test_a_slow_stripe_gets_a_json_503_within_the_budget_and_writes_nothing(slow_shop):
    shop, slow = slow_shop
    set_stock(shop, SKU, 20)
    token = ready_cart(shop, [(SKU, 2)])
    other = ready_cart(shop, [(SKU, 1)])
    before, orders_before = level(shop, SKU), len(orders_of(shop))
    answers: dict[str, tuple[int, object, float]] = {}

    def timed(name: str, method: str, path: str, body=None, headers=None) -> None:
        started = time.monotonic()
        status, answer = shop.request(method, path, body, headers, timeout=SLOW + 10)
        answers[name] = (status, answer, time.monotonic() - started)

    shopper = threading.Thread(target=timed, args=("checkout", "POST", f"/api/v1/carts/{token}/checkout", None,
                                                   {"Idempotency-Key": str(uuid.uuid4())}))
    shopper.start()
    time.sleep(0.5)  # the checkout is waiting for Stripe now
    # Another shopper writes meanwhile: no lock is held during the provider call.
    timed("address", "PUT", f"/api/v1/carts/{other}/address", ADDRESSES["DE"])
    shopper.join(SLOW + 15)

    status, body, took = answers["checkout"]
    assert status == 503 and isinstance(body, dict), (status, body)
    assert body["error"]["code"] == "payment_provider_unavailable", body
    assert took < BUDGET + 1.5, took
    assert slow.calls and all(c == "POST /v1/payment_intents" for c in slow.calls), slow.calls
    assert answers["address"][0] == 200 and answers["address"][2] < 2, answers["address"]
    # Nothing half-written: no order, no reservation, the cart still open for a retry.
    assert len(orders_of(shop)) == orders_before
    assert level(shop, SKU) == before
    ok(shop, "POST", f"/api/v1/carts/{token}/items", {"sku": SKU, "quantity": 1})
    log = shop.log()
    assert "WORKER TIMEOUT" not in log and "Traceback" not in log, log[-3000:]


def test_a_checkout_stuck_on_a_lock_is_stopped_at_the_deadline_with_a_json_503(slow_shop):
    shop, _slow = slow_shop
    if not shop.database_url.startswith("postgresql"):
        pytest.skip("SQLite waits for its write lock at most busy_timeout (10 s), then answers itself")
    set_stock(shop, SKU, 20)
    token = ready_cart(shop, [(SKU, 1)])
    before, orders_before = level(shop, SKU), len(orders_of(shop))
    engine = sa.create_engine(shop.database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as locker:
            locker.execute(sa.text("SELECT id FROM cart WHERE token = :t FOR UPDATE"), {"t": token})
            started = time.monotonic()
            status, body = shop.request("POST", f"/api/v1/carts/{token}/checkout",
                                        headers={"Idempotency-Key": str(uuid.uuid4()), "Accept-Language": "de"},
                                        timeout=40)
            took = time.monotonic() - started
            locker.rollback()
    finally:
        engine.dispose()
    assert status == 503 and isinstance(body, dict), (status, body, shop.log()[-6000:])
    assert body["error"]["code"] == "request_timeout", body
    assert body["error"]["message"] != "The request took too long and was stopped. Please try again.", body
    assert DEADLINE - 0.5 < took < DEADLINE + 1.5, took
    # Rolled back: no order, no reservation, and the cart (and the worker) serve the next request.
    assert len(orders_of(shop)) == orders_before
    assert level(shop, SKU) == before
    ok(shop, "POST", f"/api/v1/carts/{token}/items", {"sku": SKU, "quantity": 1})
    log = shop.log()
    assert "WORKER TIMEOUT" not in log and token not in log, log[-3000:]
    assert "stopped after REQUEST_TIMEOUT_SECONDS" in log
