"""HTTP caching of public catalog responses: strong ETags and 304s.

The ETag is a hash of the exact body, so any merchant change that alters a
response (price, translation, availability) changes its ETag at once; the
body already depends on market and locale, and ``Vary`` names the headers
that choose them. ``Cache-Control`` lets browsers and CDNs keep a response a
short while and revalidate it cheaply after that."""
from __future__ import annotations

from flask import Response, current_app, request


def conditional(response: Response) -> Response:
    """``after_request`` of public catalog blueprints (GET 200 JSON only)."""
    if request.method != "GET" or response.status_code != 200 or response.direct_passthrough:
        return response
    response.add_etag()  # strong: a hash of the body
    max_age = current_app.config["CATALOG_MAX_AGE_SECONDS"]
    response.headers["Cache-Control"] = f"public, max-age={max_age}, stale-while-revalidate={max_age * 5}"
    return response.make_conditional(request)
