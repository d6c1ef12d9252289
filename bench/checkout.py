"""Benchmark: checkout throughput with concurrent buyers on PostgreSQL.

A fresh PostgreSQL database with the demo catalog (dropped at the end),
served by gunicorn (2 sync workers, production settings) with an in-process
fake payment gateway instead of Stripe. The DE variants get a large stock;
then --buyers threads, each on its own keep-alive connection, repeat for
--seconds: create a cart in DE, add 1-2 items (1-3 units each), set a German
address, read the shipping methods, choose one, and check out with a fresh
Idempotency-Key. Prints checkouts/s, p50/p99 of the checkout call and of the
whole flow (6-7 requests), and errors (must be 0); then checks that the units
reserved per variant equal the units ordered, and the orders the merchant API
lists equal the checkouts made (no lost or doubled reservation or order).

    .venv/bin/python bench/checkout.py [--buyers 8] [--seconds 30]
                                       [--pg postgresql://postgres@127.0.0.1:5432/postgres]

Exits non-zero on an error or a mismatch."""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.large_catalog import build, databases  # noqa: E402
from bench.listing import free_port  # noqa: E402

SECRET = "whsec"
ADMIN = {"Authorization": "Bearer x"}
# A German address (tests/functional/shopping.py) and the others shoppers in load.py use.
ADDRESSES = {
    "DE": {"email": "max@example.de", "name": "Max Mustermann", "line1": "Unter den Linden 1", "city": "Berlin",
           "postal_code": "10117", "country": "DE"},
    "CH": {"email": "heidi@example.ch", "name": "Heidi Meier", "line1": "Bahnhofstrasse 1", "city": "Zürich",
           "postal_code": "8001", "country": "CH"},
    "EU": {"email": "luca@example.it", "name": "Luca Rossi", "line1": "Via Roma 1", "city": "Milano",
           "postal_code": "20121", "region": "MI", "country": "IT"},
    "US": {"email": "amy@example.com", "name": "Amy Lee", "line1": "1 Market St", "city": "San Francisco",
           "postal_code": "94105", "region": "CA", "country": "US"},
    "JP": {"email": "yui@example.jp", "name": "山田 結衣", "line1": "千代田1-1", "city": "千代田区",
           "postal_code": "100-0001", "region": "東京都", "country": "JP"},
    "KW": {"email": "ali@example.kw", "name": "علي", "line1": "Street 1", "city": "Kuwait City",
           "postal_code": "13001", "country": "KW"},
    "CA": {"email": "lea@example.ca", "name": "Léa Tremblay", "line1": "1 rue Sainte-Catherine", "city": "Montréal",
           "postal_code": "H2X 1Y4", "region": "QC", "country": "CA"},
}

# The app with storefront.payments.fake_gateway.FakeGateway installed, served
# by gunicorn from a temporary directory on PYTHONPATH.
BENCH_APP = '''"""storefront with the in-memory fake payment gateway (benchmarks only)."""
import os

from storefront import create_app
from storefront.payments.fake_gateway import FakeGateway
from storefront.payments.wiring import install


class WorkerGateway(FakeGateway):
    """Each gunicorn worker has its own gateway: its ids (pi_fake_1 ...) get
    the worker's pid so two workers never hand out the same PaymentIntent id."""

    def _next_id(self, prefix):
        return f"{super()._next_id(prefix)}_{os.getpid()}"


app = create_app()
install(app, WorkerGateway(os.environ["STRIPE_WEBHOOK_SECRET"]))
'''


# --- the server -------------------------------------------------------------------------


