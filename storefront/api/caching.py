"""HTTP caching of public catalog responses: strong ETags and 304s.

The ETag is a hash of the exact body, so any merchant change that alters a
response (price, translation, availability) changes its ETag at once; the
body already depends on market and locale, and ``Vary`` names the headers
that choose them. ``Cache-Control`` lets browsers and CDNs keep a response a
short while and revalidate it cheaply after that."""
from __future__ import annotations

from functools import lru_cache

from flask import Response, current_app, g, request
from marshmallow import ValidationError
from webargs.multidictproxy import MultiDictProxy

from storefront import cache
from storefront.api import front
from storefront.api.observability import logged_path
from storefront.api.fields import ShopperArgsSchema
from storefront.catalog.cache import CATALOG
from storefront.extensions import db, schema_instance
from storefront.inventory.services import INVENTORY
from storefront.markets.cache import MARKETS
from storefront.pricing.services import PRICES
from storefront.tax.services import TAX

# What shapes a catalog response: markets (names, currency, display rules),
# the catalog (texts, options, categories, availability per market), prices
# and sales, the tax rates shown, and the warehouses serving each market
# (availability). FX rates reach it only through repricing (``prices``).
SHAPED_BY = (MARKETS, CATALOG, PRICES, TAX, INVENTORY)
SHAPED_NAMES = tuple(n.name for n in SHAPED_BY)


def _query_schema():
    """The marshmallow schema the endpoint reads its query with (flask-smorest
    ``@blp.arguments(..., location="query")``), or None."""
    view = current_app.view_functions.get(request.endpoint or "")
    method = getattr(getattr(view, "view_class", None), request.method.lower(), view)
    parameters = getattr(method, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    schema = next((p["schema"] for p in parameters if p["in"] == "query"), None)
    if isinstance(schema, type):  # flask-smorest keeps what it was given: a class or an instance
        schema = schema_instance(schema)  # (the one the parser loads with)
    return schema


NEGOTIATION_ARGS = frozenset(ShopperArgsSchema().fields)


def _frozen(value):
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set)):
        return tuple(_frozen(v) for v in value)
    return value


def _key() -> tuple | None:
    """The query as the endpoint parses it, not as it was spelled: ``limit=0005``
    and ``limit=5``, ``market=de`` and ``market=DE``, any order, one entry.
    (Keyed by the raw path, 10,000 spellings of one page were 10,000 copies
    of it.) None when the query does not parse: the view answers that."""
    args = _parsed_query(request.endpoint or "", request.query_string)
    if args is _UNPARSED:
        return None
    return response_key(request.path, args, g.get("shop"))


def response_key(path: str, args: tuple, shop) -> tuple:
    """The micro-cache key of a response: its path, its parsed query (``frozen_args``) and the shop context."""
    return ("response", path, args, shop.market.code if shop else "", shop.locale if shop else "",
            shop.selected_by if shop else "", shop.suggestion if shop else None, shop.tax_country if shop else None)


def frozen_args(args: dict) -> tuple:
    """A parsed query as the key holds it: market and locale count as negotiated, not as spelled."""
    return _frozen({k: v for k, v in args.items() if k not in NEGOTIATION_ARGS})


_UNPARSED = object()


@lru_cache(maxsize=4096)
def _parsed_query(endpoint: str, query_string: bytes):
    """The endpoint's parsed query without the negotiation arguments, frozen
    (marshmallow costs ~40 µs a load): a few thousand spellings kept per
    process, only their parse, never a response (bounded, least recently used out)."""
    schema = _query_schema()
    if schema is None:
        return _UNPARSED
    try:
        args = schema.load(MultiDictProxy(request.args, schema))
    except (ValidationError, ValueError):
        return _UNPARSED
    return frozen_args(args)


def cached_response() -> Response | None:
    """``before_request`` (after negotiation) of public catalog blueprints: a
    micro-cache of whole responses for ``CATALOG_CACHE_SECONDS``, dropped at
    once by a change to what shapes them (``SHAPED_BY``). The short life
    bounds how stale stock availability and sale windows can be."""
    seconds = current_app.config["CATALOG_CACHE_SECONDS"]
    if request.method != "GET" or seconds <= 0:
        return None
    key = _key()
    if key is None:
        return None
    hit, versions = cache.lookup(db.session, SHAPED_BY, key)
    g.catalog_cache = (key, versions)
    if hit is None:
        return None
    body, etag = hit
    g.catalog_cache_hit = etag
    return Response(body, status=200, mimetype="application/json")


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
    if pending is not None:
        key, versions = pending
        if not g.get("catalog_cache_hit"):
            body = response.get_data()
            cache.keep(SHAPED_BY, key, (body, response.get_etag()[0]), versions, weight=len(body) + len(repr(key)),
                       seconds=current_app.config["CATALOG_CACHE_SECONDS"])
        if "cart" not in request.args:  # (a cart's address changes without a catalog change)
            front.mark(request.environ, key, SHAPED_NAMES, versions, logged_path())
    if "If-None-Match" in request.headers or "If-Modified-Since" in request.headers:
        return response.make_conditional(request)
    return response  # nothing to compare: a 200 as it is (make_conditional costs ~20 µs)
