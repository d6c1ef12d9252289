"""The product listing answered below Flask when the listing book holds the page.

With the micro-cache off or missed, a listing request did about 1 ms of
Python around 0.2 ms of SQL: Flask's request context and routing, a dozen
hooks, flask-smorest's wrappers, an ORM Session opened and closed for one
read, SQLAlchemy's per-execution machinery. The page itself is already
encoded (the listing book's fragments, storefront.browse.book): what is left
to do is one statement and a join. This WSGI layer does only that, with the
same functions the view uses:

- the query parsed by the endpoint's own schema, the market and locale
  negotiated by ``context.negotiated``, the page and its JSON by
  ``catalog.listing_text``;
- the page statement run on the DB-API connection itself, compiled once
  (``storefront.db.run_on_driver``); cached values (markets, categories)
  read through the usual per-process caches, a Session made only when one
  of them has to be loaded;
- the micro-cache looked up and filled as Flask does, so the layer above
  (storefront.api.front) answers the repeats;
- the request under the same deadline, with its own request id and its JSON
  access log line.

The answer's headers are those Flask sent for a listing in the same market and
locale, scheme and Origin (all they depend on but the body, whose ``ETag`` and
``Content-Length`` are computed here): the first such request of a process
goes to Flask, and this layer keeps what it answered.

Everything else goes to Flask unchanged: other paths and methods, a
conditional request, cookies or credentials, a head near the app's limits,
NUL characters, ``?cart=``, a query the schema refuses, a negotiation that
fails, a page the book does not hold whole, any error (Flask runs it again and
answers as usual). A request the deadline stopped here is answered by Flask's
handler for the timeout, without being run again."""
from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from typing import Any, Callable, Iterable

from flask import Flask, g, request
from marshmallow import ValidationError
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import EnvironHeaders
from werkzeug.http import generate_etag, quote_etag

from storefront import cache
from storefront.api import caching, deadline, front
from storefront.api.observability import _bad_text
from storefront.api.shop.catalog import listing_text
from storefront.api.shop.context import negotiated
from storefront.api.shop.schemas.catalog import ProductQueryArgsSchema
from storefront.browse.services import NotBooked
from storefront.db import driver_statement, reading_only, run_on_driver
from storefront.errors import RequestTimedOut
from storefront.extensions import db, query_args, schema_instance

log = logging.getLogger("storefront.lane")
ENDPOINT = "catalog.Products"
TIMED_OUT = "storefront.lane.timed_out"  # environ: the deadline stopped the request here; Flask answers it
_UNSENT = frozenset({"content-length", "etag", "x-request-id"})
MAX_HEADER_SETS = 1024


class _Pass(Exception):
    """Flask answers this request; ``learn`` is the header key to keep its answer's headers under."""

    def __init__(self, learn: tuple | None = None) -> None:
        self.learn = learn


MAX_QUERIES = 2048  # distinct query strings whose parsing is kept (then forgotten all at once)
MAX_MEMO_QUERY = 512  # longer ones are parsed every time
_UNREAD = object()
_REFUSED = object()  # the schema refused the query


class _Query:
    """A query string's arguments (read only) and, once loaded, the schema's result (read only)."""

    __slots__ = ("args", "parsed")

    def __init__(self, args) -> None:
        self.args = args
        self.parsed: Any = None  # the loaded dict, or _REFUSED


class _Rows(list):
    def all(self) -> list:
        return self


class _Reader:
    """What ``list_products`` reads through: ``connection().execute`` runs a
    compiled Core statement on the driver; everything else is the app's scoped
    session, made on first use (a cache to fill, versions to read)."""

    def __init__(self, engine) -> None:
        self._engine = engine
        self._used_held = False
        self._connection = _DriverConnection(self)

    def connection(self) -> "_DriverConnection":
        return self._connection

    def driver(self):
        if db.session.registry.has():  # a Session is open already: its transaction, one snapshot
            return db.session.connection().connection.driver_connection
        bound = getattr(db.session, "session_factory", None)
        bound = bound.kw.get("bind") if bound is not None else None
        if isinstance(bound, Connection):  # sessions bound to one connection (a test's transaction): read there
            return bound.connection.driver_connection
        self._used_held = True
        return _held_driver(self._engine)

    def close(self, failed: bool) -> None:
        used, self._used_held = self._used_held, False
        if used and failed:  # (a statement failed or was cancelled: a new connection next time)
            release_held()

    def __getattr__(self, name: str) -> Any:
        return getattr(db.session, name)


