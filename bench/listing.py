"""Benchmark: the localized product listing (24 items, de-DE) and a product
detail under gunicorn with 2 sync workers, against a bare Flask endpoint
returning 24 in-memory items under the same settings. The listing and detail
are measured twice: as configured for production (a 2-second per-process
micro-cache of whole responses) and with that cache off, so that every
request does the catalog's work. Rounds alternate (bare, listing, detail,
..., bare, ...) in one run; each prints requests/s, p50 and p99 at 16
concurrent keep-alive connections, and the ratio to bare.

    .venv/bin/python bench/listing.py [--seconds 5] [--rounds 3] [--database-url URL]

Without --database-url the demo catalog is loaded into a fresh SQLite file."""
from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 16


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app: str, port: int, env: dict) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen([str(gunicorn), "--workers", "2", "--worker-class", "sync", "--bind",
                             f"127.0.0.1:{port}", "--log-level", "warning", app],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{app} did not start")


def load(port: int, path: str, headers: dict, seconds: float) -> tuple[float, float, float, int]:
    """16 threads, each on its own keep-alive connection, for ``seconds``."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    errors[0] += 1
            except (OSError, http.client.HTTPException):
                errors[0] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    return len(latencies) / elapsed, p50, p99, errors[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    env = dict(os.environ, STOREFRONT_ENV="production", LOG_LEVEL="WARNING", STRIPE_SECRET_KEY="sk_bench",
               STRIPE_WEBHOOK_SECRET="whsec_bench", STOREFRONT_ADMIN_TOKEN="bench")
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    else:
        env["DATABASE_URL"] = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
        flask = str(Path(sys.executable).with_name("flask"))
        subprocess.run([flask, "--app", "storefront:create_app", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        subprocess.run([flask, "--app", "storefront:create_app", "storefront", "demo", "load"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
    bare_port, app_port, uncached_port = free_port(), free_port(), free_port()
    bare = serve("bench.bare_app:app", bare_port, env)
    shop = serve("storefront:create_app()", app_port, env)
    # The same app with its 2-second response micro-cache off: every request
    # does the whole catalog work, as for URLs nobody asked for a moment ago.
    uncached = serve("storefront:create_app()", uncached_port, dict(env, CATALOG_CACHE_SECONDS="0"))
    try:
        de = {"Accept-Language": "de-DE"}
        detail = "/api/v1/products/stolz-und-vorurteil-illustrierte-ausgabe"
        targets = [
            ("bare Flask, 24 in-memory items", bare_port, "/items", {}),
            ("listing, 24 products, de-DE", app_port, "/api/v1/products?limit=24", de),
            ("product detail, de-DE", app_port, detail, de),
            ("listing, micro-cache off", uncached_port, "/api/v1/products?limit=24", de),
            ("product detail, micro-cache off", uncached_port, detail, de),
        ]
        for _, port, path, headers in targets:  # warm up
            load(port, path, headers, 1)
        results: dict[str, list[tuple]] = {name: [] for name, *_ in targets}
        for _ in range(args.rounds):
            for name, port, path, headers in targets:
                results[name].append(load(port, path, headers, args.seconds))
        print(f"gunicorn 2 sync workers, {CONNECTIONS} connections, {args.rounds} alternating rounds of "
              f"{args.seconds:.0f} s, database {env['DATABASE_URL'].split(':')[0]}")
        baseline = statistics.median(r[0] for r in results[targets[0][0]])
        for name, rounds in results.items():
            rps = statistics.median(r[0] for r in rounds)
            p50 = statistics.median(r[1] for r in rounds)
            p99 = statistics.median(r[2] for r in rounds)
            errors = sum(r[3] for r in rounds)
            print(f"{name:<36} {rps:>8.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
                  f"{rps / baseline:6.0%} of bare  errors {errors}")
    finally:
        for proc in (bare, shop, uncached):
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)


if __name__ == "__main__":
    main()
