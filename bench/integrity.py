"""Issue 12 reproduced: every item's attack or fault against the app served as
`make run` serves it (gunicorn with config/gunicorn.conf.py, production
settings, a fresh demo database, a private localstripe), on SQLite and
PostgreSQL, with one row per item and backend: what the issue measured before
the fixes, what is measured now (from the end state: orders, refunds, stock,
outbox, provider objects, statuses), OK or FAIL.

    .venv/bin/python bench/integrity.py [--backend sqlite|postgresql|both] [--items 1,2,7]

Three servers per backend: the shop (localstripe, CORS and INFO logs on), a
shop whose Stripe takes 30 s per call (STRIPE_TIMEOUT_SECONDS=3,
REQUEST_TIMEOUT_SECONDS=5) with REDIS_URL pointing at a closed port and the
catalog cache off (items 12, 13, 14 and the deadline of 18), and the outbox is
delivered by `flask storefront outbox deliver` to a local SMTP server (item 25).
Exits non-zero if a row FAILs. Not part of `make test`: it takes a few minutes."""
from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
import stripe  # noqa: E402

from tests.conftest import PG_ADMIN_URL, _postgres_available  # noqa: E402
from tests.functional.shopping import ADDRESSES  # noqa: E402
from tests.integration.checkout.test_served_slow_stripe import SlowStripe  # noqa: E402
from tests.localstripe_server import API_KEY  # noqa: E402
from tests.served import ADMIN, WEBHOOK_SECRET, free_port, served_shop  # noqa: E402

SKU = "BOK-MOBY-HC"  # refunds, payment events, checkouts
RACE_SKU = "BOK-PRIDE-HC"  # address race and CSV (item 5 keeps its explicit DE price)
LOAD_SKUS = ("BOK-MOBY-PB", "BOK-PRIDE-PB")  # SQLite load
BIG_SKU = "HOM-CSH-LIN-NAT"  # amount overflow (15)
BOUND_SKU = "HOM-CSH-LIN-NVY"  # price bounds (16)
WAREHOUSE = "DE-LEJ"
HOOK = "/api/v1/payments/stripe/webhook"

BEFORE = {
    1: "2 concurrent full refunds both succeed (PG: 2 provider refunds); SQLite 500 after the provider refund",
    2: "succeeded after canceled: paid with its reservation released (sold twice)",
    3: "succeeded with amount 1 jpy marks a EUR 27.80 order paid",
    4: "8 distinct succeeded events queue 8 confirmation e-mails",
    5: "short CSV row `BOK-PRIDE-HC,DE` silently deletes the price; extra columns/duplicate header accepted",
    6: "address PUT racing checkout: 9 of 12 got 200 (CH/CHF) while the order was DE/EUR",
    7: "same Idempotency-Key x8: 6x201 + 2x409 (SQLite: 6x500)",
    8: "FX rate dated 2099-01-01 accepted and snapshotted by checkout (rate 50)",
    9: "27 PaymentIntents left behind by failed checkouts",
    10: "quantity 1.5 -> 1, PATCH 0.9 removes the line",
    11: "SQLite 'database is locked' 500s: 18 of 800 mixed, 1 per 12 parallel checkouts",
    12: "Stripe 30 s/call: worker killed, gunicorn HTML 500 after 30.6 s",
    13: "REDIS_URL set, Redis down: every API request 500s, /healthz ok",
    14: "each pg_terminate_backend costs a 500",
    15: "total above 21,474,836.47 overflows int4 after the PaymentIntent; SQLite takes 99,999,999,999,999",
    16: "KWD rate 999999.99999999 x base 999999999999.99: 500 on both databases",
    17: "500s on naive since, extreme sale dates, 100k '[', \\ud800, 5000-digit qty, NUL SKU, long event ids",
    18: "gunicorn's 414/431/400 and worker-timeout 500 are HTML",
    19: "valid token 429 after 30 bad attempts, no Retry-After, per process (80 with 8 workers)",
    20: "cart/order tokens in access-log paths; SQL parameters (e-mails, addresses) in tracebacks",
    21: "token without the role gets 422 (validation before role check)",
    22: "micro-cache keyed by raw path: ?limit=000..0100 variants inflate a worker to ~550 MB",
    23: "last_used_at never stored for reads",
    24: "no Vary: Origin with CORS_ORIGINS set",
    25: "outbox 'delivered by a worker' but no worker exists: no e-mail sent",
}


class Failed(Exception):
    pass


# --- the served shops ---------------------------------------------------------------------------


