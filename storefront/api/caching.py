"""HTTP caching of public catalog responses: strong ETags and 304s.

The ETag is a hash of the exact body, so any merchant change that alters a
response (price, translation, availability) changes its ETag at once; the
body already depends on market and locale, and ``Vary`` names the headers
that choose them. ``Cache-Control`` lets browsers and CDNs keep a response a
short while and revalidate it cheaply after that."""
from __future__ import annotations

import threading
import time

from flask import Response, current_app, g, request

from storefront.extensions import db
from storefront.cache import current_version

_lock = threading.Lock()
_responses: dict[tuple, tuple[str, float, bytes, str]] = {}
MAX_ENTRIES = 2048


def _key() -> tuple:
    shop = g.get("shop")
    return (current_app.config["SQLALCHEMY_DATABASE_URI"], request.full_path,
            shop.market.code if shop else "", shop.locale if shop else "", shop.selected_by if shop else "",
            shop.suggestion if shop else None)


def cached_response() -> Response | None:
    """``before_request`` (after negotiation) of public catalog blueprints: a
    micro-cache of whole responses for ``CATALOG_CACHE_SECONDS``, dropped at
    once by any merchant change (the "catalog" version). The short life
    bounds how stale stock availability and sale windows can be."""
    seconds = current_app.config["CATALOG_CACHE_SECONDS"]
    if request.method != "GET" or seconds <= 0:
        return None

    version = current_version(db.session, "catalog")
    g.catalog_cache = (_key(), version)
    with _lock:
        hit = _responses.get(g.catalog_cache[0])
    if hit is None or hit[0] != version or hit[1] < time.monotonic():
        return None
    g.catalog_cache_hit = hit[3]
    return Response(hit[2], status=200, mimetype="application/json")


def conditional(response: Response) -> Response:
    """``after_request`` of public catalog blueprints (GET 200 JSON only):
    strong ETag, Cache-Control, 304, and filling the micro-cache."""
    if request.method != "GET" or response.status_code != 200 or response.direct_passthrough:
        return response
    if g.get("catalog_cache_hit"):
        response.set_etag(g.catalog_cache_hit)  # the body is the cached one: so is its hash
    else:
        response.add_etag()  # strong: a hash of the body
    max_age = current_app.config["CATALOG_MAX_AGE_SECONDS"]
    response.headers["Cache-Control"] = f"public, max-age={max_age}, stale-while-revalidate={max_age * 5}"
    pending = g.get("catalog_cache")
    if pending is not None and not g.get("catalog_cache_hit"):
        key, version = pending
        with _lock:
            if len(_responses) >= MAX_ENTRIES:
                _responses.clear()
            _responses[key] = (version, time.monotonic() + current_app.config["CATALOG_CACHE_SECONDS"],
                               response.get_data(), response.get_etag()[0])
    return response.make_conditional(request)
