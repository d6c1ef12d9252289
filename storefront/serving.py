"""gunicorn's sync worker, answering in the API's JSON envelope.

What gunicorn refuses or gives up on never reaches the app: a request head
beyond its limits (config/gunicorn.conf.py sets them above the app's, so this
is a request line over 1 MB, a header field over 64 KiB or more than 1,000
fields), a malformed request line, and a request still running at the worker
timeout (the app's own deadline, storefront/api/deadline.py, comes first; this
is what is stuck past it). gunicorn answers those in HTML and logs the raw
path, cart and order tokens included. This worker answers them like the app
does — ``{"error": {"code", "message", "details"}}``, the message in the
shopper's language when the head could be read — and logs the path with its
tokens replaced.

Used by config/gunicorn.conf.py (``worker_class``, and ``after_fork`` in its
``post_fork`` hook, and ``when_ready``).
"""
from __future__ import annotations

import json
import logging
import ssl
from typing import Any

from babel.support import NullTranslations, Translations
from gunicorn import util
from gunicorn.http.errors import (
    ForbiddenProxyRequest, InvalidRequestLine, InvalidResponseHeader, InvalidResponseHeaderName, LimitRequestHeaders,
    LimitRequestLine, ParseException, UnsupportedTransferCoding,
)
from gunicorn.workers.sync import SyncWorker as GunicornSyncWorker

from storefront.api.lane import release_held
from storefront.api.messages import HTTP_ERRORS
from storefront.api.observability import SECURITY_HEADERS, API_CSP, redacted_path
from storefront.config import ROOT
from storefront.extensions import db
from storefront.errors import N_, RequestTimedOut
from storefront.i18n.negotiation import parse_accept_language
from storefront.payments.wiring import warn_if_unconfigured

log = logging.getLogger("storefront.serving")
access = logging.getLogger("storefront.access")
REASONS = {400: "Bad Request", 403: "Forbidden", 414: "URI Too Long", 431: "Request Header Fields Too Large",
           500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable"}
# A URL with raw non-ASCII bytes (curl sends `q=préjugés` as typed; browsers encode it).
INVALID_REQUEST_LINE = ("invalid_request_line", N_(
    "The request line is not valid HTTP. Percent-encode characters outside ASCII in the URL "
    "(for example q=pr%C3%A9jug%C3%A9s)."))
NOT_IMPLEMENTED = ("not_implemented", HTTP_ERRORS[400][1])  # a Transfer-Encoding gunicorn does not support


def classify(exc: BaseException) -> tuple[int, str, str]:
    """(status, code, message id) for what ended a request outside the app."""
    if isinstance(exc, SystemExit):  # gunicorn's worker timeout (Worker.handle_abort)
        return 503, RequestTimedOut.code, RequestTimedOut.message
    if isinstance(exc, (InvalidResponseHeader, InvalidResponseHeaderName)):
        return 500, *HTTP_ERRORS[500]
    if isinstance(exc, LimitRequestLine):
        return 414, *HTTP_ERRORS[414]
    if isinstance(exc, LimitRequestHeaders):
        return 431, *HTTP_ERRORS[431]
    if isinstance(exc, InvalidRequestLine):
        return 400, *INVALID_REQUEST_LINE
    if isinstance(exc, ForbiddenProxyRequest):
        return 403, *HTTP_ERRORS[403]
    if isinstance(exc, UnsupportedTransferCoding):
        return 501, *NOT_IMPLEMENTED
    if isinstance(exc, (ParseException, ssl.SSLError)):
        return 400, *HTTP_ERRORS[400]
    return 500, *HTTP_ERRORS[500]


_catalogs: dict[str, NullTranslations] = {}


def translate(message: str, accept_language: str | None, languages: list[str], default: str) -> tuple[str, str]:
    """(message, language): the first UI language the client accepts, else the default."""
    language = default
    for tag in parse_accept_language(accept_language):
        if tag.split("-")[0] in languages:
            language = tag.split("-")[0]
            break
    if language not in _catalogs:
        _catalogs[language] = Translations.load(str(ROOT / "translations"), [language], domain="messages")
    return _catalogs[language].gettext(message), language


def response_bytes(status: int, code: str, message: str, language: str) -> bytes:
    body = json.dumps({"error": {"code": code, "message": message, "details": {}}}, ensure_ascii=False).encode()
    head = [f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}", "Connection: close",
            "Content-Type: application/json", f"Content-Length: {len(body)}", f"Content-Language: {language}",
            f"Content-Security-Policy: {API_CSP}", *(f"{k}: {v}" for k, v in SECURITY_HEADERS.items())]
    if status == 503:
        head.append("Retry-After: 1")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


