"""A read whose database connection dies mid-request (PostgreSQL restarted,
its backend terminated) runs once more, on a new connection, instead of
answering 500: GET and HEAD change nothing a second run could double.
``pool_pre_ping`` already replaces the connections that died while idle, and
a connection that dies after the response is made costs nothing either."""
from __future__ import annotations

import logging

from flask import Flask, g, request
from sqlalchemy.exc import DBAPIError

from storefront.api.observability import logged_path
from storefront.extensions import db

IDEMPOTENT = frozenset({"GET", "HEAD"})
# SQLSTATE classes of a lost server: 08 connection exception, 57P operator
# intervention (admin_shutdown when a backend is terminated, crash_shutdown ...).
LOST = ("08", "57P")
log = logging.getLogger("storefront.db")


def is_disconnect(exc: BaseException) -> bool:
    if not isinstance(exc, DBAPIError):
        return False
    return exc.connection_invalidated or str(getattr(exc.orig, "sqlstate", None) or "").startswith(LOST)


def _discard_session() -> None:
    """End the request's session; if its connection is dead, drop it all the same."""
    try:
        db.session.remove()
    except DBAPIError as exc:
        if not is_disconnect(exc):
            raise
        db.session.registry.clear()


def init_app(app: Flask) -> None:
    handle = app.handle_user_exception

    def handle_user_exception(exc: Exception):
        if not (is_disconnect(exc) and request.method in IDEMPOTENT and not g.get("disconnect_retried")):
            return handle(exc)
        g.disconnect_retried = True
        log.warning("database connection lost during %s %s; running it again", request.method, logged_path())
        _discard_session()
        try:
            again = app.preprocess_request()
            return again if again is not None else app.dispatch_request()
        except Exception as second:  # noqa: BLE001 - handled as any error of the request
            return handle(second)

    app.handle_user_exception = handle_user_exception  # type: ignore[method-assign]

    @app.teardown_appcontext
    def _end_session(_exc: BaseException | None) -> None:
        # Runs before Flask-SQLAlchemy's own removal (teardowns run last first),
        # which then finds nothing left to do.
        _discard_session()