class _HeldConnection(threading.local):
    """The DB-API connection the lane reads through, one per thread and
    process, kept from request to request: no pool checkout, reset and return
    (nor PostgreSQL's ping) around a one-statement read. Detached from the
    engine's pool, so it counts beside ``pool_size``; in autocommit mode on
    PostgreSQL (each page statement its own snapshot, no transaction left
    open between requests), as pysqlite's is on SQLite (configure_sqlite)."""

    fairy: Any = None
    driver: Any = None
    engine: Any = None
    pid: int = 0


_held = _HeldConnection()
_inherited: list = []  # connections a forked process found: its parent's, never used nor closed here


def _held_driver(engine):
    held = _held
    if held.fairy is not None and (held.pid != os.getpid() or held.engine is not engine):
        release_held()  # (a forked process's inheritance, or another app's engine)
    if held.fairy is None:
        fairy = engine.raw_connection()
        try:
            driver = fairy.driver_connection  # (before detaching: the pool's record holds it)
            fairy.detach()
            if engine.dialect.name == "postgresql":
                driver.rollback()  # (the pool's ping began a transaction)
                driver.autocommit = True
        except BaseException:
            fairy.invalidate()
            raise
        held.fairy, held.driver, held.engine, held.pid = fairy, driver, engine, os.getpid()
    return held.driver


def release_held() -> None:
    """Close this thread's lane connection (after a failed statement, when its
    engine is disposed, in the master before it forks: storefront.serving.warm)."""
    fairy, _driver = _held.fairy, _held.driver
    _held.fairy = _held.driver = _held.engine = None
    if fairy is None:
        return
    if _held.pid != os.getpid():  # the parent's: closing it here would end the parent's session too
        _inherited.append((fairy, _driver))
        return
    try:
        fairy.close()  # (detached: the DB-API connection itself is closed)
    except Exception:  # noqa: BLE001 - a broken connection is dropped all the same
        log.debug("could not close the lane's connection", exc_info=True)


@event.listens_for(Engine, "engine_disposed")
def _engine_disposed(engine: Engine) -> None:
    if _held.engine is engine:
        release_held()


class _DriverConnection:
    def __init__(self, reader: _Reader) -> None:
        self._reader = reader

    def execute(self, stmt, params=None):
        prepared = driver_statement(stmt, self._reader._engine.dialect)
        if prepared is None:
            return db.session.connection().execute(stmt, params)
        driver = self._reader.driver()
        with deadline.on_driver(driver):
            return _Rows(run_on_driver(driver, prepared, params or {}))