class SyncWorker(GunicornSyncWorker):
    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        status, code, msgid = classify(exc)
        app = getattr(self, "wsgi", None)
        config = getattr(app, "config", {}) or {}
        method = getattr(req, "method", None) or "-"
        path = redacted_path(app, method, getattr(req, "path", None)) if req is not None else "-"
        if status >= 500 and status != 503:
            log.error("error handling %s %s", method, path, exc_info=(type(exc), exc, exc.__traceback__))
        elif status == 503:
            log.warning("%s %s still running at gunicorn's worker timeout: the worker is restarted", method, path)
        else:
            log.warning("refused a request from %s: %s", (addr or ("",))[0], type(exc).__name__)
        access.info("%s %s %s", method, path, status, extra={"method": method, "path": path, "status": status})
        headers = dict(getattr(req, "headers", None) or [])
        message, language = translate(msgid, headers.get("ACCEPT-LANGUAGE"), list(config.get("UI_LANGUAGES", [])),
                                      config.get("DEFAULT_LOCALE", "en"))
        try:
            util.write_nonblock(client, response_bytes(status, code, message, language))
        except Exception:  # noqa: BLE001 - the client is gone
            log.debug("could not send the error response")


def after_fork(app: Any) -> None:
    """In a worker just forked from the master that built the app: the
    connections the master opened belong to it, so the pool forgets them
    without closing them (SQLAlchemy, "Using Connection Pools with
    Multiprocessing or os.fork()"). Another app under the same settings
    (bench/bare_app.py) has no pool."""
    if "sqlalchemy" not in getattr(app, "extensions", {}):
        return
    with app.app_context():
        db.engine.dispose(close=False)


def when_ready(app: Any) -> None:
    """Once in the master, before the workers are forked: what an operator
    must hear about, then the per-process caches warmed so every worker
    starts with them (copy-on-write after the fork)."""
    if "sqlalchemy" not in getattr(app, "extensions", {}):
        return  # not storefront (bench/bare_app.py under the same settings)
    warn_if_unconfigured(app)
    if app.config.get("WARM_CACHES", True):
        warm(app)


WARM_PATHS = ("/api/v1/markets", "/api/v1/categories?market={market}", "/api/v1/products?market={market}")


def warm(app: Any) -> None:
    """One request per market for the first listing page and categories: the
    markets, translated categories, option names, shelf rates and the response
    micro-cache are filled. The pool is emptied afterwards: no connection
    crosses the fork. A database that is not there yet only costs the warm-up."""
    quiet = logging.getLogger("storefront.access")
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        client = app.test_client()
        markets = client.get(WARM_PATHS[0])
        codes = [m["code"] for m in (markets.get_json(silent=True) or {}).get("items", [])]
        for code in codes:
            for path in WARM_PATHS[1:]:
                client.get(path.format(market=code))
    except Exception:  # noqa: BLE001 - warming is an optimisation, never a reason not to start
        log.warning("could not warm the caches before forking the workers", exc_info=True)
    finally:
        quiet.setLevel(level)
        release_held()  # (the listing lane's own connection)
        with app.app_context():
            db.engine.dispose()
