"""Where a listing request's time goes: pyinstrument over N in-process requests
(the WSGI app called directly, no HTTP client) on a fresh demo SQLite
database, production settings, de-DE listing of 24.

    .venv/bin/pip install pyinstrument   # a profiling aid, not a dependency
    .venv/bin/python bench/profile_listing.py [--cache-hit] [--requests 300] [--path URL]

PROFILE_DATABASE_URL names another (empty) database, e.g. PostgreSQL.
Without --cache-hit the micro-cache is off (CATALOG_CACHE_SECONDS=0): every
request does the catalog's work. With it, the response micro-cache is on and
warmed, so what is profiled is the hit path and the middleware around it."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(cache_seconds: int):
    url = os.environ.get("PROFILE_DATABASE_URL") or f"sqlite:///{Path(tempfile.mkdtemp()) / 'profile.db'}"
    os.environ.update(STOREFRONT_ENV="production", SECRET_KEY="bench-only-secret-key-0123456789abcdef", DATABASE_URL=url, STRIPE_SECRET_KEY="sk_x",
                      STRIPE_WEBHOOK_SECRET="whsec_x", STOREFRONT_ADMIN_TOKEN="x",
                      CATALOG_CACHE_SECONDS=str(cache_seconds))
    os.environ.pop("LOG_LEVEL", None)  # production's INFO: the access log is part of every request
    from flask_migrate import upgrade

    from storefront import create_app
    from storefront.catalog import listing
    from storefront.demo.loader import load_demo
    from storefront.extensions import db

    app = create_app()
    import logging

    for handler in logging.getLogger("storefront").handlers:  # the JSON lines are written, to nowhere
        if getattr(handler, "_storefront", False):
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 - the process's life
    with app.app_context():
        upgrade()
        load_demo(db.session)
        listing.index_in_use(db.session, app.config["DEFAULT_LOCALE"])
        db.session.commit()
        if os.environ.get("PROFILE_WITHOUT_BOOK"):  # the listing as before the book: every product the long way
            from storefront.catalog.models import ListingFragment

            db.session.execute(ListingFragment.__table__.delete())
            db.session.commit()
    return app


def call(app, path: str, language: str) -> bytes:
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(path=path, headers={"Accept-Language": language}).get_environ()
    out = []
    body = app(environ, lambda status, headers, exc_info=None: out.append(status))
    data = b"".join(body)
    if hasattr(body, "close"):
        body.close()
    assert out[0].startswith("200"), (out, data[:200])
    return data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache-hit", action="store_true")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--path", default="/api/v1/products?limit=24")
    parser.add_argument("--language", default="de-DE")
    args = parser.parse_args()
    app = build(60 if args.cache_hit else 0)
    for _ in range(20):
        call(app, args.path, args.language)
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.requests):
        call(app, args.path, args.language)
    plain = (time.perf_counter() - started) / args.requests * 1000
    cpu = (time.process_time() - cpu) / args.requests * 1000
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(args.requests):
        call(app, args.path, args.language)
    profiler.stop()
    print(f"{args.path} ({'cache hit' if args.cache_hit else 'CATALOG_CACHE_SECONDS=0'}): "
          f"{cpu:.3f} ms CPU ({plain:.3f} ms wall) a request in process, unprofiled ({args.requests} requests)")
    print(profiler.output_text(unicode=True, color=False, show_all=bool(os.environ.get("PROFILE_ALL"))))


if __name__ == "__main__":
    main()
