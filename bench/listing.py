"""Benchmark: the localized product listing (24 items, de-DE) and a product
detail served exactly as deployed (gunicorn --config config/gunicorn.conf.py,
the same app spec as `make run`), against a bare Flask endpoint returning 24
in-memory items under the same gunicorn settings (bench/bare_app.py).

Three servers side by side: bare, deployed (the 2-second per-process
micro-cache of catalog responses on, as in production) and uncached
(CATALOG_CACHE_SECONDS=0: every request does the catalog's work, as for the
many URLs nobody asked for a moment ago). Rounds alternate bare / deployed /
uncached in one run, driven by wrk with 16 keep-alive connections
(bench/http_load.py; without wrk it says how to install it and falls back to
a Python client). Every round prints req/s, p50, p99 and the ratio to that
round's bare figure; then a summary table, medians of the rounds.

    .venv/bin/python bench/listing.py [--seconds 5] [--rounds 5] [--database-url URL]

Without --database-url the demo catalog is loaded into a fresh SQLite file.
The machine's CPUs are shared with whatever else runs: the side-by-side ratio
is the figure to read."""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_load import CONNECTIONS, client_name, free_port, load, serve  # noqa: E402

LISTING = "/api/v1/products?limit=24"
DETAIL = "/api/v1/products/stolz-und-vorurteil-illustrierte-ausgabe"


def summary(results: dict[str, list[tuple]], bare: str) -> None:
    print("\n| target | req/s (median; range) | ratio to bare (median of rounds) | p50 | p99 (median; max) | errors |")
    print("|---|---|---|---|---|---|")
    bare_rounds = [r[0] for r in results[bare]]
    for name, rounds in results.items():
        rps = [r[0] for r in rounds]
        ratios = [r[0] / b for r, b in zip(rounds, bare_rounds)]
        p99 = [r[2] for r in rounds]
        print(f"| {name} | {statistics.median(rps):,.0f} ({min(rps):,.0f}-{max(rps):,.0f}) | "
              f"{statistics.median(ratios):.3f} | {statistics.median(r[1] for r in rounds):.1f} ms | "
              f"{statistics.median(p99):.1f} ms (max {max(p99):.1f}) | {sum(r[3] for r in rounds)} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url")
    parser.add_argument("--no-detail", action="store_true", help="only the listing")
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY (the config's production default "
                        "is 2 per CPU, at most 8)")
    args = parser.parse_args()
    # Production settings, its INFO access log included (written to /dev/null here).
    env = dict(os.environ, STOREFRONT_ENV="production", SECRET_KEY="bench-only-secret-key-0123456789abcdef", STRIPE_SECRET_KEY="sk_bench",
               STRIPE_WEBHOOK_SECRET="whsec_bench", STOREFRONT_ADMIN_TOKEN="bench")
    env.pop("CATALOG_CACHE_SECONDS", None)
    env.pop("LOG_LEVEL", None)
    env["WEB_CONCURRENCY"] = str(args.workers)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    else:
        env["DATABASE_URL"] = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
        flask = str(Path(sys.executable).with_name("flask"))
        for command in (["db", "upgrade"], ["storefront", "demo", "load"], ["storefront", "catalog", "index"],
                        ["storefront", "catalog", "refresh"]):  # as `make demo`
            subprocess.run([flask, "--app", "storefront:create_app", *command], cwd=ROOT, env=env, check=True,
                           capture_output=True)
    bare_port, app_port, uncached_port = free_port(), free_port(), free_port()
    servers = [serve("bench.bare_app:app", bare_port, env)]
    try:
        servers.append(serve("storefront:create_app()", app_port, env))
        servers.append(serve("storefront:create_app()", uncached_port, dict(env, CATALOG_CACHE_SECONDS="0")))
        de = {"Accept-Language": "de-DE"}
        targets = [
            ("bare Flask, 24 in-memory items", bare_port, "/items", {}),
            ("listing as deployed (micro-cache on)", app_port, LISTING, de),
            ("listing, CATALOG_CACHE_SECONDS=0", uncached_port, LISTING, de),
        ]
        if not args.no_detail:
            targets += [("detail as deployed", app_port, DETAIL, de),
                        ("detail, CATALOG_CACHE_SECONDS=0", uncached_port, DETAIL, de)]
        print(f"gunicorn --config config/gunicorn.conf.py ({args.workers} workers), client {client_name()}, {args.rounds} "
              f"alternating rounds of {args.seconds:g} s, database {env['DATABASE_URL'].split(':')[0]}, de-DE",
              flush=True)
        for _, port, path, headers in targets:  # warm up
            load(port, path, headers, 1)
        results: dict[str, list[tuple]] = {name: [] for name, *_ in targets}
        for number in range(1, args.rounds + 1):
            bare_rps = None
            for name, port, path, headers in targets:
                rps, p50, p99, errors = load(port, path, headers, args.seconds)
                results[name].append((rps, p50, p99, errors))
                bare_rps = bare_rps or rps
                print(f"round {number}  {name:<38} {rps:>8,.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:7.1f} ms  "
                      f"{rps / bare_rps:6.3f} of bare  errors {errors}", flush=True)
        summary(results, targets[0][0])
    finally:
        for proc in servers:
            proc.send_signal(signal.SIGTERM)
            proc.wait(20)


if __name__ == "__main__":
    main()
