"""Checkout under real concurrency against the app served as `make run` serves
it (gunicorn, production settings, localstripe), on SQLite and PostgreSQL
(issue 12, items 6, 7 and 11). Each test asserts the end state: one order per
Idempotency-Key, the order in the cart's final market and currency, stock
reserved == units ordered, and no 500 in any answer or in the server log."""
from __future__ import annotations

import threading
import uuid
from typing import Any, Callable

import pytest
import stripe

from tests.functional.shopping import ADDRESSES
from tests.localstripe_server import API_KEY
from tests.served import ADMIN, served_shop

WAREHOUSE = "DE-LEJ"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shop(request):
    with served_shop(request.param, stripe=True, workers=4) as served:
        yield served


def ok(shop, method: str, path: str, body: Any = None, headers: dict | None = None, expect: int = 200) -> Any:
    status, answer = shop.request(method, path, body, headers)
    assert status == expect, (method, path, status, answer)
    return answer


def set_stock(shop, sku: str, quantity: int) -> None:
    ok(shop, "PUT", f"/api/v1/admin/variants/{sku}/stock/{WAREHOUSE}", {"quantity": quantity}, ADMIN)


def level(shop, sku: str) -> tuple[int, int]:
    items = ok(shop, "GET", f"/api/v1/admin/variants/{sku}/stock", headers=ADMIN)["items"]
    row = next(i for i in items if i["warehouse"] == WAREHOUSE)
    return row["quantity"], row["reserved"]


def ready_cart(shop, items: list[tuple[str, int]], address: str = "DE") -> str:
    token = ok(shop, "POST", "/api/v1/carts?market=DE", expect=201)["token"]
    for sku, quantity in items:
        ok(shop, "POST", f"/api/v1/carts/{token}/items", {"sku": sku, "quantity": quantity})
    ok(shop, "PUT", f"/api/v1/carts/{token}/address", ADDRESSES[address])
    methods = ok(shop, "GET", f"/api/v1/carts/{token}/shipping-methods")["items"]
    ok(shop, "PUT", f"/api/v1/carts/{token}/shipping-method", {"id": methods[0]["id"]})
    return token


def together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released at once; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert not any(isinstance(r, Exception) for r in results), results
    return results


def checkout(shop, token: str, key: str) -> tuple[int, Any]:
    return shop.request("POST", f"/api/v1/carts/{token}/checkout", headers={"Idempotency-Key": key})


def orders_of(shop) -> list[dict]:
    found, cursor = [], None
    while True:
        page = ok(shop, "GET", "/api/v1/admin/orders?limit=100" + (f"&cursor={cursor}" if cursor else ""),
                  headers=ADMIN)
        found += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return found


def assert_no_server_errors(shop, statuses) -> None:
    assert all(s < 500 for s in statuses), statuses
    log = shop.log()
    assert "database is locked" not in log and "Traceback" not in log, log[-3000:]


def test_the_same_idempotency_key_eight_times_at_once_answers_one_order(shop):
    set_stock(shop, "BOK-MOBY-HC", 50)
    token, key = ready_cart(shop, [("BOK-MOBY-HC", 2)]), str(uuid.uuid4())
    before = level(shop, "BOK-MOBY-HC")
    results = together([lambda: checkout(shop, token, key)] * 8)
    assert_no_server_errors(shop, [s for s, _ in results])
    assert [s for s, _ in results] == [201] * 8, results
    assert len({b["order"]["id"] for _, b in results}) == 1
    assert len({b["payment"]["payment_intent_id"] for _, b in results}) == 1
    assert all(b["payment"]["client_secret"] for _, b in results)
    order_id = results[0][1]["order"]["id"]
    assert sum(1 for o in orders_of(shop) if o["id"] == order_id) == 1
    assert level(shop, "BOK-MOBY-HC") == (before[0], before[1] + 2)  # reserved once