class Bench:
    """One backend's shops and the helpers the items share."""

    def __init__(self, backend: str, shop, slow_shop, slow) -> None:
        self.backend, self.shop, self.slow_shop, self.slow = backend, shop, slow_shop, slow
        self.db = sa.create_engine(shop.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
        self.stripe = stripe.StripeClient(API_KEY, base_addresses={"api": shop.stripe.base_url})
        self.tokens: list[str] = []  # every cart and order token used (item 20 greps the log for them)

    def close(self) -> None:
        self.db.dispose()

    # HTTP
    def ok(self, method, path, body=None, headers=None, status=200, shop=None):
        code, answer = (shop or self.shop).request(method, path, body, headers)
        if code != status:
            raise Failed(f"{method} {path}: {code} {str(answer)[:200]}")
        return answer

    def set_stock(self, sku, quantity, shop=None):
        self.ok("PUT", f"/api/v1/admin/variants/{sku}/stock/{WAREHOUSE}", {"quantity": quantity}, ADMIN, shop=shop)

    def level(self, sku, shop=None):
        items = self.ok("GET", f"/api/v1/admin/variants/{sku}/stock", headers=ADMIN, shop=shop)["items"]
        row = next(i for i in items if i["warehouse"] == WAREHOUSE)
        return row["quantity"], row["reserved"]

    def ready_cart(self, items, address="DE", shop=None):
        token = self.ok("POST", "/api/v1/carts?market=DE", status=201, shop=shop)["token"]
        self.tokens.append(token)
        for sku, quantity in items:
            self.ok("POST", f"/api/v1/carts/{token}/items", {"sku": sku, "quantity": quantity}, shop=shop)
        self.ok("PUT", f"/api/v1/carts/{token}/address", ADDRESSES[address], shop=shop)
        methods = self.ok("GET", f"/api/v1/carts/{token}/shipping-methods", shop=shop)["items"]
        self.ok("PUT", f"/api/v1/carts/{token}/shipping-method", {"id": methods[0]["id"]}, shop=shop)
        return token

    def checkout(self, token, key=None, shop=None, **kw):
        code, body = (shop or self.shop).request("POST", f"/api/v1/carts/{token}/checkout",
                                                 headers={"Idempotency-Key": key or str(uuid.uuid4())}, **kw)
        if code == 201:
            self.tokens.append(body["order"]["token"])
        return code, body

    def place(self, sku=SKU, quantity=1):
        code, body = self.checkout(self.ready_cart([(sku, quantity)]))
        if code != 201:
            raise Failed(f"checkout {code} {body}")
        return body

    def admin_order(self, order_id):
        return self.ok("GET", f"/api/v1/admin/orders/{order_id}", headers=ADMIN)

    def orders(self, shop=None):
        found, cursor = [], None
        while True:
            page = self.ok("GET", "/api/v1/admin/orders?limit=100" + (f"&cursor={cursor}" if cursor else ""),
                           headers=ADMIN, shop=shop)
            found += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return found

    def pay(self, intent):
        self.stripe.v1.payment_intents.update(intent, {"payment_method": "pm_card_visa"})
        return self.stripe.v1.payment_intents.confirm(intent).status

    def paid_order(self):
        placed = self.place()
        if self.pay(placed["payment"]["payment_intent_id"]) != "succeeded":
            raise Failed("localstripe did not confirm")
        self.wait_status(placed["order"]["id"], "paid")
        return self.admin_order(placed["order"]["id"]), placed

    def wait_status(self, order_id, status, seconds=20):
        deadline = time.monotonic() + seconds
        while self.admin_order(order_id)["status"] != status:
            if time.monotonic() > deadline:
                raise Failed(f"order {order_id} never became {status}")
            time.sleep(0.1)

    def event(self, event_type, obj, event_id=None):
        payload = json.dumps({"id": event_id or f"evt_{uuid.uuid4().hex}", "object": "event", "type": event_type,
                              "data": {"object": obj}})
        header = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET)
        return self.shop.request("POST", HOOK, payload, {"Stripe-Signature": header})

    def intents(self):
        return list(self.stripe.v1.payment_intents.list({"limit": 100}).auto_paging_iter())

    def provider_refunds(self, intent):
        return [r for r in self.stripe.v1.refunds.list({"limit": 100}).auto_paging_iter() if r.payment_intent == intent]

    def sql(self, statement, **params):
        with self.db.connect() as conn:
            return conn.execute(sa.text(statement), params).all()

    def outbox_count(self, order_id, kind=None):
        where = " AND kind = :k" if kind else ""
        return self.sql(f"SELECT count(*) FROM outbox_message WHERE order_id = :o{where}", o=order_id, k=kind)[0][0]

    def reservations(self, order_id):
        return sorted(r[0] for r in self.sql("SELECT status FROM stock_reservation WHERE order_id = :o", o=order_id))

    def server_errors_in_log(self, shop=None) -> int:
        log = (shop or self.shop).log()
        return log.count("Traceback") + log.count("database is locked")


def together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released at once; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i):
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:  # noqa: BLE001 - reported as the row's failure
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    errors = [r for r in results if isinstance(r, Exception)]
    if errors:
        raise Failed(f"{type(errors[0]).__name__}: {errors[0]}")
    return results


def codes(results) -> str:
    counted = Counter(r[0] for r in results)
    return "+".join(f"{n}x{c}" for c, n in sorted(counted.items()))


def money(value) -> Decimal:
    return Decimal(value["amount"])


def intent_object(order, minor, **overrides):
    return {"id": order["payment_intent_id"], "object": "payment_intent", "amount": minor, "amount_received": minor,
            "currency": order["currency"].lower(), **overrides}




