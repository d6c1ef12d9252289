"""Load test: a bounded mix of browsing and buying on loopback against
PostgreSQL, then a check that no unit of stock was lost, doubled or oversold.

A fresh demo database (dropped at the end) served by gunicorn (2 sync
workers, production settings) with the in-process fake payment gateway
(bench/checkout.py). Every variant gets a known stock in every warehouse;
those of --scarce products get 3 units per warehouse, so shoppers race for
them. Then --users threads, each on its own keep-alive connections, repeat
for --seconds:

- 80 % of the visits browse one page: a listing (random sort, sometimes a
  category), a product detail, the categories or the markets, in a random
  market and one of its locales (by query parameters or Accept-Language);
- 20 % are shoppers in one of DE CH EU US JP KW CA: cart, 1-2 items, an
  address there, shipping, checkout; then they pay (all but --unpaid of
  them): a signed payment_intent.succeeded webhook built like Stripe's,
  delivered TWICE at once on two connections (exactly one must apply it).
  A shopper makes 6-8 requests, so shopping is most of the requests.

Prints the requests per kind with p50/p99, the 5xx count (must be 0), the
409 out_of_stock answers and the orders paid; then verifies, for every
variant, from the merchant API (orders paged through next_cursor, stock per
warehouse): units sold (paid orders) <= initial stock, quantity = initial -
sold, reserved = units of the orders still pending. Prints "OK" or the
violations; exits non-zero on a violation, a 5xx or another unexpected answer.

    .venv/bin/python bench/load.py [--seconds 60] [--users 12] [--scarce 6] [--unpaid 0.2]
                                   [--pg postgresql://postgres@127.0.0.1:5432/postgres]"""
from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import stripe  # noqa: E402

from bench.checkout import (  # noqa: E402
    ADDRESSES,
    SECRET,
    Client,
    admin_orders,
    demo_shop,
    percentile,
    set_stock,
    shop,
    stock_levels,
    units,
)

WEBHOOK = "/api/v1/payments/stripe/webhook"
PLENTY = 10_000
SCARCE = 3
CATEGORIES = ("bags", "apparel", "footwear", "kitchen", "home", "outdoor", "books", "pantry")
SORTS = ("name", "price", "-price", "newest")
BROWSING = ("listing", "detail", "categories", "markets")


def payment_event(payment: dict) -> tuple[bytes, str]:
    """A payment_intent.succeeded event for the checkout's PaymentIntent, signed
    with the webhook secret as Stripe does (the fake gateway lives in the server)."""
    event = {
        "id": f"evt_bench_{uuid.uuid4().hex}", "object": "event", "api_version": "2026-10-28.endive",
        "created": int(time.time()), "livemode": False, "type": "payment_intent.succeeded",
        "data": {"object": {
            "id": payment["payment_intent_id"], "object": "payment_intent", "amount": payment["amount_minor"],
            "amount_received": payment["amount_minor"], "currency": payment["currency"].lower(),
            "status": "succeeded"}},
    }
    payload = json.dumps(event)
    return payload.encode(), stripe.WebhookSignature.generate_signature_header(payload, SECRET)


def deliver_twice(a: Client, b: Client, payload: bytes, signature: str) -> tuple[list[tuple[int, object]], float]:
    """The same event on two connections at once: both requests are sent before either answer is read."""
    headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
    started = time.perf_counter()
    answers: list[tuple[int, object]] = []
    sent = []
    for client in (a, b):
        try:
            client.send("POST", WEBHOOK, payload, headers)
            sent.append(client)
        except (OSError, http.client.HTTPException) as exc:
            answers.append((0, repr(exc)))
    for client in sent:
        try:
            answers.append(client.receive())
        except (OSError, http.client.HTTPException) as exc:
            client.conn.close()
            answers.append((0, repr(exc)))
    return answers, time.perf_counter() - started


