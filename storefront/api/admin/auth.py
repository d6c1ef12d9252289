"""Merchant authentication: ``Authorization: Bearer <token>``.

Tokens are API tokens created by the CLI or an admin (stored hashed, with
roles), or the bootstrap token ``STOREFRONT_ADMIN_TOKEN`` holding every role.
A merchant resource declares the role it needs once, on its
``MerchantBlueprint`` (storefront/api/admin/blueprint.py): 401 without a valid
token, 403 without the role (both before any argument is parsed).

Failures are counted per client address and presented credential prefix in
the database, so every worker and server shares the count: past
``AUTH_FAILURE_LIMIT`` within ``AUTH_FAILURE_WINDOW_SECONDS`` the next failure
is 429 with ``Retry-After``. A valid token always passes. The client address
is the socket peer, or what ``PROXY_HOPS`` trusted proxies say (ProxyFix).
An application that installs an in-process ``FailureWindow`` as
``app.extensions["auth_failures"]`` gets a strict per-address lockout instead
(the window is consulted before the token, so it refuses valid ones too)."""
from __future__ import annotations

import hmac
import math
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from flask import current_app, g, request

from storefront import clock
from storefront.admin import failures
from storefront.admin.errors import Forbidden, TooManyFailures, Unauthorized
from storefront.admin.ratelimit import FailureWindow, credential_key
from storefront.admin.tokens import ROLES as ROLE_NAMES
from storefront.admin.models import ApiToken
from storefront.admin.tokens import digest, find_active, find_active_by_id, mark_used, use_is_due
from storefront.extensions import db

ROLES = frozenset(ROLE_NAMES)


@dataclass(frozen=True)
class Principal:
    name: str
    roles: frozenset[str]
    token_id: int | None = None


def authenticate() -> None:
    """The request's bearer token, or 401 (429 after repeated failures)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""
    g.principal = authenticate_token(token)


def authenticate_token(token: str) -> Principal:
    """The principal of ``token`` presented by this request's client, or 401
    (429 after repeated failures, counted as for the bearer header): the
    merchant API's header and the console's sign-in form both end here."""
    client = request.remote_addr or "-"
    lockout = current_app.extensions.get("auth_failures")
    if isinstance(lockout, FailureWindow):
        return _with_lockout(lockout, client, token)
    principal = _principal(token) if token else None
    if principal is None:
        _failed(credential_key(client, token))
    return principal


def _failed(key: str):
    """Count the failure (committed: the request fails) and answer 401, or 429 past the limit."""
    now = clock.now()
    config = current_app.config
    window = timedelta(seconds=config["AUTH_FAILURE_WINDOW_SECONDS"])
    db.session.rollback()
    wait = failures.blocked_for(db.session, key, now, config["AUTH_FAILURE_LIMIT"], window)
    # End the read: on SQLite a write must begin its own transaction (a read
    # transaction upgraded to a write fails at once when another is writing).
    db.session.rollback()
    if wait:
        raise TooManyFailures(seconds=max(math.ceil(wait), 1))
    failures.record(db.session, key, now, window)
    db.session.commit()
    raise Unauthorized()


def _with_lockout(window: FailureWindow, client: str, token: str) -> Principal:
    now = time.time()
    wait = window.blocked_for(client, now)
    if wait:
        raise TooManyFailures(seconds=max(math.ceil(wait), 1))
    principal = _principal(token) if token else None
    if principal is None:
        window.fail(client, now)
        raise Unauthorized()
    return principal


def _principal(token: str) -> Principal | None:
    bootstrap = current_app.config.get("STOREFRONT_ADMIN_TOKEN") or ""
    if bootstrap and hmac.compare_digest(token.encode(), bootstrap.encode()):
        return Principal(name="bootstrap", roles=ROLES)
    row = find_active(db.session, token)
    return _of_row(row) if row is not None else None


def principal_again(token_id: int | None, proof: Callable[[str], bool]) -> Principal | None:
    """The principal of a token authenticated earlier (a console session), if
    it is still valid: token ``token_id`` not revoked, or the bootstrap token
    for None, and ``proof(digest)`` true of its stored digest (tokens.digest),
    so a session ends when its token is revoked or the bootstrap token changes."""
    if token_id is None:
        bootstrap = current_app.config.get("STOREFRONT_ADMIN_TOKEN") or ""
        return Principal(name="bootstrap", roles=ROLES) if bootstrap and proof(digest(bootstrap)) else None
    row = find_active_by_id(db.session, token_id)
    return _of_row(row) if row is not None and proof(row.token_hash) else None


def _of_row(row: ApiToken) -> Principal:
    principal = Principal(name=f"token:{row.id}:{row.name}", roles=frozenset(row.roles), token_id=row.id)
    now = clock.now()
    if use_is_due(row, now):  # reads store it too, at most once a minute; nothing else is pending yet
        db.session.rollback()  # the write in a transaction of its own (SQLite, as above)
        mark_used(db.session, principal.token_id, now)
        db.session.commit()
    return principal


def authorize(role: str) -> None:
    """The authenticated principal holds ``role`` (``admin`` holds every role), or 403."""
    principal: Principal | None = g.get("principal")
    if principal is None:
        raise Unauthorized()
    if role not in principal.roles and "admin" not in principal.roles:
        raise Forbidden(role=role)