def with_headers(shop, method, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", shop.port, timeout=30)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


# --- the items: each returns (measured now, ok) -------------------------------------------------


def item_1(b: Bench):
    order, _ = b.paid_order()
    results = together([lambda: b.shop.request("POST", f"/api/v1/admin/orders/{order['id']}/refunds", {}, ADMIN)] * 2)
    made = b.provider_refunds(order["payment_intent_id"])
    after = b.admin_order(order["id"])
    full = (sorted(c for c, _ in results) == [201, 422] and len(made) == 1 and len(after["refunds"]) == 1
            and after["status"] == "refunded" and money(after["totals"]["refunded"]) == money(after["totals"]["total"]))
    order2, _ = b.paid_order()
    part = (money(order2["totals"]["total"]) * Decimal("0.4")).quantize(Decimal("0.01"))
    results2 = together([lambda: b.shop.request("POST", f"/api/v1/admin/orders/{order2['id']}/refunds",
                                                 {"amount": str(part)}, ADMIN)] * 4)
    made2 = b.provider_refunds(order2["payment_intent_id"])
    after2 = b.admin_order(order2["id"])
    partial = (sorted(c for c, _ in results2) == [201, 201, 422, 422] and len(made2) == len(after2["refunds"]) == 2
               and money(after2["totals"]["refunded"]) == 2 * part <= money(after2["totals"]["paid"]))
    return (f"2 full: {codes(results)}, provider refunds {len(made)}, recorded {len(after['refunds'])}, "
            f"{after['status']}; 4x40%: {codes(results2)}, provider {len(made2)}, recorded {len(after2['refunds'])}, "
            f"refunded {after2['totals']['refunded']['amount']}/{after2['totals']['paid']['amount']}"), full and partial


def item_2(b: Bench):
    b.set_stock(SKU, 50)
    placed = [b.place() for _ in range(4)]
    orders = [(b.admin_order(p["order"]["id"]), p["payment"]["amount_minor"]) for p in placed]
    before = b.level(SKU)
    work = [(o, m, t) for o, m in orders for t in ("payment_intent.canceled", "payment_intent.succeeded")]
    results = together([lambda w=w: b.event(w[2], intent_object(w[0], w[1])) for w in work])
    statuses = Counter(b.admin_order(o["id"])["status"] for o, _ in orders)
    committed = sum(b.reservations(o["id"]) == ["committed"] for o, _ in orders)
    after = b.level(SKU)
    race_ok = statuses == {"paid": 4} and committed == 4 and after == (before[0] - 4, before[1] - 4)
    # stock gone meanwhile: flagged for refund, stock untouched
    p = b.place()
    o = b.admin_order(p["order"]["id"])
    b.event("payment_intent.canceled", intent_object(o, p["payment"]["amount_minor"]))
    b.set_stock(SKU, 0)
    b.event("payment_intent.succeeded", intent_object(o, p["payment"]["amount_minor"]))
    gone = b.admin_order(o["id"])
    gone_level = b.level(SKU)
    b.set_stock(SKU, 50)
    gone_ok = gone["status"] == "canceled" and gone["flag"] == "refund_required" and gone_level == (0, 0)
    return (f"4 orders x (canceled+succeeded) at once: {codes(results)}, {dict(statuses)}, {committed}/4 reservations "
            f"committed, stock {before}->{after}; stock gone: {gone['status']} flag={gone['flag']} stock {gone_level}"), \
        race_ok and gone_ok and all(c == 200 for c, _ in results)


def item_3(b: Bench):
    rows, good = [], True
    for obj, flag in (({"amount_received": 1, "currency": "jpy"}, "currency_mismatch"),
                      ({"amount_received": 1, "currency": "eur"}, "amount_mismatch")):
        p = b.place()
        o = b.admin_order(p["order"]["id"])
        code, body = b.event("payment_intent.succeeded", intent_object(o, p["payment"]["amount_minor"], **obj))
        after = b.admin_order(o["id"])
        rows.append(f"{obj['amount_received']} {obj['currency']}: {code}, {after['status']}, "
                    f"paid {after['totals']['paid']['amount']}, flag={after['flag']}")
        good &= (code == 200 and after["status"] == "pending_payment" and money(after["totals"]["paid"]) == 0
                 and after["flag"] == flag and b.reservations(o["id"]) == ["active"])
    return "; ".join(rows), good


def item_4(b: Bench):
    p = b.place()
    o = b.admin_order(p["order"]["id"])
    results = together([lambda: b.event("payment_intent.succeeded", intent_object(o, p["payment"]["amount_minor"]))] * 8)
    mails = b.outbox_count(o["id"], "order_confirmation")
    status = b.admin_order(o["id"])["status"]
    return f"8 distinct events at once: {codes(results)}, {status}, confirmations queued {mails}", \
        mails == 1 and status == "paid"


def export_de(b: Bench):
    text = b.shop.request("GET", "/api/v1/admin/prices/export?market=DE", headers=ADMIN)[1]
    return [line for line in text.splitlines() if line.startswith(f"{RACE_SKU},DE,") and line.endswith(",,")]


def item_5(b: Bench):
    before = export_de(b)
    csv = {**ADMIN, "Content-Type": "text/csv"}
    answers = [b.shop.request("POST", "/api/v1/admin/prices/import", body, csv) for body in (
        f"sku,market,amount\n{RACE_SKU},DE\n", f"sku,market,amount\n{RACE_SKU},DE,30.00,oops\n",
        f"sku,market,amount,amount\n{RACE_SKU},DE,30.00,\n")]
    lines = [a[1]["error"]["details"]["errors"][0]["line"] if a[0] == 422 else None for a in answers]
    kept = export_de(b) == before and bool(before)
    return (f"short/extra/duplicate: {[a[0] for a in answers]} at lines {lines}; explicit price kept: {kept}",
            [a[0] for a in answers] == [422] * 3 and lines == [2, 2, 1] and kept)


def item_6(b: Bench):
    b.set_stock(RACE_SKU, 200)
    tokens = [b.ready_cart([(RACE_SKU, 1)]) for _ in range(6)]
    before = b.level(RACE_SKU)
    calls = []
    for token in tokens:
        calls.append(lambda t=token: ("checkout", t, b.checkout(t)))
        calls.append(lambda t=token: ("address", t, b.shop.request("PUT", f"/api/v1/carts/{t}/address",
                                                                     ADDRESSES["CH"])))
    results = together(calls)
    mismatched = ordered = 0
    for token in tokens:
        (_, _, (c, c_body)), (_, _, (a, _)) = [r for r in results if r[1] == token]
        cart = b.ok("GET", f"/api/v1/carts/{token}")
        if c == 201:
            ordered += 1
            order = c_body["order"]
            if (order["market"], order["currency"], c_body["payment"]["currency"]) != (
                    cart["market"], cart["currency"], cart["currency"]):
                mismatched += 1
    after = b.level(RACE_SKU)
    statuses = Counter(f"{r[0]} {r[2][0]}" for r in results)
    return (f"6 carts x (checkout + PUT CH) at once: {dict(sorted(statuses.items()))}; orders whose market/currency "
            f"differ from the cart's: {mismatched}; reserved +{after[1] - before[1]} for {ordered} orders"), \
        mismatched == 0 and after[1] - before[1] == ordered and all(r[2][0] < 500 for r in results)


def item_7(b: Bench):
    b.set_stock(SKU, 50)
    token, key = b.ready_cart([(SKU, 2)]), str(uuid.uuid4())
    before, count_before = b.level(SKU), len(b.orders())
    results = together([lambda: b.checkout(token, key)] * 8)
    ids = {body["order"]["id"] for c, body in results if c == 201}
    intents = {body["payment"]["payment_intent_id"] for c, body in results if c == 201}
    after, count_after = b.level(SKU), len(b.orders())
    return (f"{codes(results)}, distinct orders {len(ids)}, PaymentIntents {len(intents)}, orders +{count_after - count_before}, "
            f"reserved +{after[1] - before[1]} (2 units)"), \
        [c for c, _ in results] == [201] * 8 and len(ids) == len(intents) == 1 and count_after - count_before == 1 \
        and after[1] - before[1] == 2


def item_8(b: Bench):
    code, body = b.shop.request("PUT", "/api/v1/admin/fx-rates/USD", {"rate": "50", "date": "2099-01-01"}, ADMIN)
    stored = b.sql("SELECT count(*) FROM fx_rate WHERE quote = 'USD' AND rate_date > CURRENT_DATE")[0][0]
    # A row dated 2099 written directly (before dates were checked): no reader uses it.
    with b.db.begin() as conn:
        conn.execute(sa.text("INSERT INTO fx_rate (base, quote, rate, rate_date, source, created_at) "
                             "VALUES ('EUR', 'USD', 50, '2099-01-01', 'merchant', CURRENT_TIMESTAMP)"))
    current = next(i for i in b.ok("GET", "/api/v1/admin/fx-rates", headers=ADMIN)["items"] if i["currency"] == "USD")
    token = b.ok("POST", "/api/v1/carts?market=US", status=201)["token"]
    b.tokens.append(token)
    b.ok("POST", f"/api/v1/carts/{token}/items", {"sku": "BOK-PRIDE-PB", "quantity": 1})
    b.ok("PUT", f"/api/v1/carts/{token}/address", ADDRESSES["US-CA"])
    methods = b.ok("GET", f"/api/v1/carts/{token}/shipping-methods")["items"]
    b.ok("PUT", f"/api/v1/carts/{token}/shipping-method", {"id": methods[0]["id"]})
    c, placed = b.checkout(token)
    snapshot = b.ok("GET", f"/api/v1/orders/{placed['order']['token']}")["fx_rate"]["rate"] if c == 201 else None
    return (f"PUT 2099-01-01: {code} {body.get('error', {}).get('code') if isinstance(body, dict) else body}, future rows "
            f"stored via API {stored}; with a 2099 row in the table: current USD {current['rate']}, "
            f"checkout {c} snapshots {snapshot}"), \
        code == 422 and stored == 0 and Decimal(current["rate"]) != 50 and c == 201 and Decimal(snapshot) != 50


def item_9(b: Bench):
    b.set_stock(SKU, 50)
    known = {pi.id for pi in b.intents()}
    token = b.ready_cart([(SKU, 1)])
    results = together([lambda: b.checkout(token)] * 8)
    placed = [body for c, body in results if c == 201]
    created = [pi for pi in b.intents() if pi.id not in known]
    kept = {p["payment"]["payment_intent_id"] for p in placed}
    orphans = [pi.id for pi in created if pi.status != "canceled" and pi.id not in kept]
    return (f"8 checkouts of one cart, new keys: {codes(results)}; PaymentIntents created {len(created)}, "
            f"canceled {sum(pi.status == 'canceled' for pi in created)}, orphans left {len(orphans)}"), \
        len(placed) == 1 and not orphans


def item_10(b: Bench):
    token = b.ok("POST", "/api/v1/carts?market=DE", status=201)["token"]
    b.tokens.append(token)
    post = b.shop.request("POST", f"/api/v1/carts/{token}/items", {"sku": RACE_SKU, "quantity": 1.5})[0]
    b.ok("POST", f"/api/v1/carts/{token}/items", {"sku": RACE_SKU, "quantity": 2})
    patch = b.shop.request("PATCH", f"/api/v1/carts/{token}/items/{RACE_SKU}", {"quantity": 0.9})[0]
    items = [(i["sku"], i["quantity"]) for i in b.ok("GET", f"/api/v1/carts/{token}")["items"]]
    return f"POST 1.5: {post}; PATCH 0.9: {patch}; cart keeps {items}", \
        post == 422 and patch == 422 and items == [(RACE_SKU, 2)]


def item_11(b: Bench):
    for sku in LOAD_SKUS:
        b.set_stock(sku, 500)
    errors_before = b.server_errors_in_log()
    before = b.level(LOAD_SKUS[0])
    tokens = [b.ready_cart([(LOAD_SKUS[0], 1)]) for _ in range(12)]
    first = together([lambda t=t: b.checkout(t) for t in tokens])
    placed = [body for c, body in first if c == 201]
    for body in placed[:6]:
        b.pay(body["payment"]["payment_intent_id"])  # localstripe's webhooks arrive during the load below

    def shopper(_):
        seen = []
        for round_ in range(4):
            seen.append(b.shop.request("GET", "/api/v1/products?market=DE&limit=5")[0])
            status, cart = b.shop.request("POST", "/api/v1/carts?market=DE")
            seen.append(status)
            token = cart["token"]
            b.tokens.append(token)
            seen.append(b.shop.request("POST", f"/api/v1/carts/{token}/items", {"sku": LOAD_SKUS[1], "quantity": 1})[0])
            seen.append(b.shop.request("PUT", f"/api/v1/carts/{token}/address", ADDRESSES["DE"])[0])
            status, methods = b.shop.request("GET", f"/api/v1/carts/{token}/shipping-methods")
            seen.append(status)
            seen.append(b.shop.request("PUT", f"/api/v1/carts/{token}/shipping-method",
                                       {"id": methods["items"][0]["id"]})[0])
            if round_ % 2 == 0:
                seen.append(b.checkout(token)[0])
        return seen

    def refund(body):
        b.wait_status(body["order"]["id"], "paid")
        return [b.shop.request("POST", f"/api/v1/admin/orders/{body['order']['id']}/refunds", {}, ADMIN)[0]]

    mixed = together([lambda i=i: shopper(i) for i in range(4)] + [lambda p=p: refund(p) for p in placed[:6]])
    statuses = [c for c, _ in first] + [s for seen in mixed for s in seen]
    fives = sum(s >= 500 for s in statuses)
    locked = b.shop.log().count("database is locked")
    refunded = sum(b.admin_order(p["order"]["id"])["status"] == "refunded" for p in placed[:6])
    after = b.level(LOAD_SKUS[0])
    return (f"12 parallel checkouts {codes(first)}; then 4 shoppers + 6 webhooks + 6 refunds: {len(statuses)} "
            f"requests, {fives} 5xx, 'database is locked' in log {locked}; refunded {refunded}/6, "
            f"reserved +{after[1] - before[1]}"), \
        fives == 0 and locked == 0 and len(placed) == 12 and refunded == 6 \
        and b.server_errors_in_log() == errors_before


def item_12(b: Bench):
    shop = b.slow_shop
    b.set_stock(SKU, 20, shop=shop)
    token, other = b.ready_cart([(SKU, 2)], shop=shop), b.ready_cart([(SKU, 1)], shop=shop)
    before, orders_before = b.level(SKU, shop), len(b.orders(shop))
    answers = {}

    def timed(name, call):
        started = time.monotonic()
        answers[name] = (*call(), time.monotonic() - started)

    t = threading.Thread(target=timed, args=("checkout", lambda: b.checkout(token, shop=shop, timeout=45)))
    t.start()
    time.sleep(0.5)
    timed("address", lambda: shop.request("PUT", f"/api/v1/carts/{other}/address", ADDRESSES["DE"]))
    t.join(45)
    status, body, took = answers["checkout"]
    code = body["error"]["code"] if isinstance(body, dict) and "error" in body else str(body)[:40]
    after, orders_after = b.level(SKU, shop), len(b.orders(shop))
    reopen = shop.request("POST", f"/api/v1/carts/{token}/items", {"sku": SKU, "quantity": 1})[0]
    return (f"checkout {status} {code} after {took:.1f} s (budget 3 s); another shopper's write {answers['address'][0]} "
            f"in {answers['address'][2]:.2f} s; orders +{orders_after - orders_before}, reserved "
            f"+{after[1] - before[1]}, cart still open ({reopen}); worker timeouts "
            f"{shop.log().count('WORKER TIMEOUT')}"), \
        status == 503 and code == "payment_provider_unavailable" and took < 4.5 and answers["address"][0] == 200 \
        and answers["address"][2] < 2 and orders_after == orders_before and after == before and reopen == 200 \
        and "WORKER TIMEOUT" not in shop.log()


def item_13(b: Bench):
    shop = b.slow_shop
    detail = "/api/v1/products/pride-and-prejudice-illustrated-edition?market=DE"

    def browse(i):
        if i % 3 == 2:
            return shop.request("POST", "/api/v1/carts?market=DE")[0]
        return shop.request("GET", detail if i % 3 else "/api/v1/products?market=DE&limit=5")[0]

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(browse, range(36)))
    b.ok("PUT", "/api/v1/admin/variants/BOK-PRIDE-PB/prices/DE", {"amount": "23.40"}, ADMIN, shop=shop)

    def price(_):
        body = b.ok("GET", detail, shop=shop)
        return next(v for v in body["variants"] if v["sku"] == "BOK-PRIDE-PB")["price"]["gross"]["amount"]

    with ThreadPoolExecutor(4) as pool:
        prices = set(pool.map(price, range(12)))
    health = shop.request("GET", "/healthz")
    return (f"Redis at a closed port: 36 browsing requests {dict(Counter(statuses))}; a price change seen by "
            f"every worker: {sorted(prices)}; /healthz {health[0]} redis={health[1].get('redis')}"), \
        set(statuses) <= {200, 201} and prices == {"23.40"} and health[1].get("redis") == "unavailable"


