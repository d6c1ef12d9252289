"""What the server refuses or gives up on is answered in the JSON envelope,
never gunicorn's HTML (issue 12, item 18). One database: it is the server's
behaviour.

- Oversized request heads: the app answers those within gunicorn's raised
  limits; the worker (storefront/serving.py) the ones beyond them (a request
  line over 1 MB, a header field over 64 KiB, more than 1,000 fields) and a
  malformed request line.
- Time: a request past REQUEST_TIMEOUT_SECONDS is stopped by the app (JSON 503,
  rolled back); with that deadline off, gunicorn's worker timeout kills the
  worker and the worker still answers a JSON 503 first. Stripe is a local
  server that never answers in time, with a budget longer than both.
"""
from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from tests.integration.checkout.test_served_checkout import level, ok, orders_of, ready_cart, set_stock
from tests.integration.checkout.test_served_slow_stripe import SlowStripe
from tests.served import served_shop

SKU = "BOK-MOBY-HC"

# served.py's start-up probe can leave a socket to the collector (a ResourceWarning, not ours to judge here).
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning",
                                        "ignore::ResourceWarning")


@pytest.fixture(scope="module")
def slow():
    stripe = SlowStripe()
    yield stripe
    stripe.stop()


@pytest.fixture(scope="module")
def runtime_dir():
    # Short: a unix socket path has at most 107 bytes (pytest's tmp paths are longer).
    path = Path(tempfile.mkdtemp(prefix="xdg", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def shop(slow, runtime_dir):
    with served_shop("sqlite", env={"STRIPE_API_BASE": slow.url, "STRIPE_TIMEOUT_SECONDS": "20",
                                    "REQUEST_TIMEOUT_SECONDS": "2", "GUNICORN_TIMEOUT": "8",
                                    "XDG_RUNTIME_DIR": str(runtime_dir)}) as served:
        yield served


def test_no_shared_control_socket_is_opened(shop, runtime_dir):
    """gunicorn 25+ would open $XDG_RUNTIME_DIR/gunicorn.ctl, one path for every
    instance on the host (issue 14): off unless GUNICORN_CONTROL_SOCKET names one."""
    assert shop.request("GET", "/healthz")[0] == 200
    assert not (runtime_dir / "gunicorn.ctl").exists()


@pytest.fixture(scope="module")
def undeadlined_shop(slow):
    """The deadline off: only gunicorn's worker timeout (3 s) stops a request."""
    with served_shop("sqlite", workers=1, env={"STRIPE_API_BASE": slow.url, "STRIPE_TIMEOUT_SECONDS": "20",
                                               "REQUEST_TIMEOUT_SECONDS": "0", "GUNICORN_TIMEOUT": "3"}) as served:
        yield served




def envelope(status, body, expected, code):
    assert status == expected, str(body)[:300]
    assert isinstance(body, dict) and body["error"]["code"] == code and body["error"]["message"], str(body)[:300]


def test_a_long_url_is_a_json_414(shop):
    status, body = shop.request("GET", "/api/v1/products?q=" + "x" * 9000)
    envelope(status, body, 414, "uri_too_long")
    status, body = shop.request("GET", "/api/v1/products?q=" + "x" * 100_000)
    envelope(status, body, 414, "uri_too_long")


def test_a_large_header_is_a_json_431(shop):
    status, body = shop.request("GET", "/api/v1/products", headers={"X-Big": "y" * 10_000})
    envelope(status, body, 431, "headers_too_large")


def test_many_headers_are_a_json_431(shop):
    status, body = shop.request("GET", "/api/v1/products", headers={f"X-H{i}": "1" for i in range(150)})
    envelope(status, body, 431, "headers_too_large")


def test_an_ordinary_request_still_passes(shop):
    status, body = shop.request("GET", "/api/v1/products?limit=2")
    assert status == 200 and len(body["items"]) == 2


def json_envelope(status: int, headers: dict[str, str], body: bytes, expected: int, code: str) -> dict:
    import json

    assert status == expected, body[:300]
    assert headers["content-type"] == "application/json", headers
    answer = json.loads(body)
    assert answer["error"]["code"] == code and answer["error"]["message"], answer
    return answer


def test_a_request_line_over_a_megabyte_is_a_json_414_from_the_worker(shop):
    status, headers, body = shop.raw(b"GET /api/v1/products?q=" + b"x" * 1_100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    json_envelope(status, headers, body, 414, "uri_too_long")


def test_a_header_over_64_kib_is_a_json_431_from_the_worker(shop):
    head = b"GET /api/v1/products HTTP/1.1\r\nHost: x\r\nAccept-Language: fr\r\nX-Big: " + b"y" * 70_000
    status, headers, body = shop.raw(head + b"\r\n\r\n")
    answer = json_envelope(status, headers, body, 431, "headers_too_large")
    assert headers["x-content-type-options"] == "nosniff"
    assert answer["error"]["message"] == "The request headers are too large."  # the head was not read: English


def test_over_a_thousand_headers_are_a_json_431_from_the_worker(shop):
    fields = b"".join(b"X-H%d: 1\r\n" % i for i in range(1100))
    status, headers, body = shop.raw(b"GET /api/v1/products HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n")
    json_envelope(status, headers, body, 431, "headers_too_large")


def test_a_malformed_request_line_is_a_json_400_from_the_worker(shop):
    status, headers, body = shop.raw(b"GET\x01 / HTTP/1.1\r\nHost: x\r\n\r\n")
    json_envelope(status, headers, body, 400, "bad_request")


def _checkout(shop, token: str, language: str = "en") -> tuple[int, object, float]:
    started = time.monotonic()
    status, body = shop.request("POST", f"/api/v1/carts/{token}/checkout", timeout=40,
                                headers={"Idempotency-Key": str(uuid.uuid4()), "Accept-Language": language})
    return status, body, time.monotonic() - started


def test_a_request_past_the_deadline_is_stopped_with_a_json_503_and_rolled_back(shop, slow):
    set_stock(shop, SKU, 20)
    token = ready_cart(shop, [(SKU, 2)])
    before, orders_before = level(shop, SKU), len(orders_of(shop))
    status, body, took = _checkout(shop, token, "fr")
    assert status == 503 and isinstance(body, dict), (status, body)
    # The deadline interrupts the Stripe call; the SDK reports it as a connection error.
    assert body["error"]["code"] in ("request_timeout", "payment_provider_unavailable"), body
    assert took < 2 + 1.5, took
    assert slow.calls, "the checkout reached Stripe"
    assert len(orders_of(shop)) == orders_before and level(shop, SKU) == before, (body, shop.log()[-5000:])
    ok(shop, "POST", f"/api/v1/carts/{token}/items", {"sku": SKU, "quantity": 1})  # still open
    assert "WORKER TIMEOUT" not in shop.log()


def test_a_request_past_gunicorns_timeout_still_gets_a_json_503(undeadlined_shop):
    shop = undeadlined_shop
    token = ready_cart(shop, [(SKU, 1)])
    status, body, took = _checkout(shop, token, "de")
    assert status == 503 and isinstance(body, dict), (status, body)
    assert body["error"]["code"] == "request_timeout", body
    assert body["error"]["message"] == "Die Anfrage hat zu lange gedauert und wurde abgebrochen. Bitte versuchen Sie es erneut.", body
    assert 3 <= took < 3 + 3, took
    # The worker was replaced and serves again; the log names the path without the cart's token.
    ok(shop, "GET", f"/api/v1/carts/{token}")
    deadline = time.monotonic() + 5
    while "still running at gunicorn's worker timeout" not in shop.log() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = shop.log()
    assert "WORKER TIMEOUT" in log and "/api/v1/carts/<token>/checkout" in log, log[-3000:]
    assert token not in log, log[-3000:]


def test_a_url_with_raw_non_ascii_bytes_says_how_to_encode_it(shop):
    """curl sends `q=préjugés` as typed (issue 16): JSON with the fix, not gunicorn's HTML."""
    status, headers, body = shop.raw("GET /api/v1/products?market=FR&q=préjugés HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    answer = json_envelope(status, headers, body, 400, "invalid_request_line")
    assert "q=pr%C3%A9jug%C3%A9s" in answer["error"]["message"]