class ListingLane:
    def __init__(self, wsgi_app: Callable, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self.path: str | None = None
        self.schema = None
        self._headers: dict[tuple, list[tuple[str, str]]] = {}
        self._queries: dict[str, _Query | None] = {}
        cache.on_clear_local(weakref.WeakMethod(self.forget))

    def forget(self) -> None:
        self._headers.clear()

    def _route(self) -> str | None:
        if self.path is None:
            rule = next((r for r in self.app.url_map.iter_rules() if r.endpoint == ENDPOINT), None)
            if rule is None or rule.arguments:
                self.path = ""
            else:
                self.schema = schema_instance(ProductQueryArgsSchema)
                self.path = rule.rule
        return self.path

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if (environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != self._route()
                or not self.app.config["LISTING_LANE"] or front._key(environ) is None):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        query = self._query(environ)
        if query is None:
            return self.wsgi_app(environ, start_response)
        learn = None
        failed = False
        reader = None
        with self.app.app_context(), reading_only():  # (a Session made here begins deferred, as a GET's does)
            g.answering_request = True
            try:
                reader = _Reader(db.engine)
                deadline.arm()
                answer = self._answer(query, reader, environ)
            except _Pass as passed:
                answer, learn = None, passed.learn
            except RequestTimedOut:
                answer, failed = None, True
                environ[TIMED_OUT] = True
            except Exception as exc:  # noqa: BLE001 - Flask runs it again and answers as it would
                answer, failed = None, True
                if deadline.expired():  # (a statement the deadline cancelled)
                    environ[TIMED_OUT] = True
                else:
                    log.debug("the listing lane passed %s to Flask: %r", environ.get("QUERY_STRING"), exc)
            finally:
                deadline.disarm()
                if reader is not None:
                    reader.close(failed)
        if answer is None:
            return self._pass(environ, start_response, learn)
        body, headers = answer
        request_id = front.request_id(environ)
        start_response("200 OK", [*headers, ("Content-Length", str(len(body))), ("X-Request-Id", request_id)])
        front.log_answer(self.path or "", started, request_id)
        return [body]

    def _query(self, environ: dict) -> "_Query | None":
        """The query string's arguments and what the schema made of them, read
        once per distinct query string (both are functions of it alone); None
        when Flask must see the request (``?cart=``, NUL or surrogate text)."""
        text = environ.get("QUERY_STRING", "")
        known = self._queries.get(text, _UNREAD)
        if known is _UNREAD:
            args = query_args(environ)
            known = None if "cart" in args or any(_bad_text(v) for v in args.values()) else _Query(args)
            if len(text) <= MAX_MEMO_QUERY:
                if len(self._queries) >= MAX_QUERIES:
                    self._queries.clear()
                self._queries[text] = known
        return known

    def _answer(self, query: "_Query", reader: _Reader, environ: dict):
        args = query.args
        try:
            ctx = negotiated(args, EnvironHeaders(environ))
        except Exception:  # noqa: BLE001 - unknown market, invalid locale: Flask's error answer
            raise _Pass() from None
        config = self.app.config
        key = (environ.get("wsgi.url_scheme"), environ.get("HTTP_X_FORWARDED_PROTO"), environ.get("HTTP_ORIGIN"),
               ctx.market.code, ctx.locale, tuple(config["CORS_ORIGINS"]), config["CATALOG_MAX_AGE_SECONDS"])
        headers = self._headers.get(key)
        if headers is None:
            raise _Pass(learn=key)
        parsed = query.parsed
        if parsed is None:
            try:
                parsed = query.parsed = self.schema.load(MultiDictProxy(args, self.schema))
            except (ValidationError, ValueError):
                query.parsed = _REFUSED
                raise _Pass() from None
        elif parsed is _REFUSED:  # Flask answers with the schema's errors, in the request's language
            raise _Pass()
        seconds = self.app.config["CATALOG_CACHE_SECONDS"]
        cache_key = caching.response_key(self.path, caching.frozen_args(parsed), ctx) if seconds > 0 else None
        hit = None
        if cache_key is not None:
            hit, versions = cache.lookup(reader, caching.SHAPED_BY, cache_key)
        if hit is not None:
            body, etag = hit
        else:
            try:
                body = listing_text(reader, ctx, parsed, book_only=True)
                body = body if isinstance(body, bytes) else body.encode()
            except NotBooked:
                raise _Pass() from None
            etag = generate_etag(body)
            if cache_key is not None:
                cache.keep(caching.SHAPED_BY, cache_key, (body, etag), versions, weight=len(body) + len(repr(cache_key)),
                           seconds=seconds)
        if cache_key is not None:
            front.mark(environ, cache_key, caching.SHAPED_NAMES, versions, self.path)
        return body, [*headers, ("ETag", quote_etag(etag))]

    def _pass(self, environ: dict, start_response: Callable, learn: tuple | None):
        if learn is None:
            return self.wsgi_app(environ, start_response)

        def capture(status, headers, exc_info=None):
            if status.startswith("200 ") and not any(k.lower() == "set-cookie" for k, _ in headers):
                found = dict((k.lower(), v) for k, v in headers)
                if found.get("x-market") == learn[3] and found.get("content-language") == learn[4]:
                    if len(self._headers) >= MAX_HEADER_SETS:
                        self._headers.clear()
                    self._headers[learn] = [(k, v) for k, v in headers if k.lower() not in _UNSENT]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return self.wsgi_app(environ, capture)


def raise_timed_out() -> None:
    """``before_request`` (after the request id is set): a request the deadline
    stopped in the lane gets Flask's answer to the timeout, not a second run."""
    if request.environ.pop(TIMED_OUT, False):
        raise RequestTimedOut()