def item_14(b: Bench):
    if b.backend != "postgresql":
        return "PostgreSQL only", None
    import psycopg

    shop = b.slow_shop
    status, cart = shop.request("POST", "/api/v1/carts?market=DE")
    reads = ["/api/v1/products?market=DE&limit=5", "/api/v1/products?market=FR&q=prejuges",
             f"/api/v1/carts/{cart['token']}", "/api/v1/admin/orders"]
    b.tokens.append(cart["token"])
    database = shop.database_url.rsplit("/", 1)[1]
    stop, killed = threading.Event(), []

    def terminate():
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            while not stop.is_set():
                killed.append(admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s "
                    "AND pid <> pg_backend_pid() AND backend_start < now() - interval '1 second'",
                    (database,)).fetchone()[0])
                time.sleep(0.3)

    def read(i):
        seen = Counter()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            seen[shop.request("GET", reads[i % len(reads)], headers=ADMIN)[0]] += 1
            i += 1
        return seen

    killer = threading.Thread(target=terminate)
    killer.start()
    try:
        with ThreadPoolExecutor(6) as pool:
            statuses = sum(pool.map(read, range(6)), Counter())
    finally:
        stop.set()
        killer.join(10)
    return (f"{sum(killed)} backends terminated during {sum(statuses.values())} reads: {dict(statuses)}"), \
        sum(killed) >= 5 and set(statuses) == {200}