@contextmanager
def demo_shop(admin_url: str):
    """A fresh demo database served by gunicorn with the fake gateway: yields the port.
    The server's warnings and errors go to a log whose tail is printed if it wrote any."""
    with databases(admin_url, ["shop"]) as urls, tempfile.TemporaryDirectory() as tmp:
        build(urls["shop"])
        (Path(tmp) / "bench_app.py").write_text(BENCH_APP)
        port = free_port()
        env = dict(os.environ, STOREFRONT_ENV="production", SECRET_KEY="bench-only-secret-key-0123456789abcdef", DATABASE_URL=urls["shop"], STRIPE_SECRET_KEY="sk",
                   STRIPE_WEBHOOK_SECRET=SECRET, STOREFRONT_ADMIN_TOKEN="x", LOG_LEVEL="WARNING",
                   PYTHONPATH=os.pathsep.join(filter(None, [tmp, os.environ.get("PYTHONPATH")])))
        log_path = Path(tmp) / "server.log"
        with log_path.open("w") as log:
            gunicorn = Path(sys.executable).with_name("gunicorn")
            proc = subprocess.Popen([str(gunicorn), "--workers", "2", "--worker-class", "sync", "--bind",
                                     f"127.0.0.1:{port}", "--log-level", "warning", "bench_app:app"],
                                    cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            wait_until_up(port, proc)
            yield port
        finally:
            proc.terminate()
            proc.wait(10)
            lines = log_path.read_text(errors="replace").splitlines()
            if lines:
                print(f"server log ({len(lines)} lines), last 30:", *lines[-30:], sep="\n  ")


def wait_until_up(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not start")


# --- HTTP -------------------------------------------------------------------------------


class Client:
    """JSON over one keep-alive connection (reopened when the server closes it)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def send(self, method: str, path: str, body: Any = None, headers: dict | None = None) -> None:
        data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
        self.conn.request(method, path, body=data,
                          headers={**({"Content-Type": "application/json"} if data else {}), **(headers or {})})

    def receive(self) -> tuple[int, Any]:
        response = self.conn.getresponse()
        raw = response.read()
        is_json = (response.getheader("Content-Type") or "").startswith("application/json")
        return response.status, json.loads(raw) if raw and is_json else raw

    def request(self, method: str, path: str, body: Any = None, headers: dict | None = None) -> tuple[int, Any, float]:
        """(status, body, seconds); status 0 when the connection failed."""
        started = time.perf_counter()
        try:
            self.send(method, path, body, headers)
            status, data = self.receive()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            return 0, repr(exc), time.perf_counter() - started
        return status, data, time.perf_counter() - started

    def ok(self, method: str, path: str, body: Any = None, headers: dict | None = None, expect: int = 200) -> Any:
        status, data, _ = self.request(method, path, body, headers)
        if status != expect:
            raise RuntimeError(f"{method} {path}: {status} {data!r:.300}")
        return data


class Step(NamedTuple):
    name: str
    status: int
    body: Any
    seconds: float


def shop(api: Client, market: str, items: list[tuple[str, int]]) -> tuple[list[Step], dict | None]:
    """One buyer: cart, items, address, shipping, checkout. Stops at the first
    answer that is not a success; returns the steps and the checkout body."""
    steps: list[Step] = []

    def call(name, method, path, body=None, headers=None, expect=200):
        status, data, seconds = api.request(method, path, body, headers)
        steps.append(Step(name, status, data, seconds))
        return data if status == expect else None

    cart = call("cart", "POST", f"/api/v1/carts?market={market}", expect=201)
    if cart is None:
        return steps, None
    base = f"/api/v1/carts/{cart['token']}"
    for sku, quantity in items:
        if call("add item", "POST", f"{base}/items", {"sku": sku, "quantity": quantity}) is None:
            return steps, None
    if call("address", "PUT", f"{base}/address", ADDRESSES[market]) is None:
        return steps, None
    methods = call("shipping methods", "GET", f"{base}/shipping-methods")
    if not methods or not methods["items"]:
        return steps, None
    if call("shipping method", "PUT", f"{base}/shipping-method", {"id": methods["items"][0]["id"]}) is None:
        return steps, None
    placed = call("checkout", "POST", f"{base}/checkout", headers={"Idempotency-Key": str(uuid.uuid4())},
                  expect=201)
    return steps, placed


def catalog_skus(api: Client, market: str) -> list[str]:
    """Every variant listed in ``market``."""
    skus, cursor = [], None
    while True:
        page = api.ok("GET", f"/api/v1/products?market={market}&limit=100" + (f"&cursor={cursor}" if cursor else ""))
        skus += [v["sku"] for p in page["items"] for v in p["variants"]]
        cursor = page["next_cursor"]
        if not cursor:
            return skus


def stock_levels(port: int, skus: list[str]) -> dict[str, dict[str, tuple[int, int]]]:
    """sku -> warehouse -> (quantity, reserved), read in parallel."""
    def one(sku):
        items = Client(port).ok("GET", f"/api/v1/admin/variants/{sku}/stock", headers=ADMIN)["items"]
        return sku, {i["warehouse"]: (i["quantity"], i["reserved"]) for i in items}

    with ThreadPoolExecutor(8) as pool:
        return dict(pool.map(one, skus))


def set_stock(port: int, quantities: dict[tuple[str, str], int]) -> None:
    """(sku, warehouse) -> quantity, written in parallel."""
    def one(item):
        (sku, warehouse), quantity = item
        Client(port).ok("PUT", f"/api/v1/admin/variants/{sku}/stock/{warehouse}", {"quantity": quantity},
                        headers=ADMIN)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, quantities.items()))


def admin_orders(api: Client, status: str) -> list[dict]:
    """Every order in ``status`` (paging through next_cursor)."""
    orders, cursor = [], None
    while True:
        page = api.ok("GET", f"/api/v1/admin/orders?status={status}&limit=100"
                      + (f"&cursor={cursor}" if cursor else ""), headers=ADMIN)
        orders += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return orders


def units(orders: list[dict]) -> Counter:
    """Units per SKU in the orders' lines."""
    total: Counter = Counter()
    for order in orders:
        for line in order["lines"]:
            total[line["sku"]] += line["quantity"]
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(int(len(ordered) * q) - 1, 0)] * 1000 if ordered else float("nan")


# --- the benchmark ------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--buyers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="an administrative connection (the database is created and dropped through it)")
    args = parser.parse_args()
    failed = False
    with demo_shop(args.pg) as port:
        api = Client(port)
        skus = catalog_skus(api, "DE")
        set_stock(port, {(sku, "DE-LEJ"): 1_000_000 for sku in skus})
        before = stock_levels(port, skus)
        if shop(api, "DE", [(skus[0], 1)])[1] is None:  # warm up; the order counts like the others
            raise RuntimeError("the warm-up checkout failed")
        ordered: Counter = Counter({skus[0]: 1})
        lock = threading.Lock()
        checkout_times, flow_times, errors = [], [], Counter()
        checkouts = [0]
        stop = time.monotonic() + args.seconds

        def buyer(seed: int) -> None:
            rng, client = random.Random(seed), Client(port)
            mine = Counter()
            while time.monotonic() < stop:
                items = [(sku, rng.randint(1, 3)) for sku in rng.sample(skus, rng.randint(1, 2))]
                started = time.perf_counter()
                steps, placed = shop(client, "DE", items)
                elapsed = time.perf_counter() - started
                with lock:
                    if placed is None:
                        last = steps[-1]
                        errors[f"{last.name}: {last.status} {_code(last.body)}"] += 1
                        continue
                    checkouts[0] += 1
                    checkout_times.append(steps[-1].seconds)
                    flow_times.append(elapsed)
                    for sku, quantity in items:
                        mine[sku] += quantity
            with lock:
                ordered.update(mine)

        began = time.monotonic()
        threads = [threading.Thread(target=buyer, args=(i,)) for i in range(args.buyers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - began

        after = stock_levels(port, skus)
        pending = admin_orders(api, "pending_payment")
        listed = units(pending)

    print(f"\ncheckout on PostgreSQL, gunicorn 2 sync workers, fake payment gateway, {args.buyers} buyers for "
          f"{elapsed:.0f} s, market DE, {len(skus)} SKUs")
    print(f"checkouts        {checkouts[0]:>7}   {checkouts[0] / elapsed:6.1f}/s")
    print(f"checkout call    p50 {statistics.median(checkout_times) * 1000:7.1f} ms   "
          f"p99 {percentile(checkout_times, 0.99):7.1f} ms")
    print(f"whole flow       p50 {statistics.median(flow_times) * 1000:7.1f} ms   "
          f"p99 {percentile(flow_times, 0.99):7.1f} ms   (cart, 1-2 items, address, shipping x2, checkout)")
    print(f"errors           {sum(errors.values()):>7}" + "".join(f"\n  {n} x {what}" for what, n in errors.items()))
    failed |= bool(errors)

    reserved = {sku: sum(r for _, r in after[sku].values()) - sum(r for _, r in before[sku].values()) for sku in skus}
    wrong = {sku: (reserved[sku], ordered[sku]) for sku in skus if reserved[sku] != ordered[sku]}
    if len(pending) != checkouts[0] + 1:
        wrong["pending orders"] = (len(pending), checkouts[0] + 1)
    wrong.update({f"order lines {sku}": (listed[sku], ordered[sku]) for sku in skus if listed[sku] != ordered[sku]})
    print(f"reservations     {sum(reserved.values())} units reserved for {sum(ordered.values())} units ordered "
          f"in {len(pending)} pending orders: " + ("OK" if not wrong else f"MISMATCH (found, expected) {wrong}"))
    failed |= bool(wrong)
    sys.exit(1 if failed else 0)


def _code(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"].get("code", "")
    return f"{body!r:.80}"


if __name__ == "__main__":
    main()
