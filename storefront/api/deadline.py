"""A deadline for every request (issue 12, item 18).

gunicorn kills a sync worker whose request runs past its ``timeout``; the
client then gets a bare 500 and whatever the request was doing stops at an
arbitrary instruction. Instead, each request gets ``REQUEST_TIMEOUT_SECONDS``
(below gunicorn's timeout): a timer (``SIGALRM``) ends the request with
:class:`~storefront.errors.RequestTimedOut`, which unwinds like any other
error — the code on the way out compensates as it does for a failed provider
call (a checkout gives its reservation back), the session is rolled back, and
the shopper gets the JSON envelope (503 ``request_timeout``).

Where the timer finds the request:

- in Python (a Stripe call waiting on its socket, say): the error is raised
  there. The Stripe SDK reports it as a connection error, so a checkout answers
  503 ``payment_provider_unavailable`` — the same outcome.
- waiting for PostgreSQL (a row lock, a slow statement): raising inside the
  driver would leave the connection busy ("another command is already in
  progress"), so the statement is cancelled at the server instead; the
  driver's ``QueryCanceled`` unwinds the request, answered as the timeout. A
  statement that finished before the cancel landed raises the timeout itself.

Either way the error is raised once: the statements the code runs on its way
out (giving a reservation back) run as usual.
- inside SQLite: Python runs no handler until SQLite returns, which its
  ``busy_timeout`` (10 s) bounds.

The timer fires once. What is still running at gunicorn's timeout is
answered by the worker (storefront/serving.py), in JSON too.

Signals reach only the main thread, so the deadline is armed only there: in
gunicorn's sync workers (one request at a time in the main thread) and in the
test client; a threaded server (``flask run``) runs without it.
"""
from __future__ import annotations

import logging
import signal
import _signal
import threading
from contextlib import contextmanager
from types import FrameType
from typing import Any, Iterator

from flask import Flask, Response, current_app, request
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError

from storefront.api.errors import handle_database_error, handle_storefront_error
from storefront.api.observability import logged_path
from storefront.errors import RequestTimedOut
from storefront.extensions import db

log = logging.getLogger("storefront.deadline")
_SUPPORTED = hasattr(signal, "setitimer")


class _Deadline:
    """The main thread's request: one at a time, so plain attributes will do."""
    armed = False
    expired = False
    statement: Any = None  # the DB-API connection running a statement right now
    cancelled: Any = None  # the one whose statement the deadline cancelled


_now = _Deadline()


def _fire(_signum: int, _frame: FrameType | None) -> None:
    if not _now.armed:
        return
    _now.expired = True
    running = _now.statement
    cancel = getattr(running, "cancel_safe", None)  # psycopg 3: cancel at the server, connection stays usable
    if cancel is not None:
        try:
            cancel(timeout=2.0)
            _now.cancelled = running
            return  # the driver raises QueryCanceled; _after_statement covers a statement that won the race
        except Exception:  # noqa: BLE001 - could not reach the server: fall back to raising here
            log.warning("could not cancel the running statement at the deadline")
    raise RequestTimedOut()


def _arm() -> None:
    _now.armed = _now.expired = False
    _now.cancelled = None
    seconds = float(current_app.config["REQUEST_TIMEOUT_SECONDS"] or 0)
    if seconds <= 0 or not _SUPPORTED or threading.current_thread() is not threading.main_thread():
        return
    handler = _signal.getsignal(signal.SIGALRM)  # (signal.getsignal's wrapping into enums: 2 µs a request)
    if handler is not _fire:
        if handler != signal.SIG_DFL:
            return  # somebody else's alarm (a test runner's timeout, say): leave it alone
        signal.signal(signal.SIGALRM, _fire)  # (once per process: it stays installed)
    _now.armed = True
    signal.setitimer(signal.ITIMER_REAL, seconds)


def disarm() -> None:
    """Stop this request's timer, if it has one (idempotent)."""
    if _now.armed:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _now.armed = False


def _before_statement(conn, _cursor, _statement, _parameters, _context, _executemany) -> None:
    if _now.armed:
        _now.statement = conn.connection.dbapi_connection


def _after_statement(_conn, _cursor, _statement, _parameters, _context, _executemany) -> None:
    _now.statement = None
    if _now.cancelled is not None:  # it finished before the cancel landed: the timeout, once
        _now.cancelled = None
        raise RequestTimedOut()


def _statement_failed(_context) -> None:
    _now.statement = _now.cancelled = None


def arm() -> None:
    """Start the deadline outside Flask's hooks (storefront.api.lane); ``disarm`` ends it."""
    _arm()


@contextmanager
def on_driver(dbapi_connection) -> Iterator[None]:
    """A statement run on the DB-API connection itself (storefront.db.run_on_driver),
    under the deadline as SQLAlchemy's are: cancelled at the server, the timeout raised once."""
    if _now.armed:
        _now.statement = dbapi_connection
    try:
        yield
    except BaseException:
        _now.statement = _now.cancelled = None
        raise
    _after_statement(None, None, None, None, None, False)


def expired() -> bool:
    """The deadline fired during this request (a cancelled statement's error is the timeout)."""
    return _now.expired


def _timed_out(err: Exception) -> Response:
    disarm()
    log.warning("%s %s stopped after REQUEST_TIMEOUT_SECONDS=%s", request.method, logged_path(),
                current_app.config["REQUEST_TIMEOUT_SECONDS"])
    return handle_storefront_error(err if isinstance(err, RequestTimedOut) else RequestTimedOut())


def _database_error(err: DBAPIError) -> Response:
    """A statement the deadline cancelled is the timeout; other database errors as usual."""
    if _now.expired:
        return _timed_out(err)
    return handle_database_error(err)


def _disarm_response(response: Response) -> Response:
    disarm()
    return response


def _disarm_teardown(_exc: BaseException | None) -> None:
    disarm()
    _now.statement = _now.cancelled = None


def init_app(app: Flask) -> None:
    app.register_error_handler(RequestTimedOut, _timed_out)
    app.register_error_handler(DBAPIError, _database_error)
    # First before the other hooks run, and disarmed before the others finish
    # the response (after_request hooks run last-registered first).
    app.before_request_funcs.setdefault(None, []).insert(0, _arm)
    app.after_request(_disarm_response)
    app.teardown_request(_disarm_teardown)
    with app.app_context():
        engine = db.engine
    if not event.contains(engine, "before_cursor_execute", _before_statement):
        event.listen(engine, "before_cursor_execute", _before_statement)
        event.listen(engine, "after_cursor_execute", _after_statement)
        event.listen(engine, "handle_error", _statement_failed)