def test_an_address_change_racing_checkout_lands_before_the_snapshot_or_gets_409(shop):
    set_stock(shop, "BOK-PRIDE-HC", 200)
    tokens = [ready_cart(shop, [("BOK-PRIDE-HC", 1)]) for _ in range(6)]
    before = level(shop, "BOK-PRIDE-HC")
    calls: list[Callable[[], Any]] = []
    for token in tokens:
        calls.append(lambda token=token: ("checkout", token, checkout(shop, token, str(uuid.uuid4()))))
        calls.append(lambda token=token: ("address", token, shop.request(
            "PUT", f"/api/v1/carts/{token}/address", ADDRESSES["CH"])))
    results = together(calls)
    assert_no_server_errors(shop, [r[2][0] for r in results])
    ordered = 0
    for token in tokens:
        (_, _, (c_status, c_body)), (_, _, (a_status, a_body)) = [r for r in results if r[1] == token]
        assert c_status in (201, 422), c_body
        assert a_status in (200, 409), a_body
        cart = ok(shop, "GET", f"/api/v1/carts/{token}")
        if a_status == 200:
            assert cart["market"] == "CH" and cart["currency"] == "CHF" and cart["address"]["country"] == "CH"
        if c_status == 201:
            ordered += 1
            order, payment = c_body["order"], c_body["payment"]
            # The order, its PaymentIntent and the cart agree on where it goes.
            assert (order["market"], order["currency"], payment["currency"]) == (
                cart["market"], cart["currency"], cart["currency"]), (order, cart)
            assert a_status == 409 or cart["market"] == "CH", (a_status, a_body)
        else:  # the address landed first: the cart moved to CH and must choose shipping again
            assert a_status == 200 and c_body["error"]["code"] == "cart_incomplete", (a_body, c_body)
    assert level(shop, "BOK-PRIDE-HC") == (before[0], before[1] + ordered)


def _pay(shop, payment_intent_id: str) -> None:
    client = stripe.StripeClient(API_KEY, base_addresses={"api": shop.stripe.base_url})
    client.v1.payment_intents.update(payment_intent_id, params={"payment_method": "pm_card_visa"})
    client.v1.payment_intents.confirm(payment_intent_id)


def test_mixed_load_parallel_checkouts_webhooks_and_refunds_never_500(shop):
    set_stock(shop, "BOK-MOBY-PB", 500)
    set_stock(shop, "BOK-PRIDE-PB", 500)
    before = level(shop, "BOK-MOBY-PB")
    # 12 parallel checkouts of 12 carts.
    tokens = [ready_cart(shop, [("BOK-MOBY-PB", 1)]) for _ in range(12)]
    results = together([lambda t=t: checkout(shop, t, str(uuid.uuid4())) for t in tokens])
    statuses = [s for s, _ in results]
    assert_no_server_errors(shop, statuses)
    assert statuses == [201] * 12, results
    assert level(shop, "BOK-MOBY-PB") == (before[0], before[1] + 12)
    placed = [b for _, b in results]

    # Then 4 shoppers doing mixed requests while 6 orders get paid (localstripe's
    # webhooks arrive concurrently) and 6 paid orders are refunded.
    for body in placed[:6]:
        _pay(shop, body["payment"]["payment_intent_id"])

    def shopper(i: int) -> list[int]:
        seen = []
        for round_ in range(6):
            seen.append(shop.request("GET", "/api/v1/products?market=DE&limit=5")[0])
            status, cart = shop.request("POST", "/api/v1/carts?market=DE")
            seen.append(status)
            token = cart["token"]
            seen.append(shop.request("POST", f"/api/v1/carts/{token}/items",
                                     {"sku": "BOK-PRIDE-PB", "quantity": 1})[0])
            seen.append(shop.request("PUT", f"/api/v1/carts/{token}/address", ADDRESSES["DE"])[0])
            status, methods = shop.request("GET", f"/api/v1/carts/{token}/shipping-methods")
            seen.append(status)
            seen.append(shop.request("PUT", f"/api/v1/carts/{token}/shipping-method",
                                     {"id": methods["items"][0]["id"]})[0])
            if round_ % 2 == 0:
                seen.append(checkout(shop, token, str(uuid.uuid4()))[0])
        return seen

    def pay_then_refund(body: dict) -> list[int]:
        order_id = body["order"]["id"]
        for _ in range(100):  # localstripe's webhook marks it paid
            status, order = shop.request("GET", f"/api/v1/admin/orders/{order_id}", headers=ADMIN)
            if order.get("status") == "paid":
                break
            threading.Event().wait(0.1)
        return [shop.request("POST", f"/api/v1/admin/orders/{order_id}/refunds", {}, ADMIN)[0]]

    mixed = together([lambda i=i: shopper(i) for i in range(4)]
                     + [lambda b=b: pay_then_refund(b) for b in placed[:6]]
                     + [lambda b=b: [checkout(shop, tokens[placed.index(b)], str(uuid.uuid4()))[0]]
                        for b in placed[6:8]])
    statuses = [s for seen in mixed for s in seen]
    assert_no_server_errors(shop, statuses)
    shoppers, refunds, again = mixed[:4], mixed[4:10], mixed[10:]
    assert all(s in (200, 201) for seen in shoppers for s in seen), shoppers
    assert refunds == [[201]] * 6, refunds
    assert again == [[409]] * 2, again  # a checked-out cart with a new key: cart_checked_out
    for body in placed[:6]:
        assert ok(shop, "GET", f"/api/v1/admin/orders/{body['order']['id']}", headers=ADMIN)["status"] == "refunded"
