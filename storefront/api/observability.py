"""Request ids, structured JSON logs, security headers and CORS.

- Every response carries ``X-Request-Id`` (the caller's, if it sent a sane
  one, else a new one); every log line of the request includes it.
- Logs are one JSON object per line (timestamp, level, logger, message,
  request id, method, path, status, duration) — never headers or bodies, so
  tokens, card data and secrets stay out of them; the cart and order tokens
  in a path (each opens a shopper's cart or order) are logged as ``<token>``.
- Security headers on every response (no sniffing, no framing, no referrer
  leakage, HSTS when served over HTTPS).
- CORS for the configured frontend origins only (``CORS_ORIGINS``).
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import Flask, Response, g, has_request_context, request
from storefront.api.errors import error_response

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": _timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if "request_id" in record.__dict__:  # (a line written outside Flask: storefront.api.front)
            entry["request_id"] = record.__dict__["request_id"]
        elif has_request_context():
            entry["request_id"] = g.get("request_id")
        for key in ("method", "path", "status", "duration_ms"):
            if key in record.__dict__:
                entry[key] = record.__dict__[key]
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _encode(entry)


_encode = json.JSONEncoder(ensure_ascii=False).encode


def access_line(logger: logging.Logger, path: str, duration_ms: float, request_id: str) -> None:
    """The access line of a GET answered 200 below Flask (storefront.api.front,
    storefront.api.lane), as ``logger.info`` with these extras would write it.
    When the line's only way out is our own JSON handler (nothing else in the
    way: no filter, no other handler, the stock formatter), it is written
    straight to the handler's stream: the same text without building a
    ``LogRecord`` (its thread, process and task lookups; a tenth of a listing
    answered below Flask)."""
    handler = _sole_handler(logger)
    if handler is None:
        logger.handle(logger.makeRecord(
            logger.name, logging.INFO, __file__, 0, "%s %s %s", ("GET", path, 200), None,
            extra={"method": "GET", "path": path, "status": 200, "duration_ms": round(duration_ms, 1),
                   "request_id": request_id}))
        return
    line = _encode({"ts": _timestamp(time.time()), "level": "INFO", "logger": logger.name,
                    "message": f"GET {path} 200", "request_id": request_id, "method": "GET", "path": path,
                    "status": 200, "duration_ms": round(duration_ms, 1)})
    with handler.lock:  # as Handler.handle and StreamHandler.emit do
        try:
            handler.stream.write(line + handler.terminator)
            handler.flush()
        except Exception:  # noqa: BLE001 - logging never breaks a request (StreamHandler.emit)
            handler.handleError(logging.makeLogRecord({"msg": line}))


def _sole_handler(logger: logging.Logger) -> logging.StreamHandler | None:
    """Our JSON handler, when a record of ``logger`` at INFO would reach it and nothing else."""
    found = None
    current: logging.Logger | None = logger
    while current is not None:
        if current.filters or current.disabled:
            return None
        for handler in current.handlers:
            if (found is not None or not getattr(handler, "_storefront", False) or handler.filters
                    or handler.level > logging.INFO or type(handler.formatter) is not JsonFormatter
                    or getattr(handler, "lock", None) is None):
                return None
            found = handler
        current = current.parent if current.propagate else None
    return found
_second: list = [None, ""]  # (whole second, its ISO text up to the seconds): one strftime a second


def _timestamp(created: float) -> str:
    """``2026-12-02T17:45:01.123+00:00``, as ``isoformat(timespec="milliseconds")`` writes it."""
    whole = int(created)
    if _second[0] != whole:
        _second[1] = datetime.fromtimestamp(whole, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        _second[0] = whole
    return f"{_second[1]}.{int((created - whole) * 1000):03d}+00:00"


def configure_logging(app: Flask) -> None:
    """JSON lines on stderr for the storefront loggers (idempotent)."""
    logger = logging.getLogger("storefront")
    if not any(getattr(h, "_storefront", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler._storefront = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(app.config["LOG_LEVEL"])


def _start() -> None:
    if "request_id" in g:  # a read run again after a lost connection (storefront/api/disconnects.py)
        return
    incoming = request.headers.get("X-Request-Id", "")
    g.request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.started = time.perf_counter()


_access = logging.getLogger("storefront.access")
_SECURITY_ITEMS = tuple(SECURITY_HEADERS.items())


def _finish(response: Response) -> Response:
    from flask import current_app

    req = request._get_current_object()  # type: ignore[attr-defined]  # (each proxy lookup costs ~1 µs)
    ctx = g._get_current_object()  # type: ignore[attr-defined]
    headers = response.headers
    present = {k.lower() for k in headers.keys()}  # one pass (setdefault scans the headers each time)
    request_id = getattr(ctx, "request_id", "")
    if "x-request-id" in present:
        headers["X-Request-Id"] = request_id
        extra = []
    else:
        extra = [("X-Request-Id", request_id)]
    extra += [(name, value) for name, value in _SECURITY_ITEMS if name.lower() not in present]
    if "content-security-policy" not in present:
        extra.append(("Content-Security-Policy", DOCS_CSP if req.path.startswith("/docs") else API_CSP))
    if req.is_secure and "strict-transport-security" not in present:
        extra.append(("Strict-Transport-Security", "max-age=63072000; includeSubDomains"))
    headers.extend(extra)
    allowed = current_app.config["CORS_ORIGINS"]
    if allowed:  # the CORS headers depend on the Origin: a CDN must key on it
        response.vary.add("Origin")
        origin = req.headers.get("Origin")
        if origin and ("*" in allowed or origin in allowed):
            headers["Access-Control-Allow-Origin"] = origin if "*" not in allowed else "*"
            headers["Access-Control-Expose-Headers"] = "Content-Language, X-Market, X-Request-Id, ETag"
            if req.method == "OPTIONS":
                headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
                headers["Access-Control-Allow-Headers"] = (
                    "Content-Type, Authorization, Accept-Language, X-Market, X-Country, Idempotency-Key, "
                    "If-None-Match")
                headers["Access-Control-Max-Age"] = "600"
    if _access.isEnabledFor(logging.INFO):
        now = time.perf_counter()
        duration = (now - getattr(ctx, "started", now)) * 1000
        path = _without_tokens(req.path, req.view_args)
        status = response.status_code
        method = req.method
        _access.info("%s %s %s", method, path, status,
                     extra={"method": method, "path": path, "status": status, "duration_ms": round(duration, 1)})
    return response


def logged_path() -> str:
    """The request's path with the values of its ``token`` arguments (carts,
    orders) replaced: whoever reads the log must not be able to open them."""
    return _without_tokens(request.path, request.view_args)


def redacted_path(app: Flask | None, method: str, path: str | None) -> str:
    """:func:`logged_path` outside a request (the server's own error log):
    the path matched against the app's routes, its token arguments replaced.
    A path no route matches is logged without its segments."""
    if not path:
        return "-"
    try:
        _, arguments = app.url_map.bind("localhost").match(path, method=method)  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - no route (404/405) or no app: nothing to tell tokens apart by
        return "/".join(path.split("/")[:4]) + ("/…" if path.count("/") > 3 else "")
    return _without_tokens(path, arguments)


def _without_tokens(path: str, arguments: dict | None) -> str:
    for name, value in (arguments or {}).items():
        if "token" in name and isinstance(value, str) and value:
            path = path.replace(value, "<token>")
    return path


def _bad_text(value) -> str | None:
    """``"nul"`` or ``"surrogate"`` when a string in ``value`` holds a NUL or
    a lone UTF-16 surrogate (``"\\ud800"`` is valid JSON but no Unicode text:
    it cannot be encoded, logged or stored)."""
    if isinstance(value, str):
        if "\x00" in value:
            return "nul"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "surrogate"
        return None
    if isinstance(value, dict):
        return next((bad for k, v in value.items() for bad in (_bad_text(k), _bad_text(v)) if bad), None)
    if isinstance(value, list):
        return next((bad for v in value if (bad := _bad_text(v))), None)
    return None


class _Unreadable(ValueError):
    pass


def _json_body():
    """The JSON body, parsed once here so nothing later can fail on it: nesting
    deeper than Python's recursion limit and integers longer than its
    int-to-str limit (4,300 digits) are refused as malformed; a syntax error
    is left to webargs (``None``), which answers it for the endpoints that read a body."""
    try:
        return json.loads(request.get_data(cache=True))
    except (RecursionError, MemoryError):
        raise _Unreadable() from None
    except json.JSONDecodeError:
        return None
    except UnicodeDecodeError:
        return None
    except ValueError:  # "Exceeds the limit (4300 digits) for integer string conversion"
        raise _Unreadable() from None


def _refuse_nul():
    """NUL characters have no place in any field, and PostgreSQL text cannot
    store them: refuse them up front (400) rather than fail deep inside; the
    same for lone surrogates and bodies Python's JSON decoder cannot hold."""
    from flask_babel import gettext

    values = [request.path, *request.args.values()]
    if request.is_json:
        try:
            values.append(_json_body())
        except _Unreadable:
            return error_response(400, "malformed_json", gettext("The request body is not valid JSON."))
    bad = next((b for v in values if (b := _bad_text(v))), None)
    if bad == "nul":
        return error_response(400, "invalid_characters", gettext("The request contains a NUL character."))
    if bad == "surrogate":
        return error_response(400, "invalid_characters", gettext("The request contains text that is not valid Unicode."))
    return None


def _preflight():
    """Answer CORS preflights (OPTIONS) before routing."""
    if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method"):
        return Response(status=204)
    return None


def init_app(app: Flask) -> None:
    configure_logging(app)
    app.before_request(_start)
    app.before_request(_preflight)
    app.before_request(_refuse_nul)
    app.after_request(_finish)