def item_15(b: Bench):
    b.set_stock(BIG_SKU, 20)
    results = []
    for price in ("400000.00", "9000000.00"):
        b.ok("PUT", f"/api/v1/admin/variants/{BIG_SKU}/prices/DE", {"amount": price}, ADMIN)
        known, orders_before = len(b.intents()), len(b.orders())
        code, body = b.checkout(b.ready_cart([(BIG_SKU, 3)]))
        results.append((price, code, body.get("error", {}).get("code"), len(b.intents()) - known,
                        len(b.orders()) - orders_before))
    b.ok("PUT", f"/api/v1/admin/variants/{BIG_SKU}/prices/DE", {"amount": "990000.00"}, ADMIN)
    code, body = b.checkout(b.ready_cart([(BIG_SKU, 1)]))
    below = body["payment"]["amount_minor"] if code == 201 else None
    column = b.sql("SELECT amount_minor FROM \"order\" WHERE id = :i", i=body["order"]["id"])[0][0] if code == 201 else None
    return ("; ".join(f"3 x {p}: {c} {e}, PaymentIntents +{n}, orders +{o}" for p, c, e, n, o in results)
            + f"; 1 x 990000.00: {code}, amount_minor {column}"), \
        all(c == 422 and e == "above_maximum_amount" and n == 0 and o == 0 for _, c, e, n, o in results) \
        and code == 201 and below == column >= 99_000_000