class Stats:
    """Latencies and statuses per kind of request, shared by the threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.problems: Counter = Counter()  # unexpected answers, by kind, status and code
        self.counts: Counter = Counter()

    def record(self, kind: str, status: int, body, seconds: float, expected=(200, 201)) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[kind][status] += 1
            if status == 409 and error_code(body) == "out_of_stock":
                self.counts["409 out_of_stock"] += 1
            elif status not in expected:
                self.problems[f"{kind}: {status} {error_code(body)}"] += 1


def error_code(body) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"].get("code", "")
    return "" if isinstance(body, dict) else f"{body!r:.80}"


class World:
    """What the users pick from: markets with their locales, slugs and SKUs."""

    def __init__(self, api: Client) -> None:
        self.markets = {m["code"]: m["locales"] for m in api.ok("GET", "/api/v1/markets")["items"]}
        self.slugs: dict[str, list[str]] = {}
        self.skus: dict[str, list[str]] = {}
        self.product_skus: dict[int, list[str]] = {}  # product id -> SKUs
        for code in self.markets:
            page = api.ok("GET", f"/api/v1/products?market={code}&limit=100")
            assert page["next_cursor"] is None, "more than 100 products: page through them"
            self.slugs[code] = [p["slug"] for p in page["items"]]
            self.skus[code] = [v["sku"] for p in page["items"] for v in p["variants"]]
            for p in page["items"]:
                self.product_skus[p["id"]] = [v["sku"] for v in p["variants"]]
        self.all_skus = sorted({sku for skus in self.skus.values() for sku in skus})


def browse(api: Client, world: World, rng: random.Random, stats: Stats) -> None:
    market = rng.choice(list(world.markets))
    locale = rng.choice(world.markets[market])
    if rng.random() < 0.5:
        where, headers = f"market={market}&locale={locale}", {}
    else:  # the shopper's browser decides
        where, headers = "", {"Accept-Language": f"{locale},en;q=0.5"}
    roll = rng.random()
    if roll < 0.4:
        kind, path = "listing", f"/api/v1/products?limit=24&sort={rng.choice(SORTS)}"
        if rng.random() < 0.3:
            path += f"&category={rng.choice(CATEGORIES)}"
        if where:
            path += f"&{where}"
    elif roll < 0.75:
        kind = "detail"  # a product sold in the market (each demo locale belongs to one market)
        path = f"/api/v1/products/{quote(rng.choice(world.slugs[market]))}" + (f"?{where}" if where else "")
    elif roll < 0.9:
        kind, path = "categories", "/api/v1/categories" + (f"?{where}" if where else "")
    else:
        kind, path = "markets", "/api/v1/markets" + (f"?{where}" if where else "")
    status, body, seconds = api.request("GET", path, headers=headers)
    stats.record(kind, status, body, seconds)


def buy(api: Client, second: Client, world: World, scarce: list[str], rng: random.Random, stats: Stats,
        unpaid: float) -> None:
    market = rng.choice(list(ADDRESSES))
    candidates = world.skus[market]
    picks = rng.sample(candidates, rng.randint(1, 2))
    racing = [sku for sku in scarce if sku in candidates]
    if racing and rng.random() < 0.4:
        picks[0] = rng.choice(racing)
    items = [(sku, rng.randint(1, 2)) for sku in dict.fromkeys(picks)]
    steps, placed = shop(api, market, items)
    for step in steps:
        stats.record(step.name, step.status, step.body, step.seconds)
    if placed is None:
        return
    with stats.lock:
        stats.counts["checkouts"] += 1
    if rng.random() < unpaid:
        return
    answers, seconds = deliver_twice(api, second, *payment_event(placed["payment"]))
    results = Counter()
    for status, body in answers:
        stats.record("webhook (pair)", status, body, seconds)
        if status == 200:
            results[body.get("result")] += 1
    with stats.lock:
        if results == Counter({"pending_payment->paid": 1, "duplicate": 1}):
            stats.counts["payments applied once"] += 1
        else:
            stats.problems[f"webhook pair answered {dict(results)}"] += 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument("--scarce", type=int, default=6, help="products with 3 units per warehouse")
    parser.add_argument("--unpaid", type=float, default=0.2, help="share of checkouts never paid (left pending)")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="an administrative connection (the database is created and dropped through it)")
    args = parser.parse_args()
    with demo_shop(args.pg) as port:
        api = Client(port)
        world = World(api)
        rng = random.Random(7)
        scarce = [sku for pid in rng.sample(sorted(world.product_skus), args.scarce) for sku in world.product_skus[pid]]
        warehouses = list(stock_levels(port, world.all_skus[:1])[world.all_skus[0]])
        set_stock(port, {(sku, w): SCARCE if sku in scarce else PLENTY for sku in world.all_skus for w in warehouses})
        initial = stock_levels(port, world.all_skus)

        stats = Stats()
        stop = time.monotonic() + args.seconds

        def user(seed: int) -> None:
            rng, client, second = random.Random(seed), Client(port), Client(port)
            while time.monotonic() < stop:
                if rng.random() < 0.2:
                    buy(client, second, world, scarce, rng, stats, args.unpaid)
                else:
                    browse(client, world, rng, stats)

        began = time.monotonic()
        threads = [threading.Thread(target=user, args=(i,)) for i in range(args.users)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - began

        final = stock_levels(port, world.all_skus)
        paid, pending = admin_orders(api, "paid"), admin_orders(api, "pending_payment")
        others = sum(len(admin_orders(api, s)) for s in ("canceled", "refunded", "partially_refunded"))

    requests = sum(len(v) for v in stats.latencies.values())
    server_errors = sum(n for c in stats.statuses.values() for status, n in c.items() if status >= 500 or status == 0)
    print(f"\nload on PostgreSQL, gunicorn 2 sync workers, fake payment gateway, {args.users} users for {elapsed:.0f} s"
          f" (80 % browsing, 20 % shopping), {len(world.all_skus)} variants, {len(scarce)} of them scarce")
    for kind, values in stats.latencies.items():
        statuses = " ".join(f"{s}:{n}" for s, n in sorted(stats.statuses[kind].items()))
        print(f"  {kind:<22} {len(values):>6}  p50 {statistics.median(values) * 1000:7.1f} ms  "
              f"p99 {percentile(values, 0.99):7.1f} ms   {statuses}")
    browsing = sum(len(stats.latencies[k]) for k in BROWSING)
    print(f"requests            {requests:>7}   {requests / elapsed:6.1f}/s   ({browsing / requests:.0%} browsing, "
          f"{1 - browsing / requests:.0%} shopping and paying)")
    print(f"5xx (and resets)    {server_errors:>7}")
    print(f"409 out_of_stock    {stats.counts['409 out_of_stock']:>7}")
    print(f"checkouts           {stats.counts['checkouts']:>7}")
    print(f"orders paid         {len(paid):>7}   (webhook pairs applied exactly once: "
          f"{stats.counts['payments applied once']}); pending {len(pending)}, other statuses {others}")
    if stats.problems:
        print("unexpected answers:" + "".join(f"\n  {n} x {what}" for what, n in stats.problems.most_common()))

    sold, held = units(paid), units(pending)
    violations = []
    for sku in world.all_skus:
        start_qty = sum(q for q, _ in initial[sku].values())
        start_reserved = sum(r for _, r in initial[sku].values())
        quantity = sum(q for q, _ in final[sku].values())
        reserved = sum(r for _, r in final[sku].values())
        if sold[sku] > start_qty:
            violations.append(f"{sku}: sold {sold[sku]} > initial stock {start_qty}")
        if quantity != start_qty - sold[sku]:
            violations.append(f"{sku}: quantity {quantity} != {start_qty} initial - {sold[sku]} sold")
        if reserved != start_reserved + held[sku]:
            violations.append(f"{sku}: reserved {reserved} != {start_reserved} + {held[sku]} in pending orders")
    if len(paid) != stats.counts["payments applied once"]:
        violations.append(f"{len(paid)} paid orders but {stats.counts['payments applied once']} payments applied")
    if len(paid) + len(pending) + others != stats.counts["checkouts"]:
        violations.append(f"{len(paid) + len(pending) + others} orders for {stats.counts['checkouts']} checkouts")
    scarce_sold = sum(sold[sku] for sku in scarce)
    scarce_stock = sum(q for sku in scarce for q, _ in initial[sku].values())
    print(f"scarce variants     {scarce_sold} of {scarce_stock} units sold, "
          f"{sum(held[sku] for sku in scarce)} held by pending orders")
    print("stock check (every variant: sold <= initial, quantity = initial - sold, reserved = pending): "
          + ("OK" if not violations else f"{len(violations)} VIOLATIONS"))
    for line in violations[:50]:
        print(f"  {line}")
    sys.exit(1 if violations or server_errors or stats.problems else 0)


if __name__ == "__main__":
    main()
