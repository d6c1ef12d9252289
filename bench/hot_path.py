"""Micro-benchmark: what every catalog request pays around the view, piece by
piece, in microseconds (CPU), on a fresh demo SQLite database with production
settings (access log at INFO, to /dev/null here).

    .venv/bin/python bench/hot_path.py [--n 5000]

Each piece runs inside a request context of the de-DE listing of 24, as the
app runs it: negotiation (market, locale, chain, tax country), the response
micro-cache lookup and its key, the JSON access log line, the security and
CORS headers, Vary/Content-Language/X-Market, the ETag and conditional
answer, and, for scale, the whole request through the WSGI app (a micro-cache
hit) and the bare Flask app of bench/bare_app.py."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PATH = "/api/v1/products?limit=24"
HEADERS = {"Accept-Language": "de-DE"}


def per_call(fn, n: int) -> float:
    fn()
    started = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - started) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000)
    args = parser.parse_args()
    from bench.profile_listing import build, call

    app = build(60)
    from flask import Response, g

    from storefront.api import caching, observability
    from storefront.api.shop import context
    from storefront.extensions import db

    call(app, PATH, "de-DE")
    body = call(app, PATH, "de-DE")
    n = args.n
    rows = []
    with app.test_request_context(PATH, headers=HEADERS):
        observability._start()
        rows.append(("negotiation (negotiate_request)", per_call(context.negotiate_request, n)))
        rows.append(("micro-cache key (_key)", per_call(caching._key, n)))
        rows.append(("micro-cache lookup (cached_response)", per_call(caching.cached_response, n)))
        g.pop("catalog_cache_hit", None)

        def respond():
            return Response(body, mimetype="application/json")

        base = per_call(respond, n)

        def access_and_headers():
            observability._finish(respond())

        def vary_and_language():
            context._decorate_response(respond())

        def etag():
            g.pop("catalog_cache", None)
            caching.conditional(respond())

        rows.append(("access log + security/CORS headers (_finish)", per_call(access_and_headers, n) - base))
        rows.append(("Vary, Content-Language, X-Market (_decorate_response)", per_call(vary_and_language, n) - base))
        rows.append((f"ETag of {len(body) / 1024:.0f} KiB + conditional (conditional)", per_call(etag, n) - base))
        db.session.remove()
    whole = per_call(lambda: call(app, PATH, "de-DE"), max(n // 5, 200))
    from bench.bare_app import app as bare

    bare_whole = per_call(lambda: call(bare, "/items", "de-DE"), max(n // 5, 200))
    print(f"{'piece':<60} {'µs CPU':>8}")
    for name, micros in rows:
        print(f"{name:<60} {micros:8.1f}")
    print(f"{'whole listing request, micro-cache hit (WSGI, no HTTP)':<60} {whole:8.1f}")
    print(f"{'bare Flask app, 24 in-memory items (WSGI, no HTTP)':<60} {bare_whole:8.1f}")


if __name__ == "__main__":
    main()