def item_16(b: Bench):
    rate = b.shop.request("PUT", "/api/v1/admin/fx-rates/KWD", {"rate": "999999.99999999"}, ADMIN)
    huge = b.shop.request("PUT", f"/api/v1/admin/variants/{BOUND_SKU}/base-price", {"amount": "999999999999.99"},
                          ADMIN)
    top = b.shop.request("PUT", f"/api/v1/admin/variants/{BOUND_SKU}/base-price", {"amount": "99999999.99"}, ADMIN)
    over = b.shop.request("PUT", "/api/v1/admin/fx-rates/KWD", {"rate": "1000000"}, ADMIN)
    listing = b.shop.request("GET", "/api/v1/products?market=KW&limit=100")
    shown = None
    if listing[0] == 200:
        for item in listing[1]["items"]:
            for v in item["variants"]:
                if v["sku"] == BOUND_SKU:
                    shown = v["price"]["gross"]["amount"]
    stored = b.sql("SELECT count(*) FROM resolved_price rp JOIN variant v ON v.id = rp.variant_id "
                   "WHERE v.sku = :s AND rp.market_code = 'KW'", s=BOUND_SKU)[0][0]
    b.shop.request("PUT", "/api/v1/admin/fx-rates/KWD", {"rate": "0.356"}, ADMIN)
    return (f"KWD rate 999999.99999999: {rate[0]}; base 999999999999.99: {huge[0]} "
            f"{huge[1].get('error', {}).get('code')}; base 99999999.99: {top[0]}; rate 1000000: {over[0]}; KW listing "
            f"{listing[0]}, price shown {shown} (stored rows {stored})"), \
        rate[0] == 200 and huge[0] == 422 and top[0] == 200 and over[0] == 422 and listing[0] == 200 \
        and shown is not None and stored == 1


def item_17(b: Bench):
    p = b.place()
    pi, minor = p["payment"]["payment_intent_id"], p["payment"]["amount_minor"]
    o = b.admin_order(p["order"]["id"])
    token = b.ok("POST", "/api/v1/carts?market=DE", status=201)["token"]
    b.tokens.append(token)
    json_h = {"Content-Type": "application/json"}
    csv_h = {**ADMIN, "Content-Type": "text/csv"}
    probes = {
        "since orders": lambda: b.shop.request("GET", "/api/v1/admin/orders?since=2024-01-01", headers=ADMIN),
        "since audit": lambda: b.shop.request("GET", "/api/v1/admin/audit?since=2024-01-01T00:00:00", headers=ADMIN),
        "sale 9999": lambda: b.shop.request("POST", f"/api/v1/admin/variants/{RACE_SKU}/sales", {
            "market": "DE", "amount": "9.90", "starts_at": "9999-12-31T23:59:59-12:00"}, ADMIN),
        "sale 0001": lambda: b.shop.request("POST", f"/api/v1/admin/variants/{RACE_SKU}/sales", {
            "market": "DE", "amount": "9.90", "starts_at": "2030-01-01T00:00:00Z",
            "ends_at": "0001-01-01T00:00:00+14:00"}, ADMIN),
        "csv sale 9999": lambda: b.shop.request("POST", "/api/v1/admin/prices/import",
                                                f"sku,market,amount,starts_at,ends_at\n{RACE_SKU},DE,9.90,"
                                                "9999-12-31T23:59:59-12:00,\n", csv_h),
        "100k [": lambda: b.shop.request("POST", f"/api/v1/carts/{token}/items", "[" * 100_000, json_h),
        "\\ud800": lambda: b.shop.request("POST", f"/api/v1/carts/{token}/items", '{"sku": "\\ud800", "quantity": 1}',
                                          json_h),
        "5000 digits": lambda: b.shop.request("POST", f"/api/v1/carts/{token}/items",
                                              '{"sku": "BOK-PRIDE-HC", "quantity": ' + "9" * 5000 + "}", json_h),
        "NUL sku": lambda: b.shop.request("POST", "/api/v1/admin/prices/import",
                                          "sku,market,amount\nBOK-PRIDE\x00-HC,DE,30.00\n", csv_h),
        "event id 300": lambda: b.event("payment_intent.succeeded", intent_object(o, minor), "evt_" + "x" * 300),
        "amount abc": lambda: b.event("payment_intent.succeeded", intent_object(o, minor, amount_received="abc")),
        "refund id 100": lambda: b.event("charge.refunded", {
            "id": "ch_long", "object": "charge", "payment_intent": pi, "amount": minor, "amount_refunded": 100,
            "currency": "eur", "refunds": {"data": [{"id": "re_" + "y" * 100, "amount": 100, "currency": "eur"}]}}),
    }
    answers = {name: probe() for name, probe in probes.items()}
    fives = [n for n, (c, _) in answers.items() if c >= 500]
    enveloped = sum(1 for c, body in answers.values() if c < 400 or (isinstance(body, dict) and "error" in body))
    status = b.admin_order(o["id"])["status"]
    long_ids = b.sql("SELECT count(*) FROM refund WHERE length(provider_refund_id) > 64")[0][0]
    return (f"{len(probes)} probes: {dict(Counter(c for c, _ in answers.values()))}, 5xx {fives or 0}, "
            f"JSON/envelope {enveloped}/{len(probes)}; order still {status}, overlong refund ids stored {long_ids}"), \
        not fives and enveloped == len(probes) and status == "pending_payment" and long_ids == 0


