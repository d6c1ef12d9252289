"""Repeats of a catalog GET answered below Flask, from the micro-cache.

A micro-cache hit inside Flask still pays for the request context, routing,
negotiation, the query's parse, the hooks and the access log: about twice
the bare app's whole request, to send bytes it already holds. This WSGI layer
remembers, per request as it arrived (path, query string and every header the
answer depends on), which micro-cache entry Flask answered it with and the
headers it sent. A repeat is answered from that entry while it is valid:

- the entry is still in the store (``storefront.cache``), unexpired
  (``CATALOG_CACHE_SECONDS``) and computed under the namespace versions this
  process read less than ``CACHE_VERSION_TTL_SECONDS`` ago, the same check the
  Flask hit makes;
- the mapping itself was made under those versions (a change to the markets
  can make the same request negotiate another market);
- the request is a plain GET the app would answer the same way: no
  conditional headers (Flask answers those, 304 included), a head within the
  app's limits (storefront.api.errors), no ``?cart=`` (the cart's address can
  change without a catalog change; see ``mark``).

Anything else, and every miss, goes to Flask unchanged. A hit still gets its
own ``X-Request-Id`` and its JSON access log line."""
from __future__ import annotations

import logging
import threading
import time
import uuid
import weakref
from collections import OrderedDict
from typing import Any, Callable, Iterable, NamedTuple

from storefront import cache
from storefront.api.errors import MAX_HEADER_FIELD_BYTES, MAX_HEADER_FIELDS, MAX_URL_BYTES
from storefront.api.observability import REQUEST_ID, access_line

MARK = "storefront.front"  # environ: (store key, versions, logged path), set by storefront.api.caching
# Request headers a catalog answer depends on (Vary, CORS, HSTS), with the path and query: the key.
KEYED = ("HTTP_ACCEPT_LANGUAGE", "HTTP_X_MARKET", "HTTP_X_COUNTRY", "HTTP_ORIGIN", "HTTP_X_FORWARDED_PROTO")
# Answered by Flask, always: conditional requests (304s) and a request id set twice.
PASSED = frozenset({"HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_COOKIE", "HTTP_AUTHORIZATION"})
MAX_MAPPINGS = 4096
_access = logging.getLogger("storefront.access")


class _Mapping(NamedTuple):
    store_key: tuple
    names: tuple[str, ...]
    versions: tuple[str, ...]
    headers: list[tuple[str, str]]  # as Flask sent them, X-Request-Id left out
    path: str  # as the access log writes it


def mark(environ: dict, store_key: tuple, names: tuple[str, ...], versions: tuple[str, ...], path: str) -> None:
    """Called by the micro-cache for a 200 it kept or served: this request may be answered here next time."""
    environ[MARK] = (store_key, names, versions, path)


class FrontCache:
    def __init__(self, wsgi_app: Callable, config: dict[str, Any]) -> None:
        self.wsgi_app = wsgi_app
        self.config = config
        self._mappings: OrderedDict[tuple, _Mapping] = OrderedDict()
        self._lock = threading.Lock()
        cache.on_clear_local(weakref.WeakMethod(self.clear))

    def clear(self) -> None:
        with self._lock:
            self._mappings.clear()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET" or self.config["CATALOG_CACHE_SECONDS"] <= 0:
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        key = _key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        mapping = self._mappings.get(key)
        if mapping is not None:
            body = self._valid(mapping)
            if body is not None:
                return self._answer(environ, start_response, mapping, body, started)
        return self._remember(key, environ, start_response)

    def _valid(self, mapping: _Mapping) -> bytes | None:
        url = self.config["SQLALCHEMY_DATABASE_URI"]
        recent = cache._recent.get(url)
        ttl = self.config["CACHE_VERSION_TTL_SECONDS"]
        if recent is None or ttl <= 0 or time.monotonic() - recent[0] >= ttl:
            return None  # versions not read lately: Flask reads them (and answers)
        found = recent[1]
        if tuple(found.get(n) for n in mapping.names) != mapping.versions:
            return None
        full = (url, mapping.names, mapping.store_key)
        value = cache._store.get_many((full,), mapping.versions).get(full)
        return value[0] if value is not None else None

    def _answer(self, environ, start_response, mapping: _Mapping, body: bytes, started: float):
        rid = request_id(environ)
        start_response("200 OK", [*mapping.headers, ("X-Request-Id", rid)])
        log_answer(mapping.path, started, rid)
        return [body]

    def _remember(self, key: tuple, environ: dict, start_response: Callable):
        sent: list = []

        def capture(status, headers, exc_info=None):
            sent[:] = (status, headers)
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        result = self.wsgi_app(environ, capture)
        marked = environ.get(MARK)
        if marked is not None and sent and sent[0].startswith("200 "):
            store_key, names, versions, path = marked
            headers = [(k, v) for k, v in sent[1] if k.lower() != "x-request-id"]
            if not any(k.lower() == "set-cookie" for k, _ in headers):
                with self._lock:
                    self._mappings[key] = _Mapping(store_key, names, versions, headers, path)
                    self._mappings.move_to_end(key)
                    while len(self._mappings) > MAX_MAPPINGS:
                        self._mappings.popitem(last=False)
        return result


def request_id(environ: dict) -> str:
    """The request's id, as storefront.api.observability gives it: the client's when well formed."""
    incoming = environ.get("HTTP_X_REQUEST_ID", "")
    return incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex


def log_answer(path: str, started: float, rid: str) -> None:
    """The access log line of a GET answered 200 below Flask, as Flask's would read."""
    if _access.isEnabledFor(logging.INFO):
        # Logger.info without its search of the stack for the caller (no handler of ours prints it).
        access_line(_access, path, (time.perf_counter() - started) * 1000, rid)


def _key(environ: dict) -> tuple | None:
    """The request as the answer depends on it, or None when Flask must see it
    (conditional, with credentials, or a head near the app's limits)."""
    path = environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    size = len(path) + len(query)
    fields = 0
    for name, value in environ.items():
        if name.startswith("HTTP_"):
            if name in PASSED:
                return None
            fields += 1
            size += len(name) + len(value) + 2
    # Under every limit of refuse_oversized_head (URL, one field, the count) at once: the app would not refuse it.
    if size > MAX_HEADER_FIELD_BYTES or fields >= MAX_HEADER_FIELDS or size > MAX_URL_BYTES:
        return None
    return (path, query, environ.get("wsgi.url_scheme"), *(environ.get(h) for h in KEYED))