def item_18(b: Bench):
    shop = b.shop
    envelope = []
    s, body = shop.request("GET", "/api/v1/products?q=" + "x" * 9000)
    envelope.append(("URL 9 KB", s, body.get("error", {}).get("code") if isinstance(body, dict) else "HTML"))
    s, body = shop.request("GET", "/api/v1/products", headers={"X-Big": "y" * 10_000})
    envelope.append(("header 10 KB", s, body.get("error", {}).get("code") if isinstance(body, dict) else "HTML"))
    for name, head in (("line 1.1 MB", b"GET /api/v1/products?q=" + b"x" * 1_100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
                       ("1100 fields", b"GET /api/v1/products HTTP/1.1\r\nHost: x\r\n"
                        + b"".join(b"X-H%d: 1\r\n" % i for i in range(1100)) + b"\r\n"),
                       ("bad line", b"GET\x01 / HTTP/1.1\r\nHost: x\r\n\r\n")):
        s, headers, data = shop.raw(head)
        try:
            code = json.loads(data)["error"]["code"] if headers.get("content-type") == "application/json" else "HTML"
        except ValueError:
            code = "HTML"
        envelope.append((name, s, code))
    good = [e for e in envelope] == [("URL 9 KB", 414, "uri_too_long"), ("header 10 KB", 431, "headers_too_large"),
                                     ("line 1.1 MB", 414, "uri_too_long"), ("1100 fields", 431, "headers_too_large"),
                                     ("bad line", 400, "bad_request")]
    text = ", ".join(f"{n}: {s} {c}" for n, s, c in envelope)
    if b.backend == "postgresql":  # SQLite's lock wait ends at busy_timeout (503) on its own
        slow = b.slow_shop
        b.set_stock(SKU, 20, shop=slow)
        token = b.ready_cart([(SKU, 1)], shop=slow)
        before = b.level(SKU, slow)
        with b.slow_db().connect() as locker:
            locker.execute(sa.text("SELECT id FROM cart WHERE token = :t FOR UPDATE"), {"t": token})
            started = time.monotonic()
            s, body = b.checkout(token, shop=slow, timeout=40)
            took = time.monotonic() - started
            locker.rollback()
        code = body.get("error", {}).get("code") if isinstance(body, dict) else "HTML"
        text += f"; checkout behind a row lock: {s} {code} after {took:.1f} s (deadline 5 s)"
        good &= s == 503 and code == "request_timeout" and 4.5 < took < 6.5 and b.level(SKU, slow) == before
    return text, good


def item_19(b: Bench):
    bad = {"Authorization": "Bearer sf_guessing1"}
    with ThreadPoolExecutor(4) as pool:
        first = list(pool.map(lambda _: b.shop.request("GET", "/api/v1/admin/orders", headers=bad)[0], range(8)))
    later = [b.shop.request("GET", "/api/v1/admin/orders", headers=bad)[0] for _ in range(6)]
    status, headers = with_headers(b.shop, "GET", "/api/v1/admin/orders", bad)
    valid = b.shop.request("GET", "/api/v1/admin/orders", headers=ADMIN)[0]
    other = b.shop.request("GET", "/api/v1/admin/orders", headers={"Authorization": "Bearer sf_another1"})[0]
    attempts = first + later
    first_429 = attempts.index(429) + 1 if 429 in attempts else None
    return (f"limit 10, 2 workers: first 429 at attempt {first_429}, Retry-After {headers.get('retry-after')}; "
            f"valid token then {valid}; another credential {other}"), \
        first_429 == 11 and status == 429 and headers.get("retry-after") and valid == 200 and other == 401


def item_20(b: Bench):
    shop = b.shop
    status, cart = shop.request("POST", "/api/v1/carts?market=DE")
    token = cart["token"]
    b.tokens.append(token)
    shop.request("POST", f"/api/v1/carts/{token}/items", {"sku": "BOK-PRIDE-PB", "quantity": 1})
    shop.request("GET", f"/api/v1/orders/{token}x")
    address = {"email": "leak-check@example.com", "name": "Leaky Person", "line1": "Geheimweg 7", "city": "Berlin",
               "postal_code": "10115", "country": "DE"}
    triggers = {
        "sqlite": (["CREATE TRIGGER induced_failure BEFORE UPDATE OF address ON cart "
                    "BEGIN SELECT RAISE(ABORT, 'induced failure'); END"], ["DROP TRIGGER induced_failure"]),
        "postgresql": (["CREATE FUNCTION induced_failure() RETURNS trigger AS $$ BEGIN "
                        "RAISE EXCEPTION 'induced failure'; END $$ LANGUAGE plpgsql",
                        "CREATE TRIGGER induced_failure BEFORE UPDATE OF address ON cart "
                        "FOR EACH ROW EXECUTE FUNCTION induced_failure()"],
                       ["DROP TRIGGER induced_failure ON cart", "DROP FUNCTION induced_failure()"]),
    }[b.backend]
    with b.db.begin() as conn:
        for statement in triggers[0]:
            conn.execute(sa.text(statement))
    try:
        failed = shop.request("PUT", f"/api/v1/carts/{token}/address", address)[0]
    finally:
        with b.db.begin() as conn:
            for statement in triggers[1]:
                conn.execute(sa.text(statement))
    log = shop.log()
    leaked = [t for t in set(b.tokens) if t in log]
    pii = [s for s in (address["email"], address["name"], address["line1"]) if s in log]
    logged = "induced failure" in log and "/api/v1/carts/<token>/address" in log
    return (f"{len(set(b.tokens))} cart/order tokens used in this run: {len(leaked)} in the log; induced SQL error "
            f"({failed}) logged with its redacted path: {logged}; e-mail/name/address in the log: {len(pii)}"), \
        not leaked and not pii and logged and failed == 500


def item_21(b: Bench):
    created = b.ok("POST", "/api/v1/admin/tokens", {"name": "catalog-only", "roles": ["catalog"]}, ADMIN, status=201)
    other = {"Authorization": f"Bearer {created['token']}"}
    wrong_role = b.shop.request("POST", "/api/v1/admin/orders/1/refunds", {"amount": ["not", "money"]}, other)
    anonymous = b.shop.request("POST", "/api/v1/admin/orders/1/refunds", {"amount": ["not", "money"]})
    right = b.shop.request("POST", "/api/v1/admin/orders/1/refunds", {"amount": ["not", "money"]}, ADMIN)
    return (f"invalid refund body: wrong role {wrong_role[0]}, no token {anonymous[0]}, the right role {right[0]}"), \
        wrong_role[0] == 403 and anonymous[0] == 401 and right[0] == 422


def _server_rss_kb(port: int) -> int:
    """Resident memory of the gunicorn processes serving ``port`` (found by their PORT setting)."""
    total = 0
    marker = f"PORT={port}".encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if marker not in (proc / "environ").read_bytes().split(b"\0") or b"gunicorn" not in (
                    proc / "cmdline").read_bytes():
                continue
            status = (proc / "status").read_text()
        except OSError:
            continue
        total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    return total


def item_22(b: Bench):
    shop = b.shop
    first = b.ok("GET", "/api/v1/products?market=DE&limit=5")
    before = _server_rss_kb(shop.port)
    urls = [f"/api/v1/products?market={m}&limit={'0' * n}5" for n in range(1, 1001) for m in ("DE", "de")]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda u: shop.request("GET", u), urls))
    after = _server_rss_kb(shop.port)
    same = sum(1 for c, body in answers if c == 200 and body == first)
    grew = (after - before) / 1024
    return (f"{len(urls)} spellings of one query: {same} answered the same body; servers' resident memory "
            f"{before / 1024:.0f} -> {after / 1024:.0f} MB (+{grew:.1f})"), same == len(urls) and grew < 30


def item_23(b: Bench):
    created = b.ok("POST", "/api/v1/admin/tokens", {"name": "reader", "roles": ["orders"]}, ADMIN, status=201)
    listed = b.ok("GET", "/api/v1/admin/tokens", headers=ADMIN)["items"]
    unused = next(t for t in listed if t["id"] == created["id"])["last_used_at"]
    read = b.shop.request("GET", "/api/v1/admin/orders", headers={"Authorization": f"Bearer {created['token']}"})[0]
    listed = b.ok("GET", "/api/v1/admin/tokens", headers=ADMIN)["items"]
    used = next(t for t in listed if t["id"] == created["id"])["last_used_at"]
    return f"new token last_used_at {unused}; after one read ({read}): {used}", unused is None and used is not None


def item_24(b: Bench):
    seen = []
    for origin in (None, "https://shop.example", "https://elsewhere.example"):
        status, headers = with_headers(b.shop, "GET", "/api/v1/products?market=DE&limit=1",
                                       {"Origin": origin} if origin else {})
        seen.append((origin or "no Origin", status, headers.get("vary", ""), headers.get("cache-control", "")))
    return ("; ".join(f"{o}: {s} Vary: {v}" for o, s, v, _ in seen)), \
        all(s == 200 and "origin" in v.lower() for _, s, v, _ in seen)


def item_25(b: Bench):
    from tests.integration.orders.smtp_server import smtp_server

    due = b.sql("SELECT count(*) FROM outbox_message WHERE kind = 'order_confirmation' AND status = 'pending'")[0][0]
    env = {**os.environ, **b.shop.env, "FLASK_APP": "storefront:create_app", "LOG_LEVEL": "WARNING"}
    flask = Path(sys.executable).with_name("flask")
    with smtp_server() as (recorder, port):
        env.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(port))
        for _ in range(10):  # two workers at once, pass after pass, until nothing is due
            runs = [subprocess.Popen([str(flask), "storefront", "outbox", "deliver"], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
            outs = [r.communicate(120)[0] for r in runs]
            if any(r.returncode for r in runs):
                raise Failed("outbox deliver failed: " + " | ".join(o[-300:] for o in outs))
            if all("nothing due" in o for o in outs):
                break
        received = recorder.outbox_ids()
    sent = b.sql("SELECT count(*) FROM outbox_message WHERE kind = 'order_confirmation' AND status = 'sent'")[0][0]
    twice = sum(1 for n in received.values() if n > 1)
    return (f"{due} confirmations due; 2 concurrent `flask storefront outbox deliver` workers: {sum(received.values())} "
            f"e-mails received by SMTP, {twice} twice; rows sent {sent}"), \
        due > 0 and sum(received.values()) == due == sent and twice == 0


ITEMS = {n: globals()[f"item_{n}"] for n in range(1, 26)}


# --- running -------------------------------------------------------------------------------------


def run_backend(backend: str, items: list[int]) -> list[tuple[int, str, str, str, str]]:
    rows = []
    with ExitStack() as stack:
        shop = stack.enter_context(served_shop(backend, stripe=True, workers=2, env={
            "CORS_ORIGINS": "https://shop.example", "LOG_LEVEL": "INFO", "AUTH_FAILURE_LIMIT": "10"}))
        slow_shop = slow = None
        if set(items) & {12, 13, 14, 18}:
            slow = SlowStripe()
            stack.callback(slow.stop)
            slow_shop = stack.enter_context(served_shop(backend, env={
                "STRIPE_API_BASE": slow.url, "STRIPE_TIMEOUT_SECONDS": "3", "REQUEST_TIMEOUT_SECONDS": "5",
                "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0", "CACHE_VERSION_TTL_SECONDS": "0",
                "CATALOG_CACHE_SECONDS": "0"}))
        bench = Bench(backend, shop, slow_shop, slow)
        bench.slow_db = lambda: stack.enter_context(_engine(slow_shop.database_url))
        stack.callback(bench.close)
        for n in items:
            started = time.monotonic()
            try:
                measured, good = ITEMS[n](bench)
            except Failed as exc:
                measured, good = f"error: {exc}", False
            verdict = "n/a" if good is None else ("OK" if good else "FAIL")
            rows.append((n, backend, BEFORE[n], measured, verdict))
            print(f"{n:>2} {backend:<10} {verdict:<4} {time.monotonic() - started:5.1f}s  {measured}", flush=True)
    return rows


class _engine:
    def __init__(self, url):
        self.engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))

    def __enter__(self):
        return self.engine

    def __exit__(self, *exc):
        self.engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--items", default=",".join(map(str, ITEMS)), help="comma-separated item numbers (1-25)")
    args = parser.parse_args()
    items = sorted({int(i) for i in args.items.split(",") if i.strip()})
    if unknown := [i for i in items if i not in ITEMS]:
        parser.error(f"no such item: {unknown}")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if "postgresql" in backends and (problem := _postgres_available()):
        print(f"PostgreSQL unavailable: {problem}", file=sys.stderr)
        return 2
    started = time.monotonic()
    rows = []
    for backend in backends:
        rows += run_backend(backend, items)
    print()
    print("| item | backend | before (issue 12) | now (measured) | |")
    print("|---|---|---|---|---|")
    for n, backend, before, now, verdict in sorted(rows):
        print(f"| {n} | {backend} | {before} | {now} | {verdict} |")
    failed = [r for r in rows if r[4] == "FAIL"]
    print(f"\n{len(rows)} rows, {len(failed)} FAIL, {time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
